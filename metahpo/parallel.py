"""joblib pools whose worker processes die with the process they work for, and survive a job
that kills its worker.

A process pool's workers (loky's, multiprocessing's) outlive a parent killed with ``kill -9``: they
finish the tasks they hold and then idle for minutes, holding memory. :func:`workers` gives every
worker a thread that ends it within :data:`PARENT_CHECK_SECONDS` of its parent's death.

A job whose worker process dies (the system kills it for memory, native code crashes) breaks the
whole pool, and a rerun would meet the same job and break again. :func:`run_jobs` finds it out, by
running the jobs the broken pool held each alone, and records its death in place of its result, so
the other jobs go on. The build, the batch and the search's parallel trials all use it.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from joblib import Parallel, delayed
from joblib.externals.loky.process_executor import TerminatedWorkerError

PARENT_CHECK_SECONDS = 1.0
"""How often a worker process checks that the process it works for is still there."""


def workers(n_jobs: int, *, unordered: bool = False) -> Parallel:
    """A joblib ``Parallel`` on the active backend whose worker processes exit within
    :data:`PARENT_CHECK_SECONDS` of this process's death (a kill -9 included). With ``unordered``,
    it yields results as they finish. Process pools (loky, multiprocessing) run
    :func:`_exit_with_parent` in each worker they start; other backends ignore it."""
    return Parallel(n_jobs=n_jobs, return_as="generator_unordered" if unordered else "list",
                    initializer=_exit_with_parent, initargs=(os.getpid(),))


def _exit_with_parent(parent: int) -> None:
    """In a worker process of process ``parent``: exit as soon as that process is gone."""
    if os.getpid() == parent:  # a thread pool's thread, not a worker process
        return

    def watch() -> None:
        while os.getppid() == parent:  # a dead parent's children are adopted by another process
            time.sleep(PARENT_CHECK_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, name="metahpo-exit-with-parent", daemon=True).start()


@dataclass(frozen=True)
class WorkerDeath:
    """What :func:`run_jobs` yields in place of the result of a job whose worker process died while
    it ran alone: the job itself kills its worker (too much memory, a crash in native code)."""

    reason: str
    """How the pool reported the death (the workers' exit codes, say)."""

    def __str__(self) -> str:
        return (f"its worker process died, also when run alone ({self.reason}): out of memory, "
                f"or a crash in native code")


Job = tuple[Callable[..., Any], tuple, dict]
"""A job as ``joblib.delayed(function)(*args, **kwargs)`` makes it."""


def run_jobs(jobs: Sequence[Job], n_jobs: int, *, unordered: bool = False) -> Iterator[tuple[int, Any]]:
    """Run ``jobs`` on :func:`workers`, yielding ``(index, result)`` in the jobs' order, or as they
    finish with ``unordered``.

    When a worker process dies, joblib stops the pool and every job it held. Those not finished are
    then run again one at a time, each alone in a fresh pool: one whose worker dies alone too
    yields a :class:`WorkerDeath` as its result, the others their results, and the jobs not yet
    started go on in a fresh pool. A death costs a rerun of the jobs the pool held, never the run, and
    a job that reliably kills its worker is recorded once instead of breaking every rerun.

    This covers process pools (loky's, the default, with ``n_jobs`` above 1), which report a dead
    worker by a ``TerminatedWorkerError``; other errors of the pool (a job's arguments or result
    that cannot be unpickled, say) are raised as before. On a Dask cluster, Dask itself retries a
    task whose worker died on other workers.

    Raises
    ------
    TerminatedWorkerError
        When a job's worker died alone and a pool cannot run even a job that does nothing: the
        pool is failing (workers that cannot start, say), not the job, and recording jobs as dead
        would be wrong.
    """
    finished = _isolating(jobs, n_jobs)
    if unordered:
        yield from finished
        return
    waiting: dict[int, Any] = {}  # run unordered and put in order here: a break loses no finished result
    position = 0
    for i, result in finished:
        waiting[i] = result
        while position in waiting:
            yield position, waiting.pop(position)
            position += 1


def _isolating(jobs: Sequence[Job], n_jobs: int) -> Iterator[tuple[int, Any]]:
    """:func:`run_jobs` as the jobs finish."""
    pending = list(range(len(jobs)))
    while pending:
        started: list[int] = []
        finished: set[int] = set()

        def drawn(indices: list[int]) -> Iterator[Job]:
            for i in indices:  # joblib draws a job when it dispatches it
                started.append(i)
                yield _tagged(i, jobs[i])

        try:
            for i, result in workers(n_jobs, unordered=True)(drawn(pending)):
                finished.add(i)
                yield i, result
            return
        except TerminatedWorkerError:
            if not started:  # broken before it drew a job: the pool, not a job
                raise
        for i in (i for i in started if i not in finished):  # the jobs the broken pool held
            try:
                ((_, result),) = workers(n_jobs)([_tagged(i, jobs[i])])
            except TerminatedWorkerError as exc:
                workers(n_jobs)([delayed(os.getpid)()])  # a pool that cannot run this either raises here
                result = WorkerDeath(_reason(exc))
            finished.add(i)
            yield i, result
        pending = [i for i in pending if i not in finished]


class _Tagged:
    """``function``, returning its job's index with its result; named as ``function`` is, which is
    what Dask's dashboard shows."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function = function
        self.__name__ = getattr(function, "__name__", type(function).__name__)

    def __call__(self, index: int, *args: Any, **kwargs: Any) -> tuple[int, Any]:
        return index, self.function(*args, **kwargs)


def _tagged(index: int, job: Job) -> Job:
    function, args, kwargs = job
    return delayed(_Tagged(function))(index, *args, **kwargs)


def _reason(exc: BaseException) -> str:
    """The workers' exit codes, where loky names them (``{SIGKILL(-9)}``), else the error's first line."""
    text = str(exc).strip()
    codes = re.search(r"exit codes? of the workers? (?:are|is) (\{.*?\})", text)
    return f"exit codes {codes.group(1)}" if codes else (text.splitlines()[0][:200] if text else type(exc).__name__)

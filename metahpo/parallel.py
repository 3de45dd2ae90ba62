"""joblib pools whose worker processes die with the process they work for, and survive a job
that kills its worker.

A process pool's workers (loky's, multiprocessing's) outlive a parent killed with ``kill -9``: they
finish the tasks they hold and then idle for minutes, holding memory. :func:`workers` gives every
worker a thread that ends it within :data:`PARENT_CHECK_SECONDS` of its parent's death.

A job whose worker process dies (the system kills it for memory, native code crashes) breaks the
whole pool, and a rerun would meet the same job and break again. :func:`run_jobs` finds it out, by
running the jobs the broken pool held each alone, and records its death in place of its result, so
the other jobs go on. The build, the batch and the search's parallel trials all use it. Jobs that
run in this very process (``n_jobs=1``) kill it instead: a :class:`Journal` of the jobs it started
lets the rerun run those it was running when it died each alone in a process of its own.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from joblib import Parallel, delayed
from joblib.externals.loky.process_executor import ProcessPoolExecutor, TerminatedWorkerError
from joblib.parallel import BACKENDS, get_active_backend

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


class Journal:
    """A file of the jobs started in this process and not ended, so that after the process died, a
    rerun knows the jobs it was running: the one that killed it is among them.

    Each event is a line appended at once (the file is opened for each, and the line begins with a
    newline, so one torn by a kill never swallows the next), and a torn (or garbled) line is ignored.
    :func:`run_jobs` keeps it for jobs that run in this process; a job whose own worker process
    dies needs none. A journal is one process's: two writing one (two builds into one folder, two
    tunes of one dataset into one ``record_to``) can only run a job alone that need not be, or miss
    a suspect whose start the other's :meth:`compact` dropped, which then kills the rerun once more.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    def running(self) -> set[str]:
        """The jobs started and not ended: those a dead process was running (or this one is)."""
        return set(self._counts())

    def _counts(self) -> Counter[str]:
        """How many times each running job was started and not ended (a key may name several jobs)."""
        counts: Counter[str] = Counter()
        try:
            lines = self.path.read_bytes().splitlines()
        except FileNotFoundError:
            return counts
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            if not (isinstance(entry, list) and len(entry) == 2 and all(isinstance(x, str) for x in entry)):
                continue  # an empty line, one torn by a kill, or garbage
            event, key = entry
            counts[key] = counts[key] + 1 if event == "start" else max(counts[key] - 1, 0) if event == "end" else 0
        return +counts

    def start(self, key: str) -> None:
        self._write("start", key)

    def end(self, key: str) -> None:
        self._write("end", key)

    def clear(self, key: str) -> None:
        """End every start of ``key``: none of its jobs kills its process."""
        self._write("clear", key)

    def compact(self) -> None:
        """Keep only the jobs still running (none: no file), so that the file does not grow with every run."""
        running = self._counts()
        if not running:
            self.path.unlink(missing_ok=True)
            return
        part = self.path.with_name(self.path.name + ".part")  # replaced whole: a kill leaves the old file or the new
        part.write_text("".join("\n" + json.dumps(["start", key]) for key in sorted(running.elements())))
        os.replace(part, self.path)

    def _write(self, event: str, key: str) -> None:
        with open(self.path, "a") as fh:
            fh.write("\n" + json.dumps([event, key]))


def run_jobs(jobs: Sequence[Job], n_jobs: int, *, unordered: bool = False, journal: Journal | None = None,
             keys: Sequence[str] = ()) -> Iterator[tuple[int, Any]]:
    """Run ``jobs`` on :func:`workers`, yielding ``(index, result)`` in the jobs' order (on Ctrl-C,
    the results already finished first, with gaps), or as they finish with ``unordered``.

    When a worker process dies, joblib stops the pool and every job it held. Those not finished are
    then run again one at a time, each alone (:func:`run_alone`): one whose worker dies alone too
    yields a :class:`WorkerDeath` as its result, the others their results, and the jobs not yet
    started go on in a fresh pool. A death costs a rerun of the jobs the pool held, never the run, and
    a job that reliably kills its worker is recorded once instead of breaking every rerun.

    This covers process pools (loky's, the default, with ``n_jobs`` above 1), which report a dead
    worker by a ``TerminatedWorkerError``; other errors of the pool (a job's arguments or result
    that cannot be unpickled, say) are raised as before. On a Dask cluster, Dask itself retries a
    task whose worker died on other workers.

    Jobs that run in this process (``n_jobs=1`` on a local backend, or a thread pool) kill it when
    they kill their worker. With a ``journal`` and each job's key in ``keys``, the jobs are
    journaled as they start and end (an exception or interrupt ends them: the process survived),
    and those the journal holds as running (a process that ran them died) run first, each alone in
    a process of its own (so they must pickle), so that one that kills its process is a
    :class:`WorkerDeath` on the rerun. Its key stays in the journal, and so its jobs run alone
    again on the next run, until none of them dies; one that finishes in a worker process ends it too.

    Raises
    ------
    TerminatedWorkerError
        When a job's worker died alone and a pool cannot run even a job that does nothing: the
        pool is failing (workers that cannot start, say), not the job, and recording jobs as dead
        would be wrong.
    ValueError
        If ``keys`` does not hold one key per job when a journal is given.
    """
    if journal is not None and len(keys) != len(jobs):
        raise ValueError(f"a journal needs one key per job: {len(keys)} keys for {len(jobs)} jobs")
    if journal is None:
        finished = _isolating(jobs, n_jobs)
    elif _runs_here(n_jobs):
        finished = _journaled(jobs, n_jobs, journal, keys)
    else:
        finished = _clearing(_isolating(jobs, n_jobs), journal, keys)
    return finished if unordered else _in_order(finished)


def _in_order(finished: Iterator[tuple[int, Any]]) -> Iterator[tuple[int, Any]]:
    """``finished`` (unordered) in the jobs' order: a pool's break loses no result already finished,
    nor does Ctrl-C, after which the results that finished while an earlier job still ran follow,
    in order, before the interrupt is raised."""
    waiting: dict[int, Any] = {}
    position = 0
    try:
        for i, result in finished:
            waiting[i] = result
            while position in waiting:
                yield position, waiting.pop(position)
                position += 1
    except KeyboardInterrupt:
        yield from sorted(waiting.items())
        raise


def _runs_here(n_jobs: int) -> bool:
    """Whether joblib runs jobs in this process: on threads, or one at a time (a local process pool
    with ``n_jobs=1``; a Dask cluster runs them on its workers whatever ``n_jobs``). Asked of the
    active backend, not found out by a job, which would skew the auto-batching of a backend in use."""
    backend = get_active_backend()[0]
    pools = tuple(BACKENDS[name] for name in ("loky", "multiprocessing") if name in BACKENDS)
    one_at_a_time = isinstance(backend, pools) and backend.effective_n_jobs(n_jobs) == 1
    return getattr(backend, "uses_threads", False) or one_at_a_time


def run_alone(job: Job) -> Any:
    """Run ``job`` in a worker process of its own: its result, or a :class:`WorkerDeath` if the process dies.

    Raises
    ------
    TerminatedWorkerError
        If a process of its own cannot run even a job that does nothing either (see :func:`run_jobs`).
    """
    function, args, kwargs = job
    try:
        return _in_own_process(function, *args, **kwargs)
    except TerminatedWorkerError as exc:
        _in_own_process(os.getpid)  # one that cannot run this either raises here
        return WorkerDeath(_reason(exc))


def _in_own_process(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    executor = ProcessPoolExecutor(max_workers=1, initializer=_exit_with_parent, initargs=(os.getpid(),))
    finished = False
    try:
        result = executor.submit(function, *args, **kwargs).result()
        finished = True
    finally:  # interrupted (Ctrl-C, or SIGTERM taken as it, sent to this process alone): the job is ended, not awaited
        executor.shutdown(wait=True, kill_workers=not finished)
    return result


def _journaled(jobs: Sequence[Job], n_jobs: int, journal: Journal, keys: Sequence[str]
               ) -> Iterator[tuple[int, Any]]:
    """:func:`run_jobs` in this process, as the jobs finish: those the journal holds as running first, each alone."""
    running = journal.running()
    suspects = [i for i, key in enumerate(keys) if key in running]
    died: set[str] = set()
    for i in suspects:  # already started in the journal
        result = run_alone(jobs[i])
        if isinstance(result, WorkerDeath):
            died.add(keys[i])
        yield i, result
    for key in {keys[i] for i in suspects} - died:  # none of its jobs kills its process
        journal.clear(key)

    unended: Counter[str] = Counter()

    def drawn(indices: list[int]) -> Iterator[Job]:
        for i in indices:  # joblib draws a job when it runs it (or, in a thread pool, when it queues it)
            journal.start(keys[i])
            unended[keys[i]] += 1
            yield _tagged(i, jobs[i])

    rest = [i for i in range(len(jobs)) if keys[i] not in running]
    try:
        for i, result in workers(n_jobs, unordered=True)(drawn(rest)):
            journal.end(keys[i])
            unended[keys[i]] -= 1
            yield i, result
    except BaseException:  # an error, an interrupt, the caller stopping: this process lives, so no job killed it
        for key in unended.elements():
            journal.end(key)
        raise
    journal.compact()


def _clearing(finished: Iterator[tuple[int, Any]], journal: Journal, keys: Sequence[str]
              ) -> Iterator[tuple[int, Any]]:
    """``finished``, run in worker processes, clearing from the journal the keys of jobs that finished there."""
    running, cleared = journal.running(), False
    for i, result in finished:
        if keys[i] in running and not isinstance(result, WorkerDeath):
            journal.clear(keys[i])
            running.discard(keys[i])
            cleared = True
        yield i, result
    if cleared:
        journal.compact()


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
            finished.add(i)
            yield i, run_alone(jobs[i])
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

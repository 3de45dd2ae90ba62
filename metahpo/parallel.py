"""joblib pools whose worker processes die with the process they work for.

A process pool's workers (loky's, multiprocessing's) outlive a parent killed with ``kill -9``: they
finish the tasks they hold and then idle for minutes, holding memory. :func:`workers` gives every
worker a thread that ends it within :data:`PARENT_CHECK_SECONDS` of its parent's death. The build,
the batch and the search's parallel trials all use it.
"""

from __future__ import annotations

import os
import threading
import time

from joblib import Parallel

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

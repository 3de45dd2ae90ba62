"""Process-wide settings of metahpo's small numeric work, shared by the threads doing it: one thread
in the native thread pools (BLAS, OpenMP: the matrices are small, and more threads only contend)
and some warnings ignored.

Python's warning filters and the native pools' sizes belong to the process. A context that sets them
and puts back what it found (``warnings.catch_warnings``, ``threadpoolctl``'s limits), entered and
left by threads side by side (joblib's threading backend, a Dask worker), puts back what another
thread set, and the process keeps it for good. Here the first thread in sets them, each thread in
adds the filters it needs, and the last one out puts back what the first found.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import warnings
from collections.abc import Iterator
from typing import Any

_LOCK = threading.Lock()
_entered: list[contextlib.ExitStack] = []  # what the first thread in set, while a thread is in
_inside = 0  # threads in


_inspected: list[tuple[int, Any]] = []  # (modules imported then, the pools found)


def _pools() -> Any:
    """The process's native thread pools, inspected again only once a module was imported since (one
    may load a pool, as scikit-learn and LightGBM load OpenMP's; an inspection takes some 20 ms)."""
    from threadpoolctl import ThreadpoolController

    if not _inspected or _inspected[-1][0] != len(sys.modules):
        _inspected[:] = [(len(sys.modules), ThreadpoolController())]
    return _inspected[-1][1]


@contextlib.contextmanager
def single_threaded(*ignored: tuple[type[Warning], str]) -> Iterator[None]:
    """One thread in the native pools, and the warnings of each ``(category, message pattern)`` of
    ``ignored`` ignored (``(Warning, "")``: all), until the last thread in such a block leaves it."""
    global _inside
    with _LOCK:
        if not _inside:
            with contextlib.ExitStack() as stack:  # entered whole, or unwound
                stack.enter_context(warnings.catch_warnings())
                stack.enter_context(_pools().limit(limits=1))
                _entered.append(stack.pop_all())
        try:
            for category, message in ignored:  # a filter given again replaces itself: the list does not grow
                warnings.filterwarnings("ignore", message=message, category=category)
        except BaseException:
            if not _inside:
                _entered.pop().close()
            raise
        _inside += 1
    try:
        yield
    finally:
        with _LOCK:
            _inside -= 1
            if not _inside:
                _entered.pop().close()

"""Files written whole or not at all, and locks that die with their process."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: no advisory locks
    fcntl = None

FILE_MODE = 0o644
"""What metahpo writes is plain data anyone may read (temporary files start private)."""


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file beside it: a kill leaves the old file
    or the new one, never a part of it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    os.chmod(tmp, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)


@contextlib.contextmanager
def locked(path: Path, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on file ``path`` (created if absent), waiting for it if need be, or
    with ``wait=False`` raising :class:`BlockingIOError` if another process holds it. The lock
    dies with its process, so a killed holder never leaves it behind."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(fd)

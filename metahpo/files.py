"""Files written whole or not at all, and locks that die with their process."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # Windows: no advisory locks
    fcntl = None

FILE_MODE = 0o644
"""What metahpo writes is plain data anyone may read, as far as the user's umask lets them (see :func:`file_mode`)."""


def _umask() -> int:
    """The process's umask. Linux reports it; elsewhere it can only be read by setting it and setting it back,
    which for that instant applies to files other threads create."""
    with contextlib.suppress(OSError, StopIteration, ValueError):
        with open("/proc/self/status") as status:
            return int(next(line for line in status if line.startswith("Umask:")).split()[1], 8)
    mask = os.umask(0o077)  # the strictest, should another thread create a file meanwhile
    os.umask(mask)
    return mask


def file_mode() -> int:
    """:data:`FILE_MODE` less the umask: the mode a file created with it gets, for files created otherwise
    (temporary files start private)."""
    return FILE_MODE & ~_umask()


@contextlib.contextmanager
def atomic_file(path: Path, durable: bool = True) -> Iterator[BinaryIO]:
    """A file to write ``path``'s new content to, through a temporary file beside it: it replaces ``path``
    when the block ends, and is removed when the block or the replacing fails (an interrupt included),
    so ``path`` is the old file or the new one, never a part of it. ``durable`` puts the content on disk
    before the rename, else a system crash soon after may leave ``path`` empty."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            os.chmod(tmp, file_mode())
            yield fh
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all, durably (see :func:`atomic_file`)."""
    with atomic_file(path) as fh:
        fh.write(data)


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

"""What a recommender learns from a knowledge base, kept between processes as plain arrays.

Entries are ``.npz`` files (read with ``allow_pickle=False``: plain data, never code) named by a
hash of everything they were computed from, the knowledge base's content and metahpo's version
included, so a changed knowledge base or an upgraded metahpo can never be served a stale entry: it
simply has another name. Callers must pass :func:`content_key` every other setting the entry depends
on (estimator settings, seeds, other libraries' versions): one left out serves entries computed with
another value. An entry that cannot be read is a miss; a damaged one is removed.

The folder is ``$METAHPO_CACHE_DIR``, else ``$XDG_CACHE_HOME/metahpo``, else ``~/.cache/metahpo``;
when it cannot be written (or there is no home folder) the entry is recomputed each time, which is
slower but not wrong. Users may share it: entries are as readable as the umask allows, and the least
recently used go once the entries hold more than :data:`MAX_BYTES` in all.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from metahpo import __version__
from metahpo.files import atomic_file

logger = logging.getLogger(__name__)

VERSION = 1
"""Bumped when the layout of an entry changes, or what goes into one does between two releases (a release
changes every key by itself)."""

STALE_SECONDS = 3600
"""Age after which a partial entry, left by a process killed while writing it, is removed."""

MAX_BYTES = 256 * 2**20
"""Size of the entries kept, in all (some 65 surrogates of the shipped knowledge base, 3.8 MiB each): beyond
it the least recently used are removed, save the newest, whatever its size."""


def cache_dir() -> Path | None:
    """The folder entries live in; None when none can be named (no variable set and no home folder,
    as for a user without an entry in the password database): then nothing is cached."""
    if os.environ.get("METAHPO_CACHE_DIR"):
        return Path(os.environ["METAHPO_CACHE_DIR"])
    try:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    except (RuntimeError, KeyError):  # Path.home() without $HOME nor a passwd entry
        return None
    return Path(base) / "metahpo"


def content_key(tables: Iterable[pd.DataFrame], *parts: object) -> str:
    """A name for what metahpo computes from ``tables`` (a knowledge base's) and ``parts``: reprs of
    every setting and library version the result depends on (metahpo's own version is added here)."""
    digest = hashlib.sha256(f"v{VERSION}|metahpo {__version__}|{parts!r}".encode())
    for table in tables:
        digest.update(repr(list(table.columns)).encode())
        digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:32]


def load(key: str) -> dict[str, np.ndarray] | None:
    """The arrays stored under ``key``, or None if there are none or they cannot be read (a damaged
    entry is removed). Reading an entry marks it as used, for :func:`save`'s pruning."""
    folder = cache_dir()
    if folder is None:
        return None
    path = folder / f"{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, MemoryError):  # no entry, another user's we may not read, no memory now: a miss, kept
        return None
    except Exception as exc:  # a damaged entry, whatever it makes zipfile, zlib or numpy raise: a miss, removed
        logger.debug("cache entry %s cannot be read (%s: %s); removed", path, type(exc).__name__, exc)
        _remove(path)
        return None
    with contextlib.suppress(OSError):  # another user's entry, or removed meanwhile
        os.utime(path)
    return arrays


def save(key: str, arrays: dict[str, np.ndarray]) -> None:
    """Store ``arrays`` under ``key`` atomically; a folder that cannot be written is skipped. Partial
    entries older than :data:`STALE_SECONDS`, and entries beyond :data:`MAX_BYTES`, are removed on the way."""
    folder = cache_dir()
    if folder is None:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_file(folder / f"{key}.npz", durable=False) as fh:  # a cut entry is a miss: no need to sync
            np.savez_compressed(fh, **arrays)
    except OSError:
        return
    _remove_stale_partials(folder)
    _prune(folder)


def _remove_stale_partials(folder: Path) -> None:
    now = time.time()
    for path, stat in _files(folder, ".tmp-*"):
        if now - stat.st_mtime > STALE_SECONDS:
            _remove(path)


def _prune(folder: Path) -> None:
    """Remove the least recently used complete entries beyond :data:`MAX_BYTES` (never a partial one,
    which another process may be writing)."""
    newest_first = sorted(_files(folder, "[!.]*.npz"), key=lambda found: found[1].st_mtime, reverse=True)
    total = 0
    for rank, (path, stat) in enumerate(newest_first):
        total += stat.st_size
        if rank and total > MAX_BYTES:
            _remove(path)


def _files(folder: Path, pattern: str) -> list[tuple[Path, os.stat_result]]:
    """The files of ``folder`` matching ``pattern``, with their status."""
    found = []
    for path in folder.glob(pattern):
        with contextlib.suppress(OSError):  # another process may remove it first
            found.append((path, path.stat()))
    return found


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):  # another process may remove it first
        path.unlink()

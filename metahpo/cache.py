"""What a recommender learns from a knowledge base, kept between processes as plain arrays.

Entries are ``.npz`` files (read with ``allow_pickle=False``: plain data, never code) named by a
hash of everything they were computed from, the knowledge base's content included, so a changed
knowledge base can never be served a stale entry: it simply has another name. The folder is
``$METAHPO_CACHE_DIR``, else ``$XDG_CACHE_HOME/metahpo``, else ``~/.cache/metahpo``; when it cannot
be written the entry is recomputed each time, which is slower but not wrong.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from metahpo.knowledge_base import KnowledgeBase

VERSION = 1
"""Bumped when the layout of an entry changes."""


def cache_dir() -> Path:
    """The folder entries live in."""
    if os.environ.get("METAHPO_CACHE_DIR"):
        return Path(os.environ["METAHPO_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "metahpo"


def content_key(kb: KnowledgeBase, *parts: object) -> str:
    """A name for what is computed from ``kb`` and ``parts`` (reprs of settings and versions)."""
    digest = hashlib.sha256(f"v{VERSION}|{parts!r}".encode())
    for table in (kb.datasets, kb.configurations, kb.runs):
        digest.update(repr(list(table.columns)).encode())
        digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    return digest.hexdigest()[:32]


def load(key: str) -> dict[str, np.ndarray] | None:
    """The arrays stored under ``key``, or None if there are none (or they cannot be read)."""
    path = cache_dir() / f"{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as data:
            return {name: data[name] for name in data.files}
    except (OSError, ValueError, zipfile.BadZipFile, EOFError, zlib.error):  # zlib: a damaged compressed member
        return None


STALE_SECONDS = 3600
"""Age after which a partial entry, left by a process killed while writing it, is removed."""


def save(key: str, arrays: dict[str, np.ndarray]) -> None:
    """Store ``arrays`` under ``key`` atomically; a folder that cannot be written is skipped.
    Partial entries older than :data:`STALE_SECONDS` are removed on the way."""
    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".npz")
    except OSError:
        return
    for partial in folder.glob(".tmp-*.npz"):
        with contextlib.suppress(OSError):  # another process may remove it first
            if time.time() - partial.stat().st_mtime > STALE_SECONDS:
                partial.unlink()
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        os.replace(tmp, folder / f"{key}.npz")
    except OSError:
        Path(tmp).unlink(missing_ok=True)

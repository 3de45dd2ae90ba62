"""The surrogate cache's keys, damaged entries, modes and bound, and files written whole or not at all."""

import io
import logging
import os
import random
import time

import numpy as np
import pandas as pd
import pytest

from metahpo import cache, files

ARRAYS = {"a": np.arange(50.0), "b": np.arange(7)}


@pytest.fixture
def folder(tmp_path, monkeypatch):
    monkeypatch.setenv("METAHPO_CACHE_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def umask():
    """Set the process's umask for the test, then put it back."""
    previous = os.umask(0o022)
    yield os.umask
    os.umask(previous)


def _entry_bytes() -> bytearray:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **ARRAYS)
    return bytearray(buffer.getvalue())


def test_an_upgraded_metahpo_is_not_served_the_entries_of_the_old_one(monkeypatch):
    tables = [pd.DataFrame({"x": [1, 2]})] * 3
    key = cache.content_key(tables, "surrogate", 100)
    assert cache.content_key(tables, "surrogate", 100) == key
    monkeypatch.setattr(cache, "__version__", "99.0")
    assert cache.content_key(tables, "surrogate", 100) != key


def test_an_entry_zipfile_cannot_decompress_is_a_logged_miss_and_removed(folder, caplog):
    raw = _entry_bytes()
    member = raw.find(b"PK\x01\x02")  # the central directory's record of the first array
    raw[member + 10:member + 12] = (99).to_bytes(2, "little")  # a compression method zipfile does not implement
    entry = folder / "key.npz"
    entry.write_bytes(raw)
    with caplog.at_level(logging.DEBUG, logger="metahpo.cache"):
        assert cache.load("key") is None
    assert not entry.exists() and "NotImplementedError" in caplog.text
    cache.save("key", ARRAYS)
    assert cache.load("key")["b"].tolist() == list(range(7))


def test_no_damage_to_an_entry_makes_load_raise(folder):
    good, rng = _entry_bytes(), random.Random(0)
    for _ in range(300):
        raw = bytearray(good)
        for _ in range(3):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        (folder / "key.npz").write_bytes(raw)
        arrays = cache.load("key")
        assert arrays is None or isinstance(arrays, dict)


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077], ids=oct)
def test_entries_are_as_readable_as_the_umask_allows(folder, umask, mask):
    umask(mask)
    cache.save("key", ARRAYS)
    assert (folder / "key.npz").stat().st_mode & 0o777 == 0o644 & ~mask


def test_the_least_recently_used_entries_go_beyond_the_bound(folder, monkeypatch):
    cache.save("first", ARRAYS)
    size = (folder / "first.npz").stat().st_size
    monkeypatch.setattr(cache, "MAX_BYTES", 2 * size)
    cache.save("second", ARRAYS)
    partial = folder / ".tmp-being-written"  # another process's entry in the making, however large
    partial.write_bytes(bytes(10 * size))
    now = time.time()
    for age, name in ((30, "first.npz"), (20, "second.npz")):
        os.utime(folder / name, (now - age,) * 2)
    assert cache.load("first") is not None  # used again: now more recent than "second"
    cache.save("third", ARRAYS)
    assert sorted(p.name for p in folder.iterdir()) == [partial.name, "first.npz", "third.npz"]


def test_the_newest_entry_stays_whatever_its_size(folder, monkeypatch):
    monkeypatch.setattr(cache, "MAX_BYTES", 1)
    cache.save("first", ARRAYS)
    os.utime(folder / "first.npz", (time.time() - 10,) * 2)
    cache.save("second", ARRAYS)
    assert [p.name for p in folder.iterdir()] == ["second.npz"]


def test_an_interrupted_save_leaves_no_partial_entry(folder, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez_compressed", interrupted)
    with pytest.raises(KeyboardInterrupt):
        cache.save("key", ARRAYS)
    assert list(folder.iterdir()) == []


def test_a_failed_atomic_write_leaves_no_temporary_file(tmp_path):
    (tmp_path / "results.csv").mkdir()  # the rename fails: the target is a folder
    with pytest.raises(OSError):
        files.atomic_write(tmp_path / "results.csv", b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"]


def test_an_interrupted_atomic_write_leaves_the_old_file_alone(tmp_path, monkeypatch):
    def interrupted(*args):
        raise KeyboardInterrupt

    path = tmp_path / "results.csv"
    path.write_bytes(b"old")
    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.atomic_write(path, b"new")
    assert [p.name for p in tmp_path.iterdir()] == ["results.csv"] and path.read_bytes() == b"old"


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077], ids=oct)
def test_atomic_write_respects_the_umask(tmp_path, umask, mask):
    umask(mask)
    files.atomic_write(tmp_path / "out.json", b"{}")
    assert (tmp_path / "out.json").stat().st_mode & 0o777 == 0o644 & ~mask


def test_an_entry_that_cannot_be_read_now_is_a_miss_and_kept(folder, monkeypatch):
    cache.save("k", ARRAYS)

    def refused(*args, **kwargs):  # another user's entry under umask 077, or no memory at the moment
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(np, "load", refused)
    assert cache.load("k") is None
    assert (folder / "k.npz").exists()  # not damaged: another process may read it


def test_without_a_home_folder_nothing_is_cached_and_nothing_raises(monkeypatch):
    from pathlib import Path

    def no_home():
        raise RuntimeError("Could not determine home directory.")  # no $HOME and no passwd entry

    for name in ("METAHPO_CACHE_DIR", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(Path, "home", staticmethod(no_home))
    assert cache.cache_dir() is None
    cache.save("k" * 32, ARRAYS)
    assert cache.load("k" * 32) is None

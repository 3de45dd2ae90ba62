"""The knowledge base: schema, atomic writes, appends, merges, loading errors."""

import gzip
import json
import os
import re
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from metahpo.datasets import load
from metahpo.evaluation import Evaluation, evaluate, make_folds
from metahpo.exceptions import KnowledgeBaseError
from metahpo.knowledge_base import (KnowledgeBase, LiveWriter, append, compact, configuration_row, run_row,
                                    stored_rows)
from metahpo.spaces import LIGHTGBM, config_id


def _evaluation(config, score):
    return Evaluation(config=config, metric="roc_auc", scores={"roc_auc": score, "accuracy": score},
                      fold_scores={"roc_auc": [score, score]}, best_iteration=10)


def small_kb(n_datasets=3, n_configs=4, seed=0, prefix="d"):
    """A synthetic dense binary knowledge base."""
    rng = np.random.default_rng(seed)
    kb = KnowledgeBase.empty()
    configs = LIGHTGBM.sample(n_configs, 0)
    for i in range(n_datasets):
        kb.add_dataset(f"{prefix}{i}", name=f"{prefix}{i}", task="binary", n_rows=100, n_features=5,
                       metafeatures={"n_rows": 100.0 + i, "landmark_1nn": rng.random()})
        for c in configs:
            kb.add_evaluation(f"{prefix}{i}", _evaluation(c, float(rng.random())), cv=2)
    return kb


def test_round_trip_keeps_every_table(tmp_path):
    kb = small_kb()
    kb.save(tmp_path / "kb")
    back = KnowledgeBase.load(tmp_path / "kb")
    assert back.info() == kb.info()
    assert back.info()["density"] == 1.0
    assert back.matrix().shape == (3, 4)
    np.testing.assert_allclose(back.matrix().to_numpy(), kb.matrix().to_numpy())
    assert back.metafeature_names == ["n_rows", "landmark_1nn"]
    assert json.loads((tmp_path / "kb" / "manifest.json").read_text())["schema_version"] == 1


def test_real_evaluation_is_recorded_with_every_metric():
    ds = load("sklearn:breast_cancer").subsample(150)
    kb = KnowledgeBase.empty()
    kb.add_dataset("bc", name="bc", task=ds.task, n_rows=ds.n_rows, n_features=ds.n_features, metafeatures={})
    ev = evaluate(LIGHTGBM.default, ds, folds=make_folds(ds, 2))
    kb.add_evaluation("bc", ev, cv=2)
    run = kb.runs.iloc[0]
    for metric in ("roc_auc", "neg_log_loss", "accuracy"):
        assert np.isfinite(run[f"score_{metric}"])
        assert len(json.loads(run[f"folds_{metric}"])) == 2
    assert run["status"] == "ok" and run["best_iteration"] == 100
    assert kb.matrix("accuracy").iloc[0, 0] == pytest.approx(ev.scores["accuracy"])


def test_normalized_scores_span_zero_to_one():
    norm = small_kb().normalized()
    assert np.allclose(norm.min(axis=1), 0) and np.allclose(norm.max(axis=1), 1)


def test_unknown_metric_is_a_clear_error():
    with pytest.raises(KnowledgeBaseError, match="no metric 'f2'"):
        small_kb().matrix("f2")


def test_sparse_knowledge_base_works():
    kb = small_kb(n_datasets=2, n_configs=3)
    kb.runs = kb.runs.iloc[[0, 4]]  # a user's own history: two runs only
    info = kb.info()
    assert info["n_runs"] == 2 and info["density"] == pytest.approx(2 / 6)
    assert kb.matrix().notna().sum().sum() == 2


def test_failures_count_runs_failed_or_out_of_time_and_not_a_pruned_trial():
    kb = small_kb(n_datasets=1, n_configs=4)
    kb.runs = kb.runs.assign(status=["ok", "pruned", "failed", "timeout"])  # a tune record's, pruning on
    assert kb.info()["n_failed"] == 2


def test_append_never_rewrites_earlier_parts(tmp_path):
    root = tmp_path / "kb"
    append(root, small_kb(prefix="a"))
    first = {p: p.read_bytes() for p in root.rglob("*.csv.gz")}
    append(root, small_kb(prefix="b"))
    assert all(p.read_bytes() == data for p, data in first.items())
    assert KnowledgeBase.load(root).info()["n_datasets"] == 6


def test_datasets_named_as_pandas_spells_missing_keep_their_names(tmp_path):
    kb = small_kb(n_datasets=1, prefix="NA")  # "NA0"
    for name in ("NA", "null", "nan", "None"):
        kb.add_dataset(name, name=name, task="binary", n_rows=100, n_features=5, metafeatures={"n_rows": 100.0})
        kb.add_evaluation(name, _evaluation(LIGHTGBM.sample(1, 0)[0], 0.5), cv=2)
    append(tmp_path / "kb", kb)
    compact(tmp_path / "kb")  # written back from what was read
    back = KnowledgeBase.load(tmp_path / "kb")
    assert sorted(back.datasets["dataset_id"]) == sorted(back.datasets["name"]) == ["NA", "NA0", "None", "nan", "null"]
    assert set(back.runs["dataset_id"]) == {"NA", "NA0", "None", "nan", "null"}


def test_a_folder_given_again_is_read_again_only_once_it_changed(tmp_path):
    from metahpo.knowledge_base import given

    root = tmp_path / "kb"
    append(root, small_kb(prefix="a"))
    first = given(str(root))["lightgbm"]
    assert given(root)["lightgbm"] is first  # the same folder unchanged: one object, its recommenders kept
    append(root, small_kb(prefix="b"))  # a new part
    grown = given(root)["lightgbm"]
    assert grown is not first and grown.info()["n_datasets"] == 6
    compact(root)  # the same rows in other files
    assert given(root)["lightgbm"] is not grown


def test_parts_whose_manifest_is_lost_are_not_adopted(tmp_path):
    root = tmp_path / "kb"
    append(root, small_kb(prefix="a"))
    (root / "manifest.json").unlink()  # of which family, space and build are its parts now?
    with pytest.raises(KnowledgeBaseError, match=r"holds 3 knowledge-base parts \(.*\) but no manifest.json"):
        append(root, small_kb(prefix="b"))
    assert not (root / "manifest.json").exists() and len(list(root.rglob("*.csv.gz"))) == 3
    append(tmp_path / "empty", small_kb(prefix="b"))  # folders without parts are a new knowledge base's


def _append_worker(args):
    root, prefix = args
    append(root, small_kb(prefix=prefix, seed=len(prefix)))
    return prefix


def test_concurrent_appends_lose_nothing(tmp_path):
    root = tmp_path / "kb"
    prefixes = [f"p{i}_" for i in range(6)]
    with ProcessPoolExecutor(max_workers=3) as pool:
        list(pool.map(_append_worker, [(root, p) for p in prefixes]))
    kb = KnowledgeBase.load(root)
    assert kb.info()["n_datasets"] == 18 and kb.info()["n_runs"] == 72


def test_merge_prefers_the_newer_run():
    shipped, user = small_kb(seed=1), small_kb(seed=2)
    merged = shipped.merge(user)
    assert merged.info()["n_runs"] == 12
    np.testing.assert_allclose(merged.matrix().to_numpy(), user.matrix().to_numpy())


def test_without_removes_datasets_and_runs():
    kb = small_kb().without(["d0"])
    assert "d0" not in set(kb.datasets["dataset_id"]) and "d0" not in set(kb.runs["dataset_id"])


def test_without_removes_what_the_datasets_produced():
    kb = small_kb()
    ids = kb.configurations["config_id"].tolist()
    kb.configurations["origin"] = ["pool:d0", "pool:d1|d0", "pool", "explore-random:d2"]
    assert kb.producers()[ids[1]] == {"d0", "d1"} and kb.producers()[ids[2]] == frozenset()
    rest = kb.without(["d0"])
    assert set(rest.configurations["config_id"]) == set(ids[2:])  # d0's bests are gone, with their runs
    assert set(rest.runs["config_id"]) == set(ids[2:]) and set(rest.runs["dataset_id"]) == {"d1", "d2"}
    # every version of a dataset is the dataset: leaving out one leaves out what the others produced
    kb.configurations["origin"] = ["pool:d0@500", "pool:d1", "pool", "explore-random:d2"]
    rest = kb.without(["d0"])
    assert set(rest.configurations["config_id"]) == set(ids[1:])
    kb.datasets["dataset_id"] = ["d0@500", "d1", "d2"]
    kb.runs["dataset_id"] = kb.runs["dataset_id"].replace("d0", "d0@500")
    assert set(kb.without(["d0"]).datasets["dataset_id"]) == {"d1", "d2"}


def test_params_of_an_unknown_configuration_is_a_clear_error():
    kb = small_kb()
    known = kb.configurations["config_id"].iloc[0]
    assert kb.params([known]) == [json.loads(kb.configurations["params"].iloc[0])]
    with pytest.raises(KnowledgeBaseError, match="holds no configuration 'nope'"):
        kb.params([known, "nope"])


def test_live_writer_torn_last_row_is_dropped(tmp_path):
    root = tmp_path / "kb"
    small_kb(n_configs=2).save(root)
    kb = KnowledgeBase.load(root)
    writer = LiveWriter(root, "runs")
    config = kb.params(kb.configurations["config_id"])[0]
    writer.write(run_row("d0", _evaluation(config, 0.5), cv=2))
    writer.write(run_row("d1", _evaluation(config, 0.25), cv=2))
    writer.close()
    text = writer.path.read_text()
    writer.path.write_text(text[: len(text) - 30])  # killed while writing the last row
    back = KnowledgeBase.load(root)
    assert back.matrix().loc["d0", config_id(config)] == 0.5
    assert back.matrix().loc["d1", config_id(config)] != 0.25


def test_compact_folds_parts_into_one(tmp_path):
    root = tmp_path / "kb"
    append(root, small_kb(prefix="a"))
    append(root, small_kb(prefix="b"))
    before = KnowledgeBase.load(root).info()
    compact(root)
    assert len(list((root / "runs").glob("*.csv*"))) == 1
    assert KnowledgeBase.load(root).info() == before


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda r: (r / "manifest.json").unlink(), "no manifest.json"),
        (lambda r: (r / "manifest.json").write_text("{not json"), "corrupt manifest"),
        (lambda r: (r / "manifest.json").write_text(json.dumps({"schema_version": 99, "family": "lightgbm",
                                                                "space_version": "x"})), "schema version 99"),
        (lambda r: (r / "manifest.json").write_text(json.dumps({"schema_version": "1", "family": "lightgbm",
                                                                "space_version": "x"})),
         'schema_version is "1", not a whole number'),
        (lambda r: _truncate(next((r / "runs").glob("*.csv.gz"))), "corrupt knowledge-base file"),
        (lambda r: _rewrite(next((r / "runs").glob("*.csv.gz")), b"a,b\n1,2\n"), "lacks columns"),
    ],
)
def test_damaged_knowledge_base_names_the_problem(tmp_path, damage, message):
    root = tmp_path / "kb"
    small_kb().save(root)
    damage(root)
    with pytest.raises(KnowledgeBaseError, match=message):
        KnowledgeBase.load(root)


def test_a_missing_part_is_noticed_once_the_folder_was_whole(tmp_path):
    root = tmp_path / "kb"
    kb = small_kb()
    kb.save(root)  # whole: its rows recorded
    assert json.loads((root / "manifest.json").read_text())["rows"] == {
        "datasets": len(kb.datasets), "configurations": len(kb.configurations), "runs": len(kb.runs)}
    append(root, small_kb(seed=1, prefix="e"))  # parts added after: more rows than recorded is fine
    compact(root)  # folds them, and records the rows again
    grown = KnowledgeBase.load(root)
    assert json.loads((root / "manifest.json").read_text())["rows"]["runs"] == len(grown.runs) > len(kb.runs)
    before = set((root / "runs").glob("*.csv.gz"))
    append(root, small_kb(seed=2, prefix="f"))
    (added,) = set((root / "runs").glob("*.csv.gz")) - before
    added.unlink()  # a part added since is gone: what the manifest recorded is all there
    assert len(KnowledgeBase.load(root).runs) == len(grown.runs)
    next((root / "runs").glob("*.csv.gz")).unlink()  # a part of what it recorded is gone
    for reading in (KnowledgeBase.load, compact):  # compacting it would record the loss as the whole
        with pytest.raises(KnowledgeBaseError, match=f"its runs hold 0 rows, fewer than the {len(grown.runs)} its "
                                                     f"manifest records: a part file of .*runs is missing"):
            reading(root)
    assert json.loads((root / "manifest.json").read_text())["rows"]["runs"] == len(grown.runs)


def test_files_beside_the_parts_are_not_read_as_parts(tmp_path):
    root = tmp_path / "kb"
    small_kb().save(root)
    before = KnowledgeBase.load(root).info()
    part = next((root / "runs").glob("*.csv.gz"))
    (part.parent / f"{part.name}.bak").write_bytes(b"not a part")
    assert KnowledgeBase.load(root).info() == before


@pytest.mark.parametrize("kind", ["fifo", "device", "folder", "link to itself", "link to nothing", "manifest folder"])
def test_a_part_that_is_no_regular_file_is_refused_naming_it(tmp_path, kind):
    """Only regular files are read: a pipe hung the load, /dev/zero exhausted memory."""
    root = tmp_path / "kb"
    small_kb().save(root)
    path = root / "runs" / "part-99990101T000000Z-00000000.csv"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        os.symlink("/dev/zero", path)
    elif kind == "folder":
        path.mkdir()
    elif kind == "link to itself":
        os.symlink(path, path)
    elif kind == "link to nothing":
        os.symlink(tmp_path / "gone.csv", path)
    else:
        path = root / "manifest.json"
        path.unlink()
        path.mkdir()
    with pytest.raises(KnowledgeBaseError, match=re.escape(str(path))):
        KnowledgeBase.load(root)


def test_a_part_linked_to_a_regular_file_is_read(tmp_path):
    root = tmp_path / "kb"
    small_kb().save(root)
    before = KnowledgeBase.load(root).info()
    part = next((root / "runs").glob("*.csv.gz"))
    part.rename(tmp_path / part.name)
    os.symlink(tmp_path / part.name, part)
    assert KnowledgeBase.load(root).info() == before


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(KnowledgeBaseError, match="not a folder"):
        KnowledgeBase.load(tmp_path / "nowhere")


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _rewrite(path, text):
    path.write_bytes(gzip.compress(text))


# ---------------------------------------------------------------------- concurrency, kills, bad data


def _base(root, n_datasets=4, n_configs=40):
    """A saved knowledge base of datasets and configurations, and the configurations."""
    kb = KnowledgeBase.empty()
    configs = LIGHTGBM.sample(n_configs, 0)
    for i in range(n_datasets):
        kb.add_dataset(f"w{i}", name=f"w{i}", task="binary", n_rows=100, n_features=5, metafeatures={"n_rows": 100.0})
    for c in configs:
        kb.add_configuration(c)
    kb.save(root)
    return configs


def _run(dataset_id, config, score, error=""):
    ev = _evaluation(config, score)
    if error:
        ev = Evaluation(config=config, metric="roc_auc", scores={}, status="failed", error=error)
    return run_row(dataset_id, ev, cv=2)


def _n_runs(root):
    return len(KnowledgeBase.load(root).runs)


def test_compaction_leaves_an_open_live_file_alone(tmp_path):
    root = tmp_path / "kb"
    configs = _base(root)
    writer = LiveWriter(root, "runs")
    for c in configs[:5]:
        writer.write(_run("w0", c, 0.5))
    compact(root)  # a build finishing while a tune(record_to=...) still records
    assert writer.path.exists()
    for c in configs[5:10]:
        writer.write(_run("w0", c, 0.5))
    assert _n_runs(root) == 10
    writer.close()
    compact(root)  # closed now: folded
    assert not writer.path.exists() and len(list((root / "runs").glob("*.csv*"))) == 1
    writer.write(_run("w0", configs[10], 0.5))  # written again after its file was folded: a new file
    assert _n_runs(root) == 11
    writer.close()


def test_parts_being_written_by_an_append_are_not_parts(tmp_path):
    root = tmp_path / "kb"
    _base(root)
    temp = root / "runs" / ".tmp-abc123.csv.gz"
    temp.write_bytes(gzip.compress(b"dataset_id,config_id\nw0,")[:20])  # an append in progress
    assert _n_runs(root) == 0
    compact(root)
    assert temp.exists()


def test_compaction_keeps_the_newest_row_of_a_key(tmp_path):
    root = tmp_path / "kb"
    configs = _base(root)
    old, new = (KnowledgeBase.empty() for _ in range(2))
    old.runs = _coerce([_run("w0", configs[0], 0.1), _run("w0", configs[1], 0.1)])
    new.runs = _coerce([_run("w1", configs[0], 0.3)])
    append(root, old)
    append(root, new)
    writer = LiveWriter(root, "runs")  # open, its row newer than the first parts, older than the next
    writer.write(_run("w0", configs[0], 0.2))
    append(root, new)
    append(root, new)
    parts = sorted((root / "runs").glob("part-*"), key=lambda p: p.stat().st_mtime_ns)
    for i, p in enumerate([*parts[:3], writer.path, *parts[3:]]):  # distinct times: a clear order
        os.utime(p, ns=(10**18 + i * 10**9,) * 2)
    compact(root)
    assert len(list((root / "runs").glob("*.csv*"))) == 3  # [base, old, new] | live | [new, new]
    assert KnowledgeBase.load(root).matrix().loc["w0", config_id(configs[0])] == 0.2
    writer.close()


def test_a_compaction_killed_before_removing_what_it_folded_duplicates_nothing(tmp_path, monkeypatch):
    root = tmp_path / "kb"
    configs = _base(root)
    for score in (0.1, 0.2, 0.3):  # three live parts, each re-running the same pair
        writer = LiveWriter(root, "runs")
        writer.write(_run("w0", configs[0], score))
        writer.write(_run("w1", configs[1], score))
        writer.close()
    real_unlink = Path.unlink

    def killed(path, missing_ok=False):
        if path.name.startswith("live-"):
            raise KeyboardInterrupt  # the kill: the new part is in place, no member removed
        real_unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", killed)
    with pytest.raises(KeyboardInterrupt):
        compact(root)
    monkeypatch.undo()
    assert len(list((root / "runs").glob("*.csv*"))) == 4
    kb = KnowledgeBase.load(root)
    assert len(kb.runs) == 2 and kb.matrix().loc["w0", config_id(configs[0])] == 0.3
    compact(root)
    assert KnowledgeBase.load(root).matrix().loc["w1", config_id(configs[1])] == 0.3


def test_stored_rows_shows_a_key_stored_twice_which_loading_and_compaction_keep_once(tmp_path):
    root = tmp_path / "kb"
    configs = _base(root)
    for score in (0.1, 0.2):
        writer = LiveWriter(root, "runs")
        writer.write(_run("w0", configs[0], score))
        writer.close()
    assert list(stored_rows(root, "runs")["score_roc_auc"]) == [0.1, 0.2]
    assert len(KnowledgeBase.load(root).runs) == 1
    compact(root)
    assert list(stored_rows(root, "runs")["score_roc_auc"]) == [0.2]
    with pytest.raises(KnowledgeBaseError, match="no table 'run'"):
        stored_rows(root, "run")


def _coerce(rows):
    return pd.DataFrame(rows)


def _live_worker(root, dataset_id, configs):
    """Streams runs, closing its writer every few rows and then reusing it or opening another."""
    writer = LiveWriter(root, "runs")
    for i, c in enumerate(configs):
        writer.write(_run(dataset_id, c, 0.5, error='a, "quoted"\nerror' if i % 3 else ""))
        if i % 4 == 3:
            writer.close()
            if i % 8 == 7:
                writer = LiveWriter(root, "runs")
    writer.close()
    return len(configs)


def _append_worker_runs(root, dataset_id, configs):
    for i in range(0, len(configs), 4):
        kb = KnowledgeBase.empty()
        kb.runs = _coerce([_run(dataset_id, c, 0.25) for c in configs[i:i + 4]])
        append(root, kb)
    return len(configs)


def _until_done(root, action):
    """Repeat ``action`` until the file ``done`` appears, twice at least (however the processes are
    scheduled); return what each call returned."""
    results = []
    while not (root / "done").exists() or len(results) < 2:
        results.append(action(root))
    return results


def test_concurrent_writers_compactions_and_loads_lose_nothing(tmp_path):
    root = tmp_path / "kb"
    configs = _base(root)
    with ProcessPoolExecutor(max_workers=5) as pool:
        compactions = pool.submit(_until_done, root, compact)
        loads = pool.submit(_until_done, root, _n_runs)
        writers = [pool.submit(_live_worker, root, "w0", configs), pool.submit(_live_worker, root, "w1", configs),
                   pool.submit(_append_worker_runs, root, "w2", configs)]
        expected = sum(w.result() for w in writers)
        (root / "done").touch()
        counts, n_compactions = loads.result(), len(compactions.result())
    assert n_compactions >= 2 and counts == sorted(counts)  # a concurrent load never misses a row it saw before
    kb = KnowledgeBase.load(root)
    assert len(kb.runs) == expected == 120
    assert not kb.runs.duplicated(["dataset_id", "config_id"]).any()
    compact(root)  # every writer closed: everything folds
    assert [len(list((root / t).glob("*.csv*"))) for t in ("datasets", "configurations", "runs")] == [1, 1, 1]
    assert len(KnowledgeBase.load(root).runs) == expected


@pytest.mark.parametrize("table", ["runs", "configurations"])
def test_a_live_row_torn_at_any_byte_is_dropped(tmp_path, table):
    root = tmp_path / "kb"
    configs = _base(root, n_configs=3)
    writer = LiveWriter(root, table)
    sizes = []
    for i, c in enumerate(LIGHTGBM.sample(3, 1) if table == "configurations" else configs):
        row = (configuration_row(c, "lightgbm", 'origin "x", y') if table == "configurations"
               else _run("w0", c, 0.5, error=f'ValueError: bad "value", at\n{i}, "end"'))
        writer.write(row)
        sizes.append(writer.path.stat().st_size)
    writer.close()
    data = writer.path.read_bytes()
    base = len(getattr(KnowledgeBase.load(tmp_path / "kb"), table)) - 3
    stored = len(stored_rows(root, table))  # the table's rows as loading reads them, without a whole load per byte
    for cut in range(sizes[1], sizes[2]):
        writer.path.write_bytes(data[:cut])
        assert len(stored_rows(root, table)) == stored - 1, cut
    writer.path.write_bytes(data[:sizes[2] - 1])
    assert len(getattr(KnowledgeBase.load(root), table)) == base + 2


def test_a_quote_left_open_before_the_last_live_row_is_a_clear_error_not_rows_dropped(tmp_path):
    root = tmp_path / "kb"
    configs = _base(root, n_configs=2)
    writer = LiveWriter(root, "runs")
    writer.write(_run("w0", configs[0], 0.5))
    with open(writer.path, "a") as fh:  # not a kill: a kill tears only the last row
        fh.write('w0,"unclosed,,\n')
    writer.write(_run("w0", configs[1], 0.6))
    writer.close()
    with pytest.raises(KnowledgeBaseError, match=rf"{writer.path.name}: a quote left open before its last row"):
        KnowledgeBase.load(root)


def test_failed_runs_with_no_scores_load(tmp_path):
    root = tmp_path / "kb"
    configs = _base(root)
    kb = KnowledgeBase.empty()
    kb.runs = _coerce([_run("w0", configs[0], 0.5, error="LightGBMError: boom")])
    append(root, kb)
    runs = KnowledgeBase.load(root).runs
    assert runs["status"].tolist() == ["failed"] and runs["score_roc_auc"].isna().all()


@pytest.mark.parametrize(
    "column, value",
    [("score_roc_auc", "inf"), ("score_roc_auc", "1.5"), ("score_roc_auc", "high"), ("score_neg_log_loss", "-1e300"),
     ("score_neg_log_loss", "0.3"), ("score_r2", "2"), ("score_accuracy", "-inf"), ("best_iteration", "-5"),
     ("fit_time", "nan?")],
)
def test_bad_numbers_are_refused_naming_file_column_and_row(tmp_path, column, value):
    root = tmp_path / "kb"
    small_kb().save(root)
    part = next((root / "runs").glob("*.csv.gz"))
    frame = pd.read_csv(part, dtype=str)
    frame.loc[2, column] = value
    frame.to_csv(part, index=False, compression="gzip")
    try:
        shown = f"{float(value):g}"
    except ValueError:
        shown = repr(value)
    with pytest.raises(KnowledgeBaseError, match=rf"{part.name}: {column} in row 3 is {re.escape(shown)}, not"):
        KnowledgeBase.load(root)


@pytest.mark.parametrize("table, column, value", [("datasets", "task", "Multiclass"), ("runs", "status", "OK"),
                                                  ("runs", "status", "")])
def test_an_unknown_task_or_status_is_refused_naming_table_and_value(tmp_path, table, column, value):
    """A typo is no value the recommenders know: its dataset or run would be dropped silently."""
    root = tmp_path / "kb"
    small_kb().save(root)
    part = next((root / table).glob("*.csv.gz"))
    frame = pd.read_csv(part, dtype=str)
    frame.loc[1, column] = value
    frame.to_csv(part, index=False, compression="gzip")
    with pytest.raises(KnowledgeBaseError, match=rf"{table}/{part.name}: {column} in row 2 is "
                                                 rf"{re.escape(repr(value or np.nan))}, not one of"):
        KnowledgeBase.load(root)


def test_infinite_metafeature_is_refused(tmp_path):
    root = tmp_path / "kb"
    kb = small_kb()
    kb.datasets.loc[1, "mf_landmark_1nn"] = np.inf
    kb.save(root)
    with pytest.raises(KnowledgeBaseError, match=r"datasets/part-.*mf_landmark_1nn in row 2 is inf"):
        KnowledgeBase.load(root)


@pytest.mark.parametrize("text", ["null", "42", "[1, 2]", '"kb"',
                                  '{"schema_version": 1, "family": 3, "space_version": "x"}',
                                  '{"schema_version": 1, "family": "lightgbm", "space_version": "x", "rows": [3]}',
                                  '{"schema_version": 1, "family": "lightgbm", "space_version": "x", '
                                  '"rows": {"runs": null}}'])
def test_manifest_that_is_no_object_is_a_clear_error(tmp_path, text):
    root = tmp_path / "kb"
    small_kb().save(root)
    (root / "manifest.json").write_text(text)
    with pytest.raises(KnowledgeBaseError, match=r"corrupt manifest .*manifest\.json"):
        KnowledgeBase.load(root)


@pytest.mark.parametrize("params", ["{not json", "[1, 2]", "7", ""])
def test_params_that_are_no_json_object_are_a_clear_error(tmp_path, params):
    root = tmp_path / "kb"
    small_kb().save(root)
    part = next((root / "configurations").glob("*.csv.gz"))
    frame = pd.read_csv(part, dtype=str)
    frame.loc[1, "params"] = params
    frame.to_csv(part, index=False, compression="gzip")
    with pytest.raises(KnowledgeBaseError, match=rf"{part.name}: params in row 2 is not a JSON object"):
        KnowledgeBase.load(root)


@pytest.mark.parametrize("params", ["other", '{"num_leaves": 1%s}' % ("0" * 400), '{"num_leaves": [3]}'])
def test_params_that_are_not_their_configurations_are_refused(tmp_path, params):
    """A row's params must hash to its config_id: otherwise another configuration's parameters would
    be handed out under its name."""
    root = tmp_path / "kb"
    small_kb().save(root)
    part = next((root / "configurations").glob("*.csv.gz"))
    frame = pd.read_csv(part, dtype=str)
    frame.loc[1, "params"] = frame.loc[2, "params"] if params == "other" else params
    frame.to_csv(part, index=False, compression="gzip")
    with pytest.raises(KnowledgeBaseError, match=rf"{part.name}: configuration '{frame.loc[1, 'config_id']}' in "
                                                 rf"row 2 has params that are not its own"):
        KnowledgeBase.load(root)


def test_the_newest_run_of_a_key_wins_by_its_stored_time_not_by_its_files_age(tiny_kb, tmp_path):
    """A git checkout or a copy without modification times can make the older part look newer."""
    row = tiny_kb.runs.iloc[[0]]
    later, earlier = row.assign(cv=3, time="2026-01-02T00:00:00"), row.assign(cv=2, time="2026-01-01T00:00:00")
    for age, runs in ((1, later), (2, earlier)):  # the later run in the part that looks older
        before = set((tmp_path / "kb").glob("*/part-*"))
        append(tmp_path / "kb", KnowledgeBase(datasets=tiny_kb.datasets, runs=runs, family=tiny_kb.family,
                                              configurations=tiny_kb.configurations,
                                              space_version=tiny_kb.space_version))
        for part in set((tmp_path / "kb").glob("*/part-*")) - before:
            os.utime(part, ns=(age * 10**18, age * 10**18))
    assert KnowledgeBase.load(tmp_path / "kb").runs["cv"].tolist() == [3]


def test_a_run_is_stamped_in_utc_so_that_runs_of_any_time_zone_order_rightly(monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Kiritimati")  # UTC+14: a local time would sort a day ahead
    time.tzset()
    try:
        stamp = run_row("d0", _evaluation(dict(LIGHTGBM.default), 0.5), cv=2)["time"]
    finally:
        monkeypatch.undo()
        time.tzset()
    when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - when).total_seconds()) < 600


def test_a_local_time_of_an_older_version_is_read_as_this_machines_and_orders_with_utc_ones(monkeypatch):
    from metahpo.knowledge_base import utc_times

    monkeypatch.setenv("TZ", "Asia/Tokyo")  # UTC+9: the older local stamp reads 9 hours ahead as text
    time.tzset()
    try:
        stamps = utc_times(pd.Series(["2026-12-07T10:58:07", "2026-12-07T01:58:11Z", None, "soon"]))
    finally:
        monkeypatch.undo()
        time.tzset()
    assert stamps.tolist() == ["2026-12-07T01:58:07Z", "2026-12-07T01:58:11Z", "", "soon"]

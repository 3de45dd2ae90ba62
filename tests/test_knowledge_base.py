"""The knowledge base: schema, atomic writes, appends, merges, loading errors."""

import gzip
import json
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest

from metahpo.datasets import load
from metahpo.evaluation import Evaluation, evaluate, make_folds
from metahpo.exceptions import KnowledgeBaseError
from metahpo.knowledge_base import KnowledgeBase, LiveWriter, append, compact, run_row
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


def test_append_never_rewrites_earlier_parts(tmp_path):
    root = tmp_path / "kb"
    append(root, small_kb(prefix="a"))
    first = {p: p.read_bytes() for p in root.rglob("*.csv.gz")}
    append(root, small_kb(prefix="b"))
    assert all(p.read_bytes() == data for p, data in first.items())
    assert KnowledgeBase.load(root).info()["n_datasets"] == 6


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


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(KnowledgeBaseError, match="not a folder"):
        KnowledgeBase.load(tmp_path / "nowhere")


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _rewrite(path, text):
    path.write_bytes(gzip.compress(text))

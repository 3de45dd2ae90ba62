"""Zero-shot recommendations: strategies, evidence, confidence, errors, the command line."""

import copy
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import lightgbm
import numpy as np
import pandas as pd
import pytest

from metahpo import holdout, metafeatures, recommendations
from metahpo.cli import main
from metahpo.datasets import load
from metahpo.evaluation import Evaluation, make_estimator
from metahpo.exceptions import ConfigError, KnowledgeBaseError, KnowledgeBaseWarning
from metahpo.knowledge_base import KnowledgeBase
from metahpo.recommendations import (
    STRATEGIES,
    BaseStrategy,
    MetaFeatureSpace,
    Recommender,
    get_recommender,
    recommend,
)
from metahpo.spaces import LIGHTGBM, config_id

NAMES = list(metafeatures.METAFEATURES)


def clustered_kb(n_per_cluster=8, seed=0, min_child_samples=(5, 5, 5)):
    """Two clusters of binary datasets told apart by one meta-feature; config A wins in the
    first, config B in the second, and a third is mediocre everywhere (their min_child_samples
    as given)."""
    rng = np.random.default_rng(seed)
    a, b, c = ({**config, "min_child_samples": m} for config, m in zip(LIGHTGBM.sample(3, seed), min_child_samples))
    kb = KnowledgeBase.empty()
    for cluster, winner in ((0, a), (1, b)):
        for i in range(n_per_cluster):
            mf = dict.fromkeys(NAMES, 0.0) | {n: rng.normal(0, 0.05) for n in NAMES}
            mf["landmark_1nn"] = cluster * 10.0 + rng.normal(0, 0.1)
            did = f"c{cluster}_{i}"
            kb.add_dataset(did, name=did, task="binary", n_rows=100, n_features=5, metafeatures=mf)
            for config, score in ((winner, 0.9), (b if winner is a else a, 0.6), (c, 0.75)):
                ev = Evaluation(config=config, metric="roc_auc", scores={"roc_auc": score + rng.normal(0, 0.01)},
                                best_iteration=50 + cluster * 100)
                kb.add_evaluation(did, ev, cv=3)
    return kb, (a, b, c)


def _query(landmark):
    return pd.Series(dict.fromkeys(NAMES, 0.0) | {"landmark_1nn": landmark})


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_each_strategy_follows_the_nearest_cluster(strategy):
    kb, (a, b, _) = clustered_kb()
    rec = Recommender(kb, "binary", strategy)
    assert rec.recommend(_query(0.0), n=2).configs[0].config_id == config_id(a)
    assert rec.recommend(_query(10.0), n=2).configs[0].config_id == config_id(b)


def test_far_from_every_dataset_no_metric_value_is_promised():
    kb, _ = clustered_kb()
    rec = Recommender(kb, "binary", "nearest").recommend(_query(1000.0), n=2)
    assert rec.confidence < 0.1
    assert all(c.expected_value is None and 0 <= c.expected_normalized <= 1 for c in rec.configs)


def test_recommendation_carries_its_evidence(monkeypatch):
    monkeypatch.setitem(recommendations.ROUNDS_FLOOR, "binary", 0.0)  # the neighbours' rounds, as they chose
    kb, (a, b, c) = clustered_kb()
    r = Recommender(kb, "binary", "nearest").recommend(_query(0.0), n=3, name="q")
    top = r.configs[0]
    value = {rc.config_id: rc.expected_value for rc in r.configs}
    assert top.expected_normalized == pytest.approx(1.0, abs=0.05)
    assert top.expected_value == pytest.approx(0.9, abs=0.03)  # roc_auc, as the winner scored near cluster 0
    assert value[config_id(b)] == pytest.approx(0.6, abs=0.03)
    assert value[config_id(c)] == pytest.approx(0.75, abs=0.01)  # 0.75 on every dataset
    assert all(s.startswith("c0_") for s in top.support[:5])
    assert top.params["n_estimators"] == 50  # the supporting datasets' early-stopped rounds
    assert list(r.neighbors["distance"]) == sorted(r.neighbors["distance"])
    assert r.neighbors.index[0].startswith("c0_")
    assert r.confidence > 0.5
    frame = r.to_frame()
    assert list(frame.index) == [1, 2, 3] and "learning_rate" in frame.columns
    assert frame.loc[1, "expected_roc_auc"] == top.expected_value
    text = r.explain()
    assert "nearest" in text and "c0_" in text and len(text.splitlines()) >= 3 + 3
    assert json.loads(json.dumps(r.to_dict(), default=float))["configs"][0]["config_id"] == config_id(a)


def test_params_rebuild_the_evaluated_model_exactly():
    kb, _ = clustered_kb()
    rec = Recommender(kb, "binary").recommend(_query(0.0), n=1)
    params = rec.best
    assert params["subsample_freq"] == 1 and params["random_state"] == 0  # else LightGBM ignores subsample
    data = load("sklearn:breast_cancer")
    model = lightgbm.LGBMClassifier(**params, n_jobs=1).fit(data.X, data.y)
    evaluated = make_estimator(kb.params([rec.configs[0].config_id])[0], "binary",
                               n_estimators=params["n_estimators"]).fit(data.X, data.y)
    assert model.n_estimators == params["n_estimators"] and model.score(data.X, data.y) > 0.9
    np.testing.assert_allclose(model.predict_proba(data.X), evaluated.predict_proba(data.X), rtol=0, atol=1e-12)


def test_rounds_grow_with_the_rows_the_model_will_train_on(monkeypatch):
    kb, (a, _, _) = clustered_kb()  # datasets of 100 rows, 3-fold: models trained on 66.7 rows, 50 rounds
    recommender = Recommender(kb, "binary", "nearest")

    def rounds(rows):
        return recommender.recommend(_query(0.0), n=1, train_rows=rows).best["n_estimators"]

    monkeypatch.setitem(recommendations.ROUNDS_FLOOR, "binary", 0.0)
    monkeypatch.setitem(holdout.ROUNDS_EXPONENT, "binary", 0.5)
    assert rounds(50) == 50  # never fewer rounds than the neighbours chose
    assert rounds(100 * 2 / 3 * 16) == 200  # 16 times the rows: 4 times the rounds
    assert rounds(10**9) == holdout.MAX_ROUNDS
    monkeypatch.setitem(holdout.ROUNDS_EXPONENT, "binary", 0.0)
    assert rounds(10**9) == 50


def test_rounds_never_fall_below_the_learning_budget(monkeypatch):
    kb, (a, _, _) = clustered_kb()  # the neighbours stopped early at 50 rounds
    recommender = Recommender(kb, "binary", "nearest")

    def top(budget):
        monkeypatch.setitem(recommendations.ROUNDS_FLOOR, "binary", budget)
        return recommender.recommend(_query(0.0), n=1).best

    rate = a["learning_rate"]
    assert top(0.0)["n_estimators"] == 50
    assert top(50 * rate / 2)["n_estimators"] == 50  # a budget the neighbours' rounds already spend
    assert top(199.5 * rate)["n_estimators"] == 200  # raised to ceil(budget / learning_rate)
    assert top(10**6)["n_estimators"] == holdout.MAX_ROUNDS


def test_a_knowledge_base_cannot_inject_parameters():
    kb, _ = clustered_kb()
    cid = kb.configurations["config_id"].iloc[0]
    hostile = json.loads(kb.configurations["params"].iloc[0]) | {"tree_learner": "data", "machines": "10.0.0.1:12400"}
    kb.configurations.loc[kb.configurations["config_id"] == cid, "params"] = json.dumps(hostile)
    with pytest.raises(KnowledgeBaseError, match=f"configuration {cid}.*machines"):
        Recommender(kb, "binary")


def test_a_datasets_larger_versions_do_not_make_newcomers_look_far():
    kb, _ = clustered_kb()
    alone = Recommender(kb, "binary", "nearest").recommend(_query(0.0), n=1).confidence
    sized = kb.merge(KnowledgeBase.empty())
    for did in kb.datasets["dataset_id"]:  # every dataset again at 10,000 rows, nearly the same meta-features
        row = kb.datasets.set_index("dataset_id").loc[did]
        mf = {n: row[f"mf_{n}"] + 1e-6 for n in NAMES}
        sized.add_dataset(f"{did}@10000", name=f"{did}@10000", task="binary", n_rows=10000, n_features=5,
                          metafeatures=mf)
        for run in kb.runs[kb.runs["dataset_id"] == did].itertuples():
            config = kb.params([run.config_id])[0]
            sized.add_evaluation(f"{did}@10000", Evaluation(config, "roc_auc", scores={"roc_auc": run.score_roc_auc},
                                                            best_iteration=run.best_iteration), cv=3)
    assert alone > 0.5
    assert Recommender(sized, "binary", "nearest").recommend(_query(0.0), n=1).confidence >= alone - 0.1


def test_far_away_dataset_has_low_confidence_and_leans_on_the_global_portfolio():
    kb, _ = clustered_kb()
    r = Recommender(kb, "binary", "nearest").recommend(_query(1000.0), n=3)
    assert r.confidence < 0.1
    assert any("Far from every" in note for note in r.notes)
    assert any("on average" in c.reason for c in r.configs)


def test_the_nearest_strategy_fills_a_long_list_from_farther_datasets():
    from metahpo.recommendations import Context, NearestDatasets

    scores = pd.DataFrame({"a": [0.9, 0.8, 0.1], "b": [0.5, np.nan, 0.2], "c": [np.nan, np.nan, 1.0]},
                          index=["near1", "near2", "far"])
    neighbors = pd.Series([0.1, 0.2, 5.0], index=scores.index)
    ctx = Context(scores, ["a", "b", "c"], neighbors, 1.0, np.zeros(1))
    ranked = NearestDatasets(k=2).rank(ctx, n=3)
    assert [c for c, _ in ranked] == ["a", "b", "c"]  # the two nearest ran a and b alone; c from the next
    assert ranked[2][1] == "#1 on the similar dataset far (distance 5.00)"
    assert [c for c, _ in NearestDatasets(k=2).rank(ctx, n=2)] == ["a", "b"]  # farther ones only to fill


@pytest.mark.parametrize("strategy", sorted(STRATEGIES))
def test_configurations_that_cannot_grow_trees_on_the_rows_are_left_out(strategy):
    kb, (a, _, _) = clustered_kb(min_child_samples=(50, 5, 5))
    rec = Recommender(kb, "binary", strategy)
    roomy = rec.recommend(_query(0.0), n=3, train_rows=200)
    assert roomy.configs[0].config_id == config_id(a) and not roomy.notes
    small = rec.recommend(_query(0.0), n=3, train_rows=199)
    assert config_id(a) not in [r.config_id for r in small.configs] and len(small) == 2
    assert any("1 of 3 configurations were left out" in note and "199 training rows" in note for note in small.notes)
    assert f"2 of the 3 configurations asked for: the {strategy} strategy ranks no more of the knowledge base's 2 " \
           "for this dataset." in small.notes
    query = _query(0.0)
    query["n_rows"] = 100.0  # without train_rows, the dataset's rows count
    by_n_rows = rec.recommend(query, n=3)
    assert config_id(a) not in [r.config_id for r in by_n_rows.configs]


def test_when_no_configuration_fits_the_rows_all_stay():
    kb, (a, _, _) = clustered_kb(min_child_samples=(50, 50, 50))
    rec = Recommender(kb, "binary", "portfolio").recommend(_query(0.0), n=3, train_rows=10)
    assert rec.configs[0].config_id == config_id(a) and len(rec) == 3 and not rec.notes


def test_meta_feature_weights_are_learned():
    kb, _ = clustered_kb()
    space = MetaFeatureSpace().fit(kb.metafeatures("binary"), kb.normalized(task="binary"))
    assert space.weights_.idxmax() == "landmark_1nn"
    assert space.weights_["landmark_1nn"] == 1.0 and space.weights_.drop("landmark_1nn").max() < 0.5


def test_nan_meta_features_are_imputed():
    kb, (a, _, _) = clustered_kb()
    query = _query(0.0)
    query[NAMES[:10]] = np.nan
    assert Recommender(kb, "binary").recommend(query, n=1).configs[0].config_id == config_id(a)


def test_recommender_is_reused_until_the_kb_changes():
    kb, _ = clustered_kb()
    first = get_recommender(kb, "binary", "portfolio")
    surrogate = get_recommender(kb, "binary", "surrogate")  # tune asks for both: neither evicts the other
    assert get_recommender(kb, "binary", "portfolio") is first
    assert get_recommender(kb, "binary", "surrogate") is surrogate
    kb.add_dataset("new", name="new", task="binary", n_rows=1, n_features=1, metafeatures={})
    assert get_recommender(kb, "binary", "portfolio") is not first


def test_prior_mean_is_the_surrogate_forest_and_prefers_the_local_winner():
    kb, (a, b, _) = clustered_kb()
    recommender = Recommender(kb, "binary", "surrogate")
    prior = recommender.prior_mean(_query(0.0))
    points = np.vstack([LIGHTGBM.encode(a), LIGHTGBM.encode(b)])
    x = recommender.space.transform(_query(0.0).to_frame().T)[0]
    X = np.hstack([np.repeat(x[None, :], 2, axis=0), points]).astype(np.float32)
    trees = recommender.strategy._fit_trees(recommender, recommender.scores)  # the forest, fitted afresh
    assert np.allclose(prior(points), np.mean([tree.predict(X)[:, 0] for tree in trees], axis=0))
    assert prior(points)[0] > prior(points)[1]


def test_custom_strategy_instance():
    class Worst(BaseStrategy):
        name = "worst"

        def rank(self, ctx, n):
            return [(c, "worst first") for c in ctx.scores[ctx.pool].mean().sort_values().index[:n]]

    kb, (_, _, c) = clustered_kb()
    r = Recommender(kb, "binary", Worst()).recommend(_query(0.0), n=1)
    assert r.strategy == "worst" and r.configs[0].reason == "worst first"


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"strategy": "magic"}, ConfigError, "unknown strategy 'magic'"),
        ({"n": 0}, ConfigError, "n must be a whole number of configurations, at least 1"),
        ({"n": 2.5}, ConfigError, "n must be a whole number of configurations, at least 1; got 2.5"),
        ({"metric": "no_such_metric"}, ConfigError, "unknown metric"),
        ({"task": "regression"}, KnowledgeBaseError, "no regression dataset"),
        ({"metric": "balanced_accuracy"}, KnowledgeBaseError,  # a multiclass metric, not one of binary runs
         "stores no binary metric 'balanced_accuracy'; it has roc_auc, neg_log_loss, accuracy$"),
        ({"random_state": -1}, ConfigError, r"random_state must be a whole number \(a seed\), at least 0; got -1"),
        ({"random_state": 2**33}, ConfigError, "random_state must be below 2"),
    ],
)
def test_bad_requests_are_clear_errors(kwargs, error, message):
    kb, _ = clustered_kb()
    with pytest.raises(error, match=message):
        recommend("sklearn:breast_cancer", knowledge_base=kb, **kwargs)


def test_empty_knowledge_base_is_a_clear_error():
    with pytest.raises(KnowledgeBaseError, match="no binary dataset"):
        recommend("sklearn:breast_cancer", knowledge_base=KnowledgeBase.empty())


# ---------------------------------------------------------------- on a real (tiny) knowledge base


@pytest.mark.parametrize("name, task", [("iris", "multiclass"), ("breast_cancer", "binary"), ("diabetes", "regression")])
def test_real_dataset_finds_itself_in_the_knowledge_base(tiny_kb, name, task):
    rec = recommend(f"sklearn:{name}", n=3, knowledge_base=tiny_kb)
    assert rec.task == task and len(rec) == 3
    assert rec.neighbors.index[0] == f"sk_{name}"  # the same data, subsampled, is the nearest
    assert rec.neighbors["distance"].iloc[0] < rec.neighbors["distance"].iloc[1]
    for c in rec.configs:
        LIGHTGBM.config_of(c.params)


def test_metric_choice_changes_the_target(tiny_kb):
    rec = recommend("sklearn:breast_cancer", n=2, knowledge_base=tiny_kb, metric="accuracy", rounds="recommended")
    by_auc = recommend("sklearn:breast_cancer", n=2, knowledge_base=tiny_kb, rounds="recommended")
    assert rec.metric == "accuracy" and by_auc.metric == "roc_auc"
    accuracy = tiny_kb.runs.set_index(["dataset_id", "config_id"])["score_accuracy"]
    top = rec.configs[0]  # its expected value is the accuracy it scored on the similar datasets
    on_them = [accuracy[(d, top.config_id)] for d in rec.neighbors.index if (d, top.config_id) in accuracy.index]
    assert min(on_them) <= top.expected_value <= max(on_them)
    assert by_auc.configs[0].expected_value != top.expected_value


def test_knowledge_base_given_as_a_path(tiny_kb, tmp_path):
    tiny_kb.save(tmp_path / "kb")
    rec = recommend("sklearn:iris", n=1, knowledge_base=str(tmp_path / "kb"), rounds="recommended")
    assert rec.configs[0].config_id == recommend("sklearn:iris", n=1, knowledge_base=tiny_kb,
                                                 rounds="recommended").configs[0].config_id
    assert set(rec.neighbors.index) <= set(tiny_kb.datasets["dataset_id"])  # not the shipped knowledge base's


def test_cli_recommend_table_json_and_out(tiny_kb, tmp_path, capsys):
    tiny_kb.save(tmp_path / "kb")
    out = tmp_path / "config.json"
    assert main(["recommend", "sklearn:iris", "--kb", str(tmp_path / "kb"), "-n", "2", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "learning_rate" in printed and "Recommendations for 'iris'" in printed
    params = json.loads(out.read_text())
    LIGHTGBM.config_of(params)
    assert main(["recommend", "sklearn:iris", "--kb", str(tmp_path / "kb"), "--json", "-n", "2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["task"] == "multiclass" and len(data["configs"]) == 2 and data["configs"][0]["params"] == params


def test_cli_bad_input_is_one_line(tmp_path, capsys):
    assert main(["recommend", str(tmp_path / "missing.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("metahpo: error: no such file") and len(err.strip().splitlines()) == 1


def test_the_surrogate_is_fitted_once_per_knowledge_base(tmp_path, monkeypatch):
    """Trees read back from the cache predict exactly what the fitted ones did; a knowledge base
    that changed gets trees of its own; an unwritable cache only costs time."""
    monkeypatch.setenv("METAHPO_CACHE_DIR", str(tmp_path / "cache"))
    kb, _ = clustered_kb()
    points = np.random.default_rng(0).random((50, len(LIGHTGBM.names)))
    fitted = Recommender(kb, "binary", "surrogate").prior_mean(_query(0.0))(points)
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 1
    monkeypatch.setattr(recommendations.Surrogate, "_fit_trees", lambda *a: pytest.fail("fitted again"))
    np.testing.assert_array_equal(Recommender(kb, "binary", "surrogate").prior_mean(_query(0.0))(points), fitted)
    monkeypatch.undo()
    monkeypatch.setenv("METAHPO_CACHE_DIR", str(tmp_path / "cache"))
    changed, _ = clustered_kb(seed=1)
    Recommender(changed, "binary", "surrogate")
    assert len(list((tmp_path / "cache").glob("*.npz"))) == 2
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("METAHPO_CACHE_DIR", str(tmp_path / "file" / "cache"))  # cannot be created
    np.testing.assert_array_equal(Recommender(kb, "binary", "surrogate").prior_mean(_query(0.0))(points), fitted)


@pytest.mark.parametrize("damage", ["child out of its tree", "feature out of range", "sizes cut", "array missing",
                                    "value not finite", "text", "no feature count", "compressed bytes",
                                    "child a fraction", "threshold not finite"])
def test_a_damaged_cache_entry_is_fitted_anew_not_trusted(tmp_path, monkeypatch, damage):
    """The compiled predict trusts its nodes: an entry that is not what metahpo wrote (a child index
    out of its tree crashed the process; a fractional one, cut to its own node, looped forever) is a
    miss, refitted and written again."""
    monkeypatch.setenv("METAHPO_CACHE_DIR", str(tmp_path))
    kb, _ = clustered_kb()
    points = np.random.default_rng(0).random((20, len(LIGHTGBM.names)))
    fitted = Recommender(kb, "binary", "surrogate").prior_mean(_query(0.0))(points)
    entry = next(tmp_path.glob("*.npz"))
    with np.load(entry) as data:
        arrays = dict(data)
    n_features, split = int(arrays["n_features"]), np.flatnonzero(arrays["left_child"] >= 0)[0]
    if damage == "compressed bytes":  # zlib's own error, not numpy's or zipfile's
        raw = bytearray(entry.read_bytes())
        raw[100:160] = bytes(b ^ 0x55 for b in raw[100:160])
        entry.write_bytes(bytes(raw))
    elif damage == "child out of its tree":
        arrays["left_child"][split] += 10**6
    elif damage == "feature out of range":
        arrays["feature"][split] = 10**4
    elif damage == "sizes cut":
        arrays["sizes"] = arrays["sizes"][:50]
    elif damage == "array missing":
        del arrays["value"]
    elif damage == "text":
        arrays["value"] = arrays["value"].astype(str)
    elif damage == "no feature count":
        arrays["n_features"] = np.array([])
    elif damage == "child a fraction":
        arrays["left_child"] = arrays["left_child"].astype(float)
        arrays["left_child"][split] = split + 0.5
    elif damage == "threshold not finite":
        arrays["threshold"][split] = np.nan
    else:
        arrays["value"][0] = np.nan
    if damage != "compressed bytes":
        assert not recommendations._well_formed(arrays, 100, n_features)
        np.savez(entry, **arrays)
    np.testing.assert_array_equal(Recommender(kb, "binary", "surrogate").prior_mean(_query(0.0))(points), fitted)
    with np.load(entry) as data:
        rewritten = dict(data)
    assert recommendations._well_formed(rewritten, 100, int(rewritten["n_features"]))  # written again, whole


def test_partial_cache_entries_of_a_killed_process_are_removed_once_stale(tmp_path, monkeypatch):
    from metahpo import cache

    monkeypatch.setenv("METAHPO_CACHE_DIR", str(tmp_path))
    stale, fresh = tmp_path / ".tmp-old.npz", tmp_path / ".tmp-new.npz"
    for path in (stale, fresh):
        path.write_bytes(b"partial")
    os.utime(stale, (time.time() - cache.STALE_SECONDS - 60,) * 2)
    cache.save("key", {"a": np.arange(3)})
    assert not stale.exists() and fresh.exists() and cache.load("key")["a"].tolist() == [0, 1, 2]


def test_the_portfolio_can_fit_its_first_pick_to_the_nearest_datasets_and_hedge_the_rest():
    # "broad" is best on average over 20 datasets; "narrow" is best on the 5 nearest alone
    ids = [f"d{i}" for i in range(20)]
    scores = pd.DataFrame({"broad": [0.2] * 5 + [1.0] * 15, "narrow": [1.0] * 5 + [0.0] * 15,
                           "middle": [0.5] * 20}, index=ids)
    ctx = recommendations.Context(scores, list(scores.columns), pd.Series(np.linspace(0.1, 2.0, 20), index=ids),
                                  confidence=0.5, metafeatures=np.zeros(2))
    first, second = recommendations.Portfolio(first_k=5).rank(ctx, 2)
    assert first[0] == "narrow" and "5 most similar" in first[1]
    assert second[0] == "broad"  # the rest of the list hedges over every dataset
    assert recommendations.Portfolio().rank(ctx, 1)[0][0] == "broad"  # the default hedges the first pick too


def test_the_builds_pool_stays_the_candidates_beside_user_runs_on_more_datasets(tiny_kb):
    """Datasets a user adds with runs of their own (ingested, imported) outnumber the build's:
    the pool, run on fewer than half of them now, stays the recommender's candidates."""
    binary = tiny_kb.datasets[tiny_kb.datasets["task"] == "binary"]
    pool = set(tiny_kb.pool_ids()) & set(tiny_kb.runs.loc[tiny_kb.runs["dataset_id"].isin(binary["dataset_id"]),
                                                          "config_id"])
    theirs = tiny_kb.runs[~tiny_kb.runs["config_id"].isin(pool) & tiny_kb.runs["dataset_id"].isin(binary["dataset_id"])]
    copies = [binary.assign(dataset_id=binary["dataset_id"] + f"_user{i}") for i in range(2)]
    runs = [theirs.iloc[[0]].assign(dataset_id=d) for copy in copies for d in copy["dataset_id"]]  # one config on each
    kb = KnowledgeBase(datasets=pd.concat([tiny_kb.datasets, *copies], ignore_index=True),
                       configurations=tiny_kb.configurations, runs=pd.concat([tiny_kb.runs, *runs], ignore_index=True),
                       family=tiny_kb.family, space_version=tiny_kb.space_version, provenance=tiny_kb.provenance)
    recommender = Recommender(kb, "binary", "portfolio")
    assert pool and pool <= set(recommender.pool)
    assert len(recommender.recommend(kb.metafeatures("binary").iloc[0], n=len(pool)).configs) == len(pool)


def test_the_portfolio_orders_configurations_of_equal_gain_by_their_weighted_mean():
    """Once the first pick is the best on every dataset, every other adds nothing: they follow by
    their weighted mean score, not by their ids."""
    ids = [f"d{i}" for i in range(4)]
    scores = pd.DataFrame({"best": 1.0, "a_poor": [0.0, 0.1, 0.0, 0.1], "b_good": [0.9, 0.8, 0.9, 0.8],
                           "c_mid": 0.5}, index=ids)
    ctx = recommendations.Context(scores, list(scores.columns), pd.Series([0.1, 0.2, 0.3, 0.4], index=ids), 1.0,
                                  np.zeros(1))
    assert [c for c, _ in recommendations.Portfolio().rank(ctx, 4)] == ["best", "b_good", "c_mid", "a_poor"]


def test_a_recommender_is_fitted_anew_once_its_knowledge_base_changes_at_the_same_size():
    kb, _ = clustered_kb()
    first = get_recommender(kb, "binary", "portfolio")
    assert get_recommender(kb, "binary", "portfolio") is first
    kb.runs = kb.runs.assign(score_roc_auc=1 - kb.runs["score_roc_auc"])  # the same rows, other scores
    again = get_recommender(kb, "binary", "portfolio")
    assert again is not first and not again.scores.equals(first.scores)


def test_distances_are_computed_in_blocks_without_changing_a_bit(monkeypatch):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(23, 7)), rng.normal(size=(11, 7))
    whole = np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(axis=2))
    monkeypatch.setattr(recommendations, "PAIRWISE_BLOCK", 3 * b.size)  # blocks of three rows, the last of two
    np.testing.assert_array_equal(recommendations._pairwise(a, b), whole)
    assert recommendations._pairwise(a[:0], b).shape == (0, 11)
    import tracemalloc

    many = rng.normal(size=(400, 39))  # all differences at once: 50 MB
    tracemalloc.start()
    recommendations._pairwise(many, many)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 10 * 400 * 400 * 8  # a row at a time under the block set above, the 1.3 MB of distances


def test_a_knowledge_base_of_another_space_version_is_used_with_a_warning(tiny_kb, tiny_linear_kb, tmp_path):
    stale = copy.copy(tiny_kb)
    stale.space_version = "lightgbm-0"
    stale.save(tmp_path / "stale")
    command = ["recommend", "sklearn:iris", "--kb", str(tmp_path / "stale"), "--rounds", "recommended", "--quiet"]
    done = subprocess.run([sys.executable, "-m", "metahpo", *command], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    assert done.returncode == 0 and done.stderr.startswith(
        "metahpo: warning: the knowledge base holds runs of the lightgbm family's space lightgbm-0")
    with pytest.warns(KnowledgeBaseWarning, match="space lightgbm-0, but the family's space is now lightgbm-1"):
        recommend("sklearn:iris", knowledge_base=stale, rounds="recommended", n=2)
    stale_linear = copy.copy(tiny_linear_kb)
    stale_linear.space_version = "linear-0"
    iris = metafeatures.extract(load("sklearn:iris"))
    with pytest.warns(KnowledgeBaseWarning, match="space linear-0"):  # it helped choose, whatever is chosen
        recommendations.choose_family(iris, {"lightgbm": tiny_kb, "linear": stale_linear}, "multiclass")

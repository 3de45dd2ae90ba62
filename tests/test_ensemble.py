"""Ensembles: greedy selection with replacement, voting, and tune(ensemble=k)."""

import json
from dataclasses import replace

import joblib
import numpy as np
import pytest
from sklearn.ensemble import VotingClassifier, VotingRegressor
from sklearn.metrics import roc_auc_score

from metahpo.datasets import load
from metahpo.ensemble import GREEDY_ROUNDS, EnsembleSpec, build, final_params, select
from metahpo.exceptions import ConfigError
from metahpo.search import Trial
from metahpo.spaces import LIGHTGBM, Param
from metahpo.tuning import tune


def _trial(number, score, oof=None, seed=0):
    config = LIGHTGBM.sample(1, seed + number)[0]
    trial = Trial(number, config, "random", score=score, best_iteration=40 + number)
    if oof is not None:
        trial.user_attrs["oof"] = oof
    return trial


def test_a_trial_of_fixed_rounds_is_refitted_with_them_whatever_the_growth():
    grown = _trial(1, 0.8)
    fixed = Trial(2, {**grown.config, "n_estimators": 200}, "random", score=0.8, best_iteration=200)
    assert final_params(grown, growth=1.5)["n_estimators"] == round(41 * 1.5)  # early stopping's rounds grow
    assert final_params(fixed, growth=1.5)["n_estimators"] == 200  # the model it scored


def test_greedy_selection_combines_complementary_members():
    rng = np.random.default_rng(0)
    y = rng.normal(size=400)
    noise_a, noise_b = rng.normal(size=400), rng.normal(size=400)
    trials = [_trial(0, 0.5, y + noise_a), _trial(1, 0.5, y + noise_b), _trial(2, 0.1, y + 3 * rng.normal(size=400))]
    spec = select(trials, 3, "regression", y)
    assert spec.method == "greedy" and spec.metric == "r2"
    # inverse-variance weighting would give 0.47, 0.47, 0.05: the noisy member weighs little
    assert spec.weights[:2] == pytest.approx([0.47, 0.47], abs=0.1) and sum(spec.weights[2:]) < 0.15
    assert spec.oof_score > spec.single_best_oof_score + 0.1  # averaging independent errors helps
    assert sum(spec.weights) == pytest.approx(1.0)
    assert [m["n_estimators"] for m in spec.members][:2] == [40, 41]  # each trial's early-stopped rounds


def test_greedy_selection_keeps_a_dominant_single_model():
    y = np.array([0, 1] * 50)
    good = np.column_stack([1 - y * 0.9 - 0.05, y * 0.9 + 0.05])
    bad = np.full((100, 2), 0.5)
    spec = select([_trial(0, 0.9, good), _trial(1, 0.5, bad)], 2, "binary", y)
    assert len(spec.members) == 1 and spec.weights == [1.0]
    assert spec.oof_score == pytest.approx(spec.single_best_oof_score)


def _binary(p: np.ndarray) -> np.ndarray:
    return np.column_stack([1 - p, p])


def test_classifiers_are_selected_on_log_loss():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    signal = y + rng.normal(size=400)
    # the same ranking (so the same ROC AUC, alone or blended), calibrated differently
    overconfident, calibrated = 1 / (1 + np.exp(-6 * (signal - 0.5))), 1 / (1 + np.exp(-2 * (signal - 0.5)))
    trials = [_trial(0, 0.8, _binary(overconfident)), _trial(1, 0.8, _binary(calibrated))]
    spec = select(trials, 2, "binary", y, metric="roc_auc")
    # on ROC AUC nothing beats the first candidate alone; log loss prefers the calibrated one
    assert final_params(trials[1]) in spec.members and spec.metric == "roc_auc"
    assert spec.oof_score == pytest.approx(roc_auc_score(y, signal)) == spec.single_best_oof_score


def test_a_blend_worse_on_the_metric_gives_way_to_the_best_trial():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 400)
    # "ranker" orders every row right but its probabilities hug 0.5; "calibrated" errs on a few rows
    ranker = 0.5 + 0.01 * (y - 0.5) + 0.001 * rng.random(400)
    calibrated = np.where(rng.random(400) < 0.9, 0.1 + 0.8 * y, 0.5)
    trials = [_trial(0, 0.95, _binary(calibrated)), _trial(1, 1.0, _binary(ranker))]
    spec = select(trials, 2, "binary", y, metric="roc_auc")
    assert spec.members == [final_params(trials[1])] and spec.weights == [1.0]
    assert spec.oof_score == spec.single_best_oof_score == pytest.approx(1.0)


def test_vote_takes_the_top_k_equally():
    trials = [_trial(i, s) for i, s in enumerate([0.3, 0.9, 0.5, 0.7])]
    spec = select(trials, 2, "binary", method="vote")
    assert spec.members == [final_params(trials[1]), final_params(trials[3])]
    assert spec.weights == [0.5, 0.5]


@pytest.mark.parametrize(
    "kwargs, message",
    [({"k": 0}, "positive integer"), ({"method": "stack"}, "unknown ensemble method"), ({}, "out-of-fold")],
)
def test_bad_ensemble_requests(kwargs, message):
    trials = [_trial(0, 0.5)]
    args = {"k": 2, "task": "binary", "y": np.array([0, 1]), **kwargs}
    with pytest.raises(ConfigError, match=message):
        select(trials, **args)


def test_no_successful_trial():
    failed = Trial(0, LIGHTGBM.sample(1, 0)[0], "random", status="failed")
    with pytest.raises(ConfigError, match="no successful trial"):
        select([failed], 2, "binary", method="vote")


def test_build_is_a_scikit_learn_voting_ensemble():
    spec = select([_trial(0, 0.5), _trial(1, 0.4)], 2, "binary", method="vote")
    model = build(spec, "binary")
    assert isinstance(model, VotingClassifier) and model.voting == "soft" and model.weights == [0.5, 0.5]
    assert isinstance(build(spec, "regression"), VotingRegressor)


def test_build_takes_the_members_space():
    # a space with a parameter LightGBM's own space does not search, as a user may define
    wide = replace(LIGHTGBM, version="wide-1", params=(*LIGHTGBM.params, Param("max_depth", 2, 12, integer=True)))
    trials = [Trial(i, {**LIGHTGBM.sample(1, i)[0], "max_depth": 3 + i}, "random", score=0.5, best_iteration=9)
              for i in range(2)]
    spec = select(trials, 2, "binary", method="vote", space=wide)
    with pytest.raises(ConfigError, match="unknown lightgbm parameter"):
        build(spec, "binary")  # the family's own space does not know max_depth
    model = build(spec, "binary", space=wide)
    assert [est.get_params()["max_depth"] for _, est in model.estimators] == [3, 4]
    with pytest.raises(ConfigError, match="members of the lightgbm family without its space"):
        build(spec, "binary", space=replace(wide, family="linear"))


def test_tune_with_an_ensemble(tiny_kb, tmp_path):
    ds = load("sklearn:breast_cancer").subsample(300)
    result = tune(ds, family="lightgbm", n_trials=6, warm_start=2, cv=3, ensemble=3, knowledge_base=tiny_kb,
                  random_state=3)
    assert isinstance(result.model, VotingClassifier)
    spec = result.ensemble
    assert 1 <= len(spec.members) <= 3 and sum(spec.weights) == pytest.approx(1.0)
    assert spec.metric == "roc_auc" and spec.oof_score >= spec.single_best_oof_score
    kept = [t for t in result.study.trials if "oof" in t.user_attrs]
    assert len(kept) == 3  # memory: only the best k kept
    weight = {json.dumps(m, sort_keys=True): w for m, w in zip(spec.members, spec.weights)}
    blend = sum(weight.get(json.dumps(final_params(t, 3), sort_keys=True), 0.0) * t.user_attrs["oof"] for t in kept)
    assert spec.oof_score == pytest.approx(roc_auc_score(ds.y.to_numpy(), blend[:, 1]))
    proba = result.predict_proba(ds.X)
    assert proba.shape == (ds.n_rows, 2) and np.allclose(proba.sum(axis=1), 1)
    path = tmp_path / "model.joblib"
    joblib.dump(result.model, path)
    assert np.allclose(joblib.load(path).predict_proba(ds.X), proba)
    assert result.model.get_params()["voting"] == "soft"
    # what the JSON holds rebuilds the very model: each member with its tuned seed
    exported = EnsembleSpec(**json.loads(json.dumps(result.to_dict()))["ensemble"])
    rebuilt = build(exported, ds.task).fit(ds.X, ds.y)
    np.testing.assert_array_equal(rebuilt.predict_proba(ds.X), proba)


def test_tune_regression_ensemble(tiny_kb):
    ds = load("sklearn:diabetes").subsample(200)
    result = tune(ds, family="lightgbm", n_trials=4, warm_start=1, cv=2, ensemble=2, knowledge_base=tiny_kb)
    assert isinstance(result.model, VotingRegressor)
    assert result.predict(ds.X).shape == (ds.n_rows,)


def test_greedy_rounds_bound_the_weights():
    y = np.arange(50, dtype=float)
    spec = select([_trial(0, 1.0, y + 0.1), _trial(1, 0.9, y - 0.1)], 2, "regression", y)
    # weights are counts of additions: multiples of 1/m for the m <= GREEDY_ROUNDS rounds kept
    assert any(all(abs(w * m - round(w * m)) < 1e-9 for w in spec.weights) for m in range(1, GREEDY_ROUNDS + 1))
    assert len(spec.members) == 2  # opposite biases cancel


def test_tune_auto_mixes_families_in_one_ensemble(tiny_kb, tmp_path):
    """family="auto": every family searched on the same folds, the trials shared, and greedy
    selection over the best out-of-fold predictions of each family."""
    from metahpo.families import get_family

    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 4))
    # a linear signal LightGBM approximates in steps, and a threshold a linear model cannot bend to
    y = (X[:, 0] + X[:, 1] - X[:, 2] + 1.5 * (X[:, 3] > 0.5) + rng.normal(scale=0.8, size=240) > 0).astype(int)
    result = tune(X, y, n_trials=8, sampler="random", family="auto", warm_start=1, cv=3, ensemble=3,
                  knowledge_base=tiny_kb, random_state=0, verbose=False)
    assert set(result.studies) == {"lightgbm", "linear"}
    assert [len(s.trials) for s in result.studies.values()] == [4, 4]  # the trials shared equally
    trials = result.trials
    assert list(trials["family"]) == ["lightgbm"] * 4 + ["linear"] * 4
    # LightGBM starts from tiny_kb, the linear family from the shipped knowledge base of its own
    assert trials["source"].iloc[0] == "recommended" and trials["source"].iloc[4] == "recommended"
    assert result.family == result.study.trials[0].family and result.best_score == trials["score"].max()
    spec = result.ensemble
    assert set(spec.families) == {"lightgbm", "linear"}, spec  # both families earn weight here
    assert spec.oof_score >= spec.single_best_oof_score and sum(spec.weights) == pytest.approx(1.0)
    for params, family in zip(spec.members, spec.families):  # each member rebuilds as its family's model
        get_family(family).space_for("binary").config_of(params)
    # the ensemble's out-of-fold blend is what select scored, and the refitted model predicts
    kept = [t for s in result.studies.values() for t in s.trials if "oof" in t.user_attrs]
    weight = {json.dumps(m, sort_keys=True): w for m, w in zip(spec.members, spec.weights)}
    spaces = {name: s.space for name, s in result.studies.items()}
    blend = sum(weight.get(json.dumps(final_params(t, 0, spaces[t.family]), sort_keys=True), 0.0) * t.user_attrs["oof"]
                for t in kept)
    assert spec.oof_score == pytest.approx(roc_auc_score(y, blend[:, 1]))
    assert result.predict_proba(X).shape == (240, 2)
    with pytest.raises(ConfigError, match="^prior and record_to hold one family's configurations: name it "
                                          "\\(family='lightgbm' or 'linear'\\), not family='auto'$"):
        tune(X, y, n_trials=2, record_to=tmp_path / "mine", verbose=False)  # "auto", the default
    with pytest.raises(ConfigError, match="^sampler 'gradient' needs a family with a hypergradient: "
                                          "family='linear', not 'auto'$"):
        tune(X, y, n_trials=2, sampler="gradient", verbose=False)

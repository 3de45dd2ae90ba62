"""Boundaries the documentation promises: two standard errors for the defaults, the regression
learning budget, weighted validation, stratified hold-outs, at least 10 rounds, 30 classes, and the
0.03 target scale."""

import math
import warnings

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from metahpo import holdout as holdout_module
from metahpo import metafeatures
from metahpo.datasets import infer_task, load
from metahpo.evaluation import Evaluation
from metahpo.exceptions import DataWarning
from metahpo.holdout import MAX_ROUNDS, VALIDATION_FRACTION, DefaultCheck, holdout, holdout_fit, holdout_rounds
from metahpo.knowledge_base import KnowledgeBase
from metahpo.recommendations import Recommender
from metahpo.spaces import LIGHTGBM, config_id

NAMES = list(metafeatures.METAFEATURES)

# five paired fold differences around a mean: their standard error is exactly 0.01 / sqrt(2)
_SPREAD = 0.01 * np.array([-2.0, -1.0, 0.0, 1.0, 2.0])


# --------------------------------------------------------------------------- the check against the defaults


def test_the_defaults_win_only_beyond_two_standard_errors_not_one():
    """DefaultCheck.defaults_win: a mean of 1.5 standard errors is no win, 2.05 is one."""
    se = 0.01 / math.sqrt(2)
    between = DefaultCheck(1.5 * se + _SPREAD, "roc_auc")
    beyond = DefaultCheck(2.05 * se + _SPREAD, "roc_auc")
    for check in (between, beyond):
        assert check.standard_error == pytest.approx(se, rel=1e-12)
    assert between.differences.mean() / between.standard_error == pytest.approx(1.5, rel=1e-9)
    assert not between.defaults_win  # more than one standard error, not more than two
    assert "so the list is the knowledge base's" in between.describe()
    assert beyond.defaults_win
    assert "so the defaults come first" in beyond.describe()


# --------------------------------------------------------------------------- the regression learning budget


def _regression_kb(best_iteration=4, n_datasets=6, seed=0):
    """Regression datasets on which three configurations stopped early after ``best_iteration`` rounds."""
    rng = np.random.default_rng(seed)
    configs = LIGHTGBM.sample(3, seed)
    kb = KnowledgeBase.empty()
    for i in range(n_datasets):
        mf = dict.fromkeys(NAMES, 0.0) | {n: rng.normal(0, 0.05) for n in NAMES}
        did = f"r{i}"
        kb.add_dataset(did, name=did, task="regression", n_rows=300, n_features=5, metafeatures=mf)
        for config, score in zip(configs, (0.8, 0.6, 0.7)):
            ev = Evaluation(config=config, metric="r2", scores={"r2": score + rng.normal(0, 0.01)},
                            best_iteration=best_iteration)
            kb.add_evaluation(did, ev, cv=3)
    return kb, configs


def test_regression_recommendations_spend_a_learning_budget_of_20():
    """A regression recommendation's rounds are never fewer than ceil(20 / learning_rate), whatever the neighbours chose."""
    kb, configs = _regression_kb(best_iteration=4)  # the neighbours stopped after 4 rounds
    query = pd.Series(dict.fromkeys(NAMES, 0.0))
    rec = Recommender(kb, "regression", "nearest").recommend(query, n=3)
    assert len(rec.configs) == 3
    rates = {config_id(c): c["learning_rate"] for c in configs}
    for rc in rec.configs:
        rate = rates[rc.config_id]
        assert rc.params["learning_rate"] == rate
        assert rc.params["n_estimators"] >= 20 / rate
        assert rc.params["n_estimators"] == min(MAX_ROUNDS, math.ceil(20.0 / rate))


# --------------------------------------------------------------------------- the hold-out


def test_zero_weighted_validation_rows_do_not_count_in_the_holdout_loss(monkeypatch):
    """holdout_fit's validation loss weighs the validation rows: rows of weight 0 count as if absent."""
    monkeypatch.setitem(holdout_module.ROUNDS_EXPONENT, "regression", 0.0)  # rounds = the best round
    rng = np.random.default_rng(5)
    n = 300
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=list("abc"))
    y = (2 * X["a"] + X["b"] ** 2).to_numpy() + rng.normal(scale=0.1, size=n)
    fit_rows, valid_rows, _ = holdout(y, "regression", VALIDATION_FRACTION, 0)
    dropped = valid_rows[::2]  # half the validation rows: made far off and weighted 0
    y[dropped] += rng.choice([-20.0, 20.0], size=len(dropped))
    weights = np.ones(n)
    weights[dropped] = 0.0
    params = {"learning_rate": 0.1, "num_leaves": 4, "verbosity": -1}
    rounds, loss = holdout_fit(params, X, y, "regression", sample_weight=weights)
    _, unweighted = holdout_fit(params, X, y, "regression")
    model = lgb.LGBMRegressor(**params, n_jobs=1, n_estimators=rounds).fit(X.iloc[fit_rows], y[fit_rows])
    kept = np.setdiff1d(valid_rows, dropped)
    by_hand = np.mean((model.predict(X.iloc[kept]) - y[kept]) ** 2)  # LightGBM's l2 on the kept rows alone
    assert loss == pytest.approx(by_hand, rel=1e-6)  # LightGBM keeps labels as float32
    assert 10 < rounds < MAX_ROUNDS  # stopped early, on the best round of the kept rows
    assert unweighted > 100 * loss  # unweighted, the far-off rows (off by 20) would dominate it


@pytest.mark.parametrize("seed", range(8))
def test_the_holdout_of_an_imbalanced_target_keeps_its_class_shares(seed):
    """holdout stratifies: 20% of 180/20 rows validates on exactly 36 and 4 of them, whatever the seed."""
    y = np.repeat([0, 1], [180, 20])
    fit_rows, valid_rows, y_valid = holdout(y, "binary", VALIDATION_FRACTION, seed)
    assert len(valid_rows) == 40 and len(fit_rows) == 160
    assert np.bincount(y[valid_rows]).tolist() == [36, 4]
    assert np.bincount(y[fit_rows]).tolist() == [144, 16]
    assert y_valid.tolist() == y[valid_rows].tolist()


def test_holdout_rounds_are_at_least_10_when_early_stopping_stops_at_once():
    """On a target of pure noise, whose hold-out stops at round 1, holdout_rounds still gives 10 rounds."""
    rng = np.random.default_rng(2)
    X = pd.DataFrame(rng.normal(size=(300, 4)), columns=list("abcd"))
    y = rng.normal(size=300)
    params = {"learning_rate": 1.0, "num_leaves": 31, "min_child_samples": 2, "verbosity": -1}
    fit_rows, valid_rows, _ = holdout(y, "regression", VALIDATION_FRACTION, 0)
    stopped = lgb.LGBMRegressor(**params, n_jobs=1, n_estimators=MAX_ROUNDS).fit(
        X.iloc[fit_rows], y[fit_rows], eval_X=(X.iloc[valid_rows],), eval_y=(y[valid_rows],),
        callbacks=[lgb.early_stopping(50, verbose=False)])
    assert stopped.best_iteration_ == 1  # the premise: the first round is the best
    assert holdout_rounds(params, X, y, "regression") == 10
    assert holdout_rounds({**params, "learning_rate": 0.9}, X, y, "regression", random_state=1) == 10


# --------------------------------------------------------------------------- the task and the target's scale


def test_an_integer_target_of_30_values_is_classes_and_of_31_a_quantity():
    """infer_task: up to 30 distinct whole numbers are classes, 31 are a regression target."""
    for n_values, task in ((30, "multiclass"), (31, "regression")):
        y = np.repeat(np.arange(n_values) * 2, 3)  # even numbers, with gaps: no class codes to warn about
        assert infer_task(pd.Series(y)) == task
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert load(np.arange(float(len(y))).reshape(-1, 1), y).task == task
    assert infer_task(pd.Series(np.repeat(np.arange(30), 2))) == "multiclass"  # codes 0 to 29: classes


def _scaled(std, n=100, seed=0):
    """A target of exactly this (population) standard deviation, as from_arrays measures it."""
    z = np.random.default_rng(seed).normal(size=n)
    return 5.0 + std * (z - z.mean()) / z.std()


def test_a_regression_target_just_below_0_03_is_a_warning_just_above_is_not():
    """from_arrays warns of a target's standard deviation below 0.03 (0.025), not above it (0.035)."""
    X = np.random.default_rng(1).normal(size=(100, 3))
    with pytest.warns(DataWarning, match=r"'narrow' has a standard deviation of 0.025: .*min_split_gain"):
        assert load(X, _scaled(0.025), name="narrow").task == "regression"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load(X, _scaled(0.035), name="wide").task == "regression"

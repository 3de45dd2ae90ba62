"""The top configuration checked against LightGBM's defaults by cross-validation, and handed out
the same way by ``recommend``, the estimators and batch."""

import json
from dataclasses import replace

import lightgbm as lgb
import numpy as np
import pytest
from sklearn.metrics import log_loss

from metahpo import holdout, recommendations
from metahpo.batch import run_batch
from metahpo.datasets import load
from metahpo.estimators import MetaLGBMClassifier
from metahpo.evaluation import make_folds
from metahpo.holdout import (CHECK_FOLDS, DEFAULT_ID, DefaultCheck, check_against_default, checks_default,
                             default_params)
from metahpo.recommendations import recommend, with_holdout_rounds


@pytest.fixture(scope="module")
def wine():
    return load("sklearn:wine")


# trees that cannot split wine's folds (about 142 training rows, at least 128 per leaf): one value per class
STUMPS = {"learning_rate": 0.1, "num_leaves": 4, "min_child_samples": 128, "colsample_bytree": 1.0, "subsample": 1.0,
          "reg_alpha": 0.0, "reg_lambda": 0.0, "min_split_gain": 0.0, "n_estimators": 50, "subsample_freq": 1,
          "verbosity": -1, "random_state": 0}


def test_the_check_is_a_paired_comparison_on_the_same_folds(wine):
    check = check_against_default(STUMPS, wine)
    y = wine.y.to_numpy()
    losses, accuracies = [], []
    for train, valid in make_folds(wine, CHECK_FOLDS, 0):
        proba = [lgb.LGBMClassifier(**params, n_jobs=1).fit(wine.X.iloc[train], y[train]).predict_proba(
            wine.X.iloc[valid]) for params in (STUMPS, default_params())]
        losses.append(log_loss(y[valid], proba[0], labels=np.unique(y)) - log_loss(y[valid], proba[1],
                                                                                    labels=np.unique(y)))
        accuracies.append(np.mean(proba[1].argmax(1) == np.searchsorted(np.unique(y), y[valid]))
                          - np.mean(proba[0].argmax(1) == np.searchsorted(np.unique(y), y[valid])))
    # the task's metric, neg_log_loss: the defaults' score above the configuration's is its log loss above theirs
    np.testing.assert_allclose(check.differences, losses, rtol=1e-6)
    assert check.metric == "neg_log_loss" and check.defaults_win and check.error is None
    holdout.forget()  # made again, side by side
    assert check_against_default(STUMPS, wine, n_jobs=2).differences.tolist() == check.differences.tolist()
    assert "so the defaults come first" in check.describe()
    by_accuracy = check_against_default(STUMPS, wine, metric="accuracy")  # or the metric the user asked for
    np.testing.assert_allclose(by_accuracy.differences, accuracies)
    assert by_accuracy.metric == "accuracy"


def test_a_binary_top_configuration_is_checked_on_roc_auc(tiny_kb):
    data = load("sklearn:breast_cancer")
    rec = recommend(data, n=1, knowledge_base=tiny_kb, verbose=False)
    assert rec.metric == "roc_auc" and "their roc_auc minus the top configuration's" in rec.notes[-1]
    check = check_against_default(rec.best, data)
    assert check.metric == "roc_auc" and f"{check.differences.mean():+.4g} on average" in rec.notes[-1]


def test_the_defaults_must_win_by_more_than_two_standard_errors():
    assert DefaultCheck(np.array([0.02, 0.03, 0.025, 0.02, 0.03]), "roc_auc").defaults_win
    assert not DefaultCheck(np.array([0.3, -0.2, 0.25, -0.1, 0.1]), "roc_auc").defaults_win  # noisy
    assert not DefaultCheck(np.array([-0.02, -0.03, -0.025, -0.02, -0.03]), "r2").defaults_win
    failed = DefaultCheck(np.empty(0), "r2", error="ValueError: boom")
    assert not failed.defaults_win and failed.describe().startswith("The check against LightGBM's defaults failed")
    assert [checks_default(n) for n in (99, 100, 9_999, 10_000)] == [False, True, True, False]


def test_a_clearly_worse_top_configuration_gives_way_to_the_defaults(tiny_kb, wine):
    kept = recommend(wine, n=3, knowledge_base=tiny_kb, rounds="recommended")
    worse = replace(kept, configs=[replace(kept.configs[0], params=STUMPS), *kept.configs[1:]])
    checked = with_holdout_rounds(worse, wine)
    assert len(checked) == 3 and checked.configs[0].config_id == DEFAULT_ID
    assert checked.best == default_params() and checked.configs[1].config_id == kept.configs[0].config_id
    assert checked.configs[0].expected_normalized is None and "not ranked by the knowledge base" in checked.explain()
    assert "so the defaults come first" in checked.notes[-1]
    # the knowledge base's entries move down one and say where it ranked them
    assert checked.configs[1].reason == f"the knowledge base's #1: {kept.configs[0].reason}"
    assert f" 3. normalized {kept.configs[1].expected_normalized:.3f}" in checked.explain()
    assert f"the knowledge base's #2: {kept.configs[1].reason}" in checked.explain().splitlines()[-1]
    assert checked.configs[0].reason.startswith("LightGBM's defaults (their 100 rounds, as checked), ahead of the "
                                                "knowledge base's top configuration")
    json.dumps(checked.to_dict())  # plain JSON: no NaN
    ours = lgb.LGBMClassifier(**checked.best, n_jobs=1).fit(wine.X, wine.y).predict_proba(wine.X)
    defaults = lgb.LGBMClassifier(n_jobs=1, verbosity=-1).fit(wine.X, wine.y)
    np.testing.assert_array_equal(ours, defaults.predict_proba(wine.X))


def test_recommend_the_estimators_and_batch_hand_out_the_checks_choice(tiny_kb, wine, monkeypatch, tmp_path, capsys):
    lost = DefaultCheck(np.full(CHECK_FOLDS, 0.1) + np.arange(CHECK_FOLDS) / 100, "neg_log_loss")
    monkeypatch.setattr(recommendations, "check_against_default", lambda *args, **kwargs: lost)
    rec = recommend(wine, n=3, knowledge_base=tiny_kb)
    assert rec.configs[0].config_id == DEFAULT_ID and rec.best == default_params()
    seeded = recommend(wine, n=3, knowledge_base=tiny_kb, random_state=5)  # seeds the hold-outs, not the models:
    assert {c.params["random_state"] for c in seeded.configs} == {0}  # the defaults seeded as the others are
    assert capsys.readouterr().err.splitlines()[-1].startswith(
        "top configuration against LightGBM's defaults on wine: done in")
    for rank in (0, 1):  # the estimators count in the same list
        model = MetaLGBMClassifier(knowledge_base=tiny_kb, rank=rank).fit(wine.X, wine.y)
        expected = {**rec.configs[rank].params, "n_jobs": 1}
        assert {k: model.params_[k] for k in expected} == expected
        assert model.params_ == model.recommendation_.configs[rank].params  # the list it trained from, and why:
        assert model.recommendation_.configs[0].config_id == DEFAULT_ID and model.recommendation_.notes == rec.notes
    run_batch(["sklearn:wine"], tmp_path / "out", knowledge_base=tiny_kb, progress=lambda line: None)
    assert json.loads((tmp_path / "out" / "params" / "sklearn-wine.json").read_text()) == rec.best


def test_the_estimators_defaults_keep_the_users_own_settings(tiny_kb, wine, monkeypatch):
    monkeypatch.setattr(recommendations, "check_against_default",
                        lambda *args, **kwargs: DefaultCheck(np.full(CHECK_FOLDS, 0.1), "neg_log_loss"))
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, class_weight="balanced", lambda_l2=2.0).fit(wine.X, wine.y)
    assert model.params_["class_weight"] == "balanced" and model.params_["reg_lambda"] == 2.0  # lambda_l2's name
    assert "lambda_l2" not in model.params_ and model.params_["num_leaves"] == 31  # the defaults, overridden


def test_the_check_reads_class_weights_keyed_by_the_users_labels():
    data = load("sklearn:breast_cancer").subsample(300)
    coded = check_against_default({**STUMPS, "min_child_samples": 20, "class_weight": {0: 1, 1: 5}}, data)
    named = replace(data, y=data.y.map({0: "neg", 1: "pos"}))
    by_name = check_against_default({**STUMPS, "min_child_samples": 20, "class_weight": {"neg": 1, "pos": 5}}, named)
    assert coded.error is None and by_name.error is None
    np.testing.assert_allclose(by_name.differences, coded.differences)


def test_class_weights_with_a_class_too_rare_for_every_fold_are_said():
    import pandas as pd

    from metahpo.datasets import from_arrays

    y = np.full(150, 2)
    y[40] = 5  # one row of 5: a fold's training part lacks it, where LightGBM's class_weight raised KeyError
    rare = from_arrays(pd.DataFrame({"a": np.arange(150.0)}), y, task="binary")
    check = check_against_default({**STUMPS, "class_weight": {2: 1, 5: 10}}, rare)
    assert check.error == "a class_weight dict names a class too rare for every fold's training part to hold it"
    named = check_against_default({**STUMPS, "class_weight": {2: 3}}, rare)  # every fold holds class 2: it runs
    assert named.error == "roc_auc scored on 1 of 5 folds (a class too rare)"


def test_folds_a_metric_cannot_score_are_left_out_of_the_check():
    import pandas as pd

    from metahpo.datasets import from_arrays

    y = np.zeros(150, dtype=int)
    y[[5, 40, 90, 140]] = 1  # four positives: some folds have none, and no ROC AUC
    rare = from_arrays(pd.DataFrame({"a": np.arange(150.0)}), y, task="binary")
    kept = check_against_default(default_params(), rare)
    assert kept.error is None and 2 <= len(kept.differences) < CHECK_FOLDS and np.isfinite(kept.differences).all()
    check = DefaultCheck(np.array([0.03, 0.46, 0.29]), "roc_auc")  # two of five folds had no positive
    assert "roc_auc scored on 3 of them" in check.describe() and check.defaults_win
    assert not DefaultCheck(np.array([2e-17, 1e-17, 3e-17, 2e-17, 1e-17]), "roc_auc").defaults_win  # rounding

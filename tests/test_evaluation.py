"""Tests of :mod:`metahpo.evaluation`: cross-validated scoring of one configuration."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import metahpo.evaluation as evaluation
from metahpo.datasets import Dataset, from_arrays, load
from metahpo.evaluation import (
    METRICS,
    Evaluation,
    check_metric,
    default_metric,
    evaluate,
    make_estimator,
    make_folds,
)
from metahpo.exceptions import ConfigError, DataError
from metahpo.spaces import LIGHTGBM, early_stopped

# early stopping picks the number of rounds (no n_estimators)
EARLY = {k: v for k, v in LIGHTGBM.default.items() if k != "n_estimators"}
# bagging and feature sampling on: exercises the seeded randomness
BAGGED = dict(EARLY, subsample=0.8, colsample_bytree=0.7, num_leaves=15)
FIXED = dict(EARLY, n_estimators=25)


@pytest.fixture(scope="module")
def breast_cancer() -> Dataset:
    return load("sklearn:breast_cancer")


@pytest.fixture(scope="module")
def iris() -> Dataset:
    return load("sklearn:iris")


@pytest.fixture(scope="module")
def diabetes() -> Dataset:
    return load("sklearn:diabetes")


@pytest.fixture(scope="module")
def cancer_eval(breast_cancer) -> Evaluation:
    return evaluate(EARLY, breast_cancer, cv=3, keep_oof=True)


@pytest.fixture(scope="module")
def iris_eval(iris) -> Evaluation:
    return evaluate(EARLY, iris, cv=3, keep_oof=True)


@pytest.fixture(scope="module")
def diabetes_eval(diabetes) -> Evaluation:
    return evaluate(EARLY, diabetes, cv=3, keep_oof=True)


def _small(task: str = "binary", n: int = 60, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    if task == "regression":
        y = 2 * X["a"] + rng.normal(scale=0.1, size=n)
    elif task == "binary":
        y = np.where(X["a"] > 0, "pos", "neg")
    else:
        y = np.digitize(X["a"], [-0.5, 0.5])
    return from_arrays(X, y, task=task)


def _check_result(result: Evaluation, task: str, cv: int) -> None:
    assert result.status == "ok" and result.ok, result.error
    assert result.error == ""
    assert set(METRICS[task]) <= set(result.scores)
    for name in METRICS[task]:
        assert math.isfinite(result.scores[name]), name
        assert len(result.fold_scores[name]) == cv, name
        assert all(math.isfinite(v) for v in result.fold_scores[name]), name
        assert result.scores[name] == pytest.approx(np.mean(result.fold_scores[name]))
    assert result.metric == default_metric(task)
    assert result.score == result.scores[result.metric]
    assert 0 < result.fit_time <= result.total_time
    assert result.best_iteration > 0


# --------------------------------------------------------------------------- metrics


def test_metrics_and_defaults():
    assert set(METRICS) == {"binary", "multiclass", "regression"}
    assert default_metric("binary") == "roc_auc"
    assert default_metric("multiclass") == "neg_log_loss"
    assert default_metric("regression") == "r2"
    for task, names in METRICS.items():
        assert default_metric(task) == names[0]
        assert check_metric(None, task) == names[0]
        for name in names:
            assert check_metric(name, task) == name
    assert check_metric("f1_macro", "multiclass") == "f1_macro"


def test_unknown_metric_is_a_config_error(iris):
    with pytest.raises(ConfigError, match="no_such_metric"):
        check_metric("no_such_metric", "binary")
    with pytest.raises(ConfigError, match="no_such_metric"):
        evaluate(EARLY, iris, cv=2, metric="no_such_metric")


def test_a_metric_of_the_other_kind_of_task_is_a_config_error():
    assert check_metric("f1", "binary") == "f1" and check_metric("neg_max_error", "regression") == "neg_max_error"
    with pytest.raises(ConfigError, match="metric 'r2' does not score binary models"):
        check_metric("r2", "binary")
    with pytest.raises(ConfigError, match="metric 'roc_auc' does not score regression models"):
        check_metric("roc_auc", "regression")
    with pytest.raises(ConfigError, match="metric 'f1' does not score multiclass models.*f1_macro, roc_auc_ovr"):
        check_metric("f1", "multiclass")
    assert check_metric("roc_auc_ovr", "multiclass") == "roc_auc_ovr"
    with pytest.raises(ConfigError, match="metric 'f1_samples' does not score binary models"):  # multilabel only
        check_metric("f1_samples", "binary")


def test_evaluate_and_optimize_check_their_counts(iris):
    from metahpo.search import RandomSampler, Study

    for kwargs, message in (({"early_stopping_rounds": 0}, "early_stopping_rounds must be a whole number"),
                            ({"early_stopping_rounds": 2.5}, "early_stopping_rounds must be a whole number"),
                            ({"timeout": -1}, "timeout must be a number of seconds, at least 0")):
        with pytest.raises(ConfigError, match=message):
            evaluate(EARLY, iris, cv=2, **kwargs)
    with pytest.raises(ConfigError, match="prune must be a whole number"):
        Study().optimize(lambda config: evaluate(config, iris, cv=2), RandomSampler(0), n_trials=1, prune=-1)


# --------------------------------------------------------------------------- real datasets


def test_binary_breast_cancer(cancer_eval):
    _check_result(cancer_eval, "binary", 3)
    assert cancer_eval.scores["roc_auc"] > 0.9
    assert cancer_eval.scores["accuracy"] > 0.85
    assert -0.5 < cancer_eval.scores["neg_log_loss"] < 0
    assert cancer_eval.best_iteration < LIGHTGBM.max_rounds  # early stopping stopped it
    assert cancer_eval.config == EARLY


def test_multiclass_iris(iris_eval):
    _check_result(iris_eval, "multiclass", 3)
    assert iris_eval.scores["accuracy"] > 0.85
    assert iris_eval.scores["balanced_accuracy"] > 0.85
    assert -0.6 < iris_eval.scores["neg_log_loss"] < 0


def test_regression_diabetes(diabetes_eval):
    _check_result(diabetes_eval, "regression", 3)
    assert diabetes_eval.scores["r2"] > 0.2
    assert diabetes_eval.scores["neg_root_mean_squared_error"] < 0
    assert diabetes_eval.scores["neg_mean_absolute_error"] < 0
    # RMSE >= MAE on every fold
    for rmse, mae in zip(diabetes_eval.fold_scores["neg_root_mean_squared_error"],
                         diabetes_eval.fold_scores["neg_mean_absolute_error"]):
        assert -rmse >= -mae


def test_out_of_fold_predictions_classification(breast_cancer, iris, cancer_eval, iris_eval):
    for ds, result in ((breast_cancer, cancer_eval), (iris, iris_eval)):
        oof = result.oof
        assert oof.shape == (ds.n_rows, len(ds.classes))
        assert not np.isnan(oof).any()
        np.testing.assert_allclose(oof.sum(axis=1), 1.0, atol=1e-5)
        assert np.all((oof >= 0) & (oof <= 1))
        # oof agrees with the reported accuracy
        codes = np.searchsorted(ds.classes, ds.y.to_numpy())
        assert np.mean(oof.argmax(axis=1) == codes) == pytest.approx(result.scores["accuracy"], abs=0.02)


def test_out_of_fold_predictions_regression(diabetes, diabetes_eval):
    oof = diabetes_eval.oof
    assert oof.shape == (diabetes.n_rows,)
    assert not np.isnan(oof).any()
    assert np.corrcoef(oof, diabetes.y.to_numpy())[0, 1] > 0.4


def test_no_oof_unless_asked():
    result = evaluate(FIXED, _small(), cv=2)
    assert result.ok and result.oof is None


def test_fixed_rounds_config_trains_exactly_that_many(iris):
    result = evaluate(FIXED, iris, cv=3)
    _check_result(result, "multiclass", 3)
    assert result.best_iteration == 25


def test_early_stopping_best_iteration_positive_and_capped(diabetes_eval):
    assert 0 < diabetes_eval.best_iteration < LIGHTGBM.max_rounds


def test_same_folds_give_identical_scores(breast_cancer):
    folds = make_folds(breast_cancer, cv=3, random_state=5)
    a = evaluate(BAGGED, breast_cancer, folds=folds)
    b = evaluate(BAGGED, breast_cancer, folds=folds)
    assert a.ok and b.ok
    assert a.fold_scores == b.fold_scores
    assert a.scores == b.scores
    assert a.best_iteration == b.best_iteration
    # the folds evaluate() makes itself are those of make_folds with the same seed
    c = evaluate(BAGGED, breast_cancer, cv=3, random_state=5)
    d = evaluate(BAGGED, breast_cancer, folds=folds, random_state=5)
    assert c.ok and c.fold_scores == d.fold_scores


def test_extra_sklearn_scorer_is_computed(iris):
    result = evaluate(FIXED, iris, cv=3, metric="f1_macro")
    assert result.ok
    assert result.metric == "f1_macro"
    assert len(result.fold_scores["f1_macro"]) == 3
    assert 0.8 < result.scores["f1_macro"] <= 1.0
    assert result.score == result.scores["f1_macro"]
    for name in METRICS["multiclass"]:  # the task's metrics are scored too
        assert math.isfinite(result.scores[name])


def test_task_metric_as_primary_is_not_scored_twice(breast_cancer):
    result = evaluate(FIXED, breast_cancer, cv=2, metric="accuracy")
    assert result.metric == "accuracy"
    assert set(result.scores) == set(METRICS["binary"])
    assert result.score == result.scores["accuracy"]


# --------------------------------------------------------------------------- failures


def test_invalid_config_raises_before_training(monkeypatch):
    calls = []
    real = evaluation.make_estimator
    monkeypatch.setattr(evaluation, "make_estimator", lambda *a, **k: calls.append(1) or real(*a, **k))
    with pytest.raises(ConfigError, match="num_leaves"):
        evaluate(dict(EARLY, num_leaves=1), _small(), cv=2)
    with pytest.raises(ConfigError, match="bogus"):
        evaluate(dict(EARLY, bogus=1), _small(), cv=2)
    assert calls == []


class _Exploding:
    n_estimators = 10
    best_iteration_ = 0

    def fit(self, *args, **kwargs):
        raise RuntimeError("LightGBM exploded: bad split")


def test_crash_inside_training_is_a_recorded_failure(monkeypatch):
    monkeypatch.setattr(evaluation, "make_estimator", lambda *a, **k: _Exploding())
    result = evaluate(EARLY, _small(), cv=2, keep_oof=True)
    assert result.status == "failed"
    assert not result.ok
    assert "RuntimeError" in result.error and "exploded" in result.error
    assert math.isnan(result.score)
    assert result.scores == {} and result.oof is None
    assert result.total_time >= 0


def test_crash_on_a_later_fold_is_a_recorded_failure(monkeypatch):
    made = []

    def factory(*args, **kwargs):
        made.append(1)
        return make_estimator(*args, **kwargs) if len(made) == 1 else _Exploding()

    monkeypatch.setattr(evaluation, "make_estimator", factory)
    result = evaluate(FIXED, _small(), cv=3)
    assert result.status == "failed" and "exploded" in result.error
    assert math.isnan(result.score)


def test_pruning_stops_after_the_fold_where_the_mean_falls_below_its_bar(breast_cancer):
    folds = make_folds(breast_cancer, 3, random_state=0)
    full = evaluate(EARLY, breast_cancer, folds=folds, keep_oof=True)
    never = evaluate(EARLY, breast_cancer, folds=folds, keep_oof=True, prune_below=[-math.inf] * 3)
    assert never.ok and never.scores == full.scores  # a bar nothing falls below changes nothing
    first = full.fold_scores["roc_auc"][0]
    pruned = evaluate(EARLY, breast_cancer, folds=folds, keep_oof=True, prune_below=[first + 1e-9, -1.0, -1.0])
    assert pruned.status == "pruned" and not pruned.ok and pruned.scored
    assert pruned.fold_scores["roc_auc"] == [first] and pruned.score == first
    assert pruned.oof is None  # incomplete out-of-fold predictions are no ensemble member's
    # the last fold's bar is never applied: a trial that ran every fold is complete
    assert evaluate(EARLY, breast_cancer, folds=folds, prune_below=[-1.0, -1.0, 2.0]).ok


def test_pruning_needs_folds_and_a_bar_per_fold(breast_cancer):
    with pytest.raises(ConfigError, match="one bar per fold"):
        evaluate(EARLY, breast_cancer, cv=3, prune_below=[0.5, 0.5, 0.5])
    with pytest.raises(ConfigError, match="one bar per fold"):
        evaluate(EARLY, breast_cancer, folds=make_folds(breast_cancer, 3), prune_below=[0.5])


def test_timeout_is_recorded():
    for config in (EARLY, FIXED):
        result = evaluate(config, _small(n=200), cv=2, timeout=1e-9)
        assert result.status == "timeout"
        assert not result.ok
        assert result.error
        assert math.isnan(result.score)


def test_generous_timeout_is_ok():
    result = evaluate(FIXED, _small(), cv=2, timeout=600)
    assert result.ok


def test_too_few_rows_for_cv_is_a_data_error():
    ds = from_arrays(np.arange(4.0).reshape(-1, 1), np.array([0, 1, 0, 1]))
    with pytest.raises(DataError):
        evaluate(FIXED, ds, cv=5)


# --------------------------------------------------------------------------- folds


def test_make_folds_is_stratified_and_partitions_rows(iris):
    folds = make_folds(iris, cv=3, random_state=0)
    assert len(folds) == 3
    codes = iris.y.to_numpy()
    seen = np.concatenate([valid for _, valid in folds])
    assert sorted(seen) == list(range(iris.n_rows))
    for train, valid in folds:
        assert len(np.intersect1d(train, valid)) == 0
        assert len(train) + len(valid) == iris.n_rows
        assert set(codes[valid]) == set(codes)
        assert set(codes[train]) == set(codes)
        # stratified: iris has 50 of each class, so each validation fold holds 16 or 17 of each
        assert all(16 <= np.sum(codes[valid] == c) <= 17 for c in set(codes))


def test_make_folds_deterministic_and_seeded(iris):
    a = make_folds(iris, cv=3, random_state=1)
    b = make_folds(iris, cv=3, random_state=1)
    c = make_folds(iris, cv=3, random_state=2)
    assert all(np.array_equal(x[1], y[1]) for x, y in zip(a, b))
    assert not all(np.array_equal(x[1], y[1]) for x, y in zip(a, c))


def test_folds_are_stratified_on_class_codes_whatever_the_labels(iris):
    """The folds of text labels are those of their integer codes; labels that are numbers not all
    whole (0.5, 1.5), which scikit-learn's and LightGBM's classifiers take for a quantity, are
    refused with the remedy before any work."""
    named = from_arrays(iris.X, np.array(["setosa", "versicolor", "virginica"])[iris.y.to_numpy()])
    folds, expected = make_folds(named, cv=3, random_state=4), make_folds(iris, cv=3, random_state=4)
    assert all(np.array_equal(a, b) for pair in zip(folds, expected) for a, b in zip(*pair))
    with pytest.raises(DataError, match=r"task 'multiclass' but the classes of 'dataset' are numbers not all whole "
                                        r"\(0.5, 1.5, 2.5\): .* give the classes as text \(y.astype\(str\)\)"):
        from_arrays(iris.X, iris.y.to_numpy() + 0.5, task="multiclass")
    assert evaluate(early_stopped(LIGHTGBM.default), from_arrays(iris.X, iris.y.to_numpy() + 1.0, task="multiclass"),
                    cv=3).ok  # whole numbers as floats are classes


def test_make_folds_regression():
    ds = _small("regression", n=31)
    folds = make_folds(ds, cv=3)
    assert len(folds) == 3
    assert sorted(np.concatenate([v for _, v in folds])) == list(range(31))


def test_make_folds_falls_back_when_a_class_is_rarer_than_folds():
    y = np.array([0] * 20 + [1] * 19 + [2])
    ds = from_arrays(np.arange(40.0).reshape(-1, 1), y)
    folds = make_folds(ds, cv=3)
    assert len(folds) == 3
    assert sorted(np.concatenate([v for _, v in folds])) == list(range(40))


@pytest.mark.parametrize("y, cv, seed", [
    (np.array([0, 0, 0, 0, 1] * 2), 5, 0),  # fold 2 validates on both rows of class 1 and trains on class 0
    (np.array(["a"] * 8 + ["b"] * 8 + ["c"] * 2), 9, 3),  # a fold validates on both rows of class c alone
])
def test_make_folds_refuses_a_fold_validated_on_classes_it_never_trains_on(y, cv, seed):
    """Shuffled folds (a class rarer than the folds) of which one validates on none of the classes
    its training part holds are refused with the remedy, rather than left to fail every trial."""
    ds = from_arrays(np.arange(float(len(y))).reshape(-1, 1), y)
    with pytest.raises(DataError, match=rf"^{cv}-fold cross-validation of 'dataset' validates fold \d+ on none of the "
                                        rf"classes its training part holds: .* give fewer folds \(cv\)"):
        make_folds(ds, cv=cv, random_state=seed)
    folds = make_folds(ds, cv=2, random_state=seed)  # fewer folds: stratified
    assert all(set(y[train]) == set(y) for train, _ in folds)


def test_make_folds_checks_the_dataset():
    ds = from_arrays(np.arange(3.0).reshape(-1, 1), np.array([0, 1, 0]))
    with pytest.raises(DataError, match="fewer than"):
        make_folds(ds, cv=5)


# --------------------------------------------------------------------------- rare classes


def _rare_class_dataset(labels=("b", "a", "c")) -> Dataset:
    """Two well-separated common classes and one class with a single member."""
    common1, rare, common2 = labels
    rng = np.random.default_rng(0)
    y = np.array([common1] * 30 + [rare] + [common2] * 29, dtype=object)
    x = np.where(y == common1, 0.0, np.where(y == common2, 10.0, 5.0)) + rng.normal(scale=0.5, size=60)
    X = pd.DataFrame({"x": x, "noise": rng.normal(size=60)})
    return from_arrays(X, y)


@pytest.mark.parametrize("labels", [("a", "b", "c"), ("b", "a", "c"), ("a", "c", "b")])
def test_rare_class_missing_from_a_training_fold_still_evaluates(labels):
    ds = _rare_class_dataset(labels)
    assert ds.task == "multiclass" and len(ds.classes) == 3
    folds = make_folds(ds, cv=3)
    codes = np.searchsorted(ds.classes, ds.y.to_numpy())
    assert any(len(set(codes[train])) < 3 for train, _ in folds)  # the situation under test
    for config in (FIXED, EARLY):
        result = evaluate(dict(config, min_child_samples=5), ds, folds=folds, keep_oof=True)
        assert result.ok, result.error
        assert result.oof.shape == (60, 3)
        assert not np.isnan(result.oof).any()
        np.testing.assert_allclose(result.oof.sum(axis=1), 1.0, atol=1e-5)
        for name in METRICS["multiclass"]:
            assert len(result.fold_scores[name]) == 3 and math.isfinite(result.scores[name])
    # with fixed rounds, the columns are aligned to the classes: the common classes are recognised
    result = evaluate(dict(FIXED, min_child_samples=5), ds, folds=folds, keep_oof=True)
    common = codes != np.searchsorted(ds.classes, labels[1])
    assert np.mean(result.oof[common].argmax(axis=1) == codes[common]) > 0.85
    for train, valid in folds:
        if len(set(codes[train])) < 3:  # the fold lacking the rare class predicts it with 0
            missing = (set(range(3)) - set(codes[train])).pop()
            assert np.all(result.oof[valid, missing] == 0)


@pytest.mark.parametrize("labels", [("b", "a", "c"), ("a", "b", "c")])
def test_early_stopping_on_a_fold_lacking_a_class_uses_correct_labels(labels):
    """Early stopping must judge the validation rows by the labels the fold's model was trained on.

    When the training part lacks a class that is not the last one, the remaining classes are
    renumbered by LightGBM; raw validation labels then point at the wrong classes and early
    stopping stops after a round or so, leaving the common classes poorly predicted.
    """
    ds = _rare_class_dataset(labels)
    folds = make_folds(ds, cv=3)
    codes = np.searchsorted(ds.classes, ds.y.to_numpy())
    result = evaluate(dict(EARLY, min_child_samples=5), ds, folds=folds, keep_oof=True)
    assert result.ok, result.error
    rare = np.searchsorted(ds.classes, labels[1])
    for train, valid in folds:
        if rare in codes[train]:
            continue
        rows = valid[codes[valid] != rare]
        confidence = result.oof[rows, codes[rows]]
        # well separated classes: a properly early-stopped model is confident
        assert confidence.mean() > 0.8, f"mean probability of the true class {confidence.mean():.2f}"


# --------------------------------------------------------------------------- estimator


def test_make_estimator_kinds_and_rounds():
    import lightgbm as lgb

    reg = make_estimator(EARLY, "regression")
    assert isinstance(reg, lgb.LGBMRegressor)
    assert reg.n_estimators == LIGHTGBM.max_rounds
    clf = make_estimator(FIXED, "binary", random_state=3)
    assert isinstance(clf, lgb.LGBMClassifier)
    assert clf.n_estimators == 25
    assert clf.get_params()["random_state"] == 3
    assert clf.get_params()["subsample_freq"] == 1
    assert make_estimator(FIXED, "multiclass", n_estimators=7).n_estimators == 7
    with pytest.raises(ConfigError):
        make_estimator(dict(EARLY, learning_rate=-1.0), "binary")


def test_categorical_features_are_used():
    rng = np.random.default_rng(4)
    colour = rng.choice(["red", "green", "blue", "grey"], size=600)
    frame = pd.DataFrame({"colour": colour, "noise": rng.normal(size=600),
                          "y": np.where(np.isin(colour, ["red", "blue"]), "hot", "cold")})
    ds = load(frame, target="y")
    assert ds.categorical == ("colour",)
    result = evaluate(dict(FIXED, min_child_samples=5), ds, cv=3, keep_oof=True)
    assert result.ok, result.error
    assert result.scores["roc_auc"] > 0.95
    assert result.oof.shape == (600, 2)


def test_patience_is_tied_to_the_learning_rate():
    from metahpo.families.lightgbm import patience

    base = LIGHTGBM.sample(1, 0)[0]
    assert [patience({**base, "learning_rate": lr}) for lr in (0.3, 0.1, 0.01, 0.001)] == [34, 100, 1000, 1000]
    assert patience({**base, "learning_rate": 1.0}) == 30


def test_slow_learner_is_not_stopped_at_its_first_plateau():
    data = load("sklearn:breast_cancer")
    slow = {**LIGHTGBM.sample(1, 0)[0], "learning_rate": 0.01, "num_leaves": 4, "min_child_samples": 20}
    folds = make_folds(data, 3)
    waited = evaluate(slow, data, folds=folds)
    hasty = evaluate(slow, data, folds=folds, early_stopping_rounds=5)
    assert waited.best_iteration > hasty.best_iteration and waited.scores["neg_log_loss"] > hasty.scores["neg_log_loss"]


def test_a_binary_target_with_a_single_positive_evaluates():
    """The fold whose training part lacks the positive learns one class; it is scored, not a crash."""
    rng = np.random.default_rng(0)
    y = np.zeros(60, dtype=int)
    y[7] = 1
    ds = from_arrays(rng.normal(size=(60, 3)), y)
    result = evaluate(dict(FIXED), ds, folds=make_folds(ds, cv=3), keep_oof=True)
    assert result.ok, result.error
    assert result.oof.shape == (60, 2) and np.allclose(result.oof.sum(axis=1), 1.0)


def test_a_scorer_scores_folds_lacking_a_class_where_it_can_and_no_others():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(120, 3)))
    dataset = from_arrays(X, np.r_[np.zeros(60), np.ones(59), [2]].astype(int), task="multiclass")
    result = evaluate(FIXED, dataset, cv=3, metric="roc_auc_ovr")  # one row of class 2: two folds never see it
    assert result.ok
    scores = np.array(result.fold_scores["roc_auc_ovr"])
    assert np.isnan(scores).sum() == 2 and 0 <= np.nanmax(scores) <= 1  # only a part with all three has an AUC
    assert result.score == np.nanmax(scores)
    f1 = evaluate(FIXED, dataset, cv=3, metric="f1_macro").fold_scores["f1_macro"]
    assert np.isfinite(f1).all()  # a model trained without class 2 still predicts among all three

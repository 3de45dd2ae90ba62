"""Gradient-based tuning: hypergradients against finite differences, the sampler, tune(sampler="gradient")."""

from __future__ import annotations

import dataclasses
import logging
import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit, softmax

from metahpo.datasets import Dataset, from_arrays
from metahpo.evaluation import Evaluation, evaluate, make_folds
from metahpo.exceptions import ConfigError, DataWarning, SamplerError
from metahpo.families import get_family
from metahpo.families.linear import make_preprocessor
from metahpo.families.linear_gradient import ridge_hypergradient
from metahpo.search import GradientSampler, Study, make_sampler
from metahpo.spaces import Param, SearchSpace
from metahpo.tuning import tune

LINEAR = get_family("linear")
# solved to machine precision, so that finite differences of the loss see the exact optimum
TIGHT = dataclasses.replace(LINEAR.space_for("binary"), fixed={"tol": 1e-12, "max_iter": 100_000})


def _data(task: str, n: int = 120, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=["a", "b", "c", "d"])
    X.loc[rng.random(n) < 0.1, "c"] = np.nan  # a missing indicator too
    X["colour"] = pd.Categorical(rng.choice(["red", "green", "blue"], size=n))
    signal = X["a"] - 0.5 * X["b"] + (X["colour"] == "red") + rng.normal(scale=1.0, size=n)
    if task == "regression":
        y = signal.to_numpy()
    elif task == "binary":
        y = np.where(signal > 1.0, "yes", "no")  # unbalanced: class weights matter
    else:
        y = np.digitize(signal, [-0.5, 0.8])
    return from_arrays(X, y, task=task)


def _central_difference(config: dict, data: Dataset, space: SearchSpace | None, h: float = 1e-3) -> float:
    """d loss / d log(alpha) by central differences of the cross-validated loss."""
    folds = make_folds(data, 3)

    def loss(log_alpha: float) -> float:
        moved = {**config, "alpha": math.exp(log_alpha)}
        return evaluate(moved, data, folds=folds, family="linear", space=space, hypergradient=True).loss

    x = math.log(config["alpha"])
    return (loss(x + h) - loss(x - h)) / (2 * h)


@pytest.mark.parametrize("expansion", ["none", "spline"])
@pytest.mark.parametrize("alpha", [0.3, 30.0])
def test_ridge_hypergradient_matches_finite_differences(expansion, alpha):
    data = _data("regression")
    config = {"alpha": alpha, "expansion": expansion}
    result = evaluate(config, data, folds=make_folds(data, 3), family="linear", hypergradient=True)
    assert result.ok, result.error
    # the loss is the validation mean squared error the scores report, fold by fold, in the variances of
    # the folds' training targets
    rmse = -np.array(result.fold_scores["neg_root_mean_squared_error"])
    variances = [np.var(data.y.to_numpy()[train]) for train, _ in make_folds(data, 3)]
    assert result.loss == pytest.approx(np.mean(rmse**2 / variances), rel=1e-9)
    expected = _central_difference(config, data, None)
    assert result.gradient["alpha"] == pytest.approx(expected, rel=1e-4)


# where lbfgs's optimum is exact to the precision finite differences need (it stops at a relative
# decrease of 64 machine epsilons; weakly regularized multinomial fits then differ by 1e-3)
@pytest.mark.parametrize("task, class_weight, alpha", [
    ("binary", "none", 10.0), ("binary", "balanced", 1.0), ("multiclass", "none", 10.0),
    ("multiclass", "balanced", 30.0),
])
def test_logistic_hypergradient_matches_finite_differences(task, class_weight, alpha):
    data = _data(task)
    config = {"alpha": alpha, "l1_ratio": 0.0, "expansion": "none", "class_weight": class_weight}
    result = evaluate(config, data, folds=make_folds(data, 3), family="linear", space=TIGHT, hypergradient=True)
    assert result.ok, result.error
    assert result.loss == pytest.approx(-result.scores["neg_log_loss"], rel=1e-9)
    expected = _central_difference(config, data, TIGHT)
    assert abs(expected) > 1e-4  # a slope worth checking
    assert result.gradient["alpha"] == pytest.approx(expected, rel=1e-4)


# 40 training rows, 90 coefficients and an intercept per vector (the last class's intercept held)
@pytest.mark.parametrize("n_classes, solved_shape", [(2, (91, 40 + 1)), (3, (3 * 91 - 1, 3 * 40 + 3))])
def test_logistic_hypergradient_of_wide_data_matches_finite_differences(monkeypatch, n_classes, solved_shape):
    """More coefficients than rows: the step is solved in the rows' space (Woodbury)."""
    from metahpo.families import linear_gradient

    solved, in_row_space = [], linear_gradient._step_in_row_space

    def spy(A, factors, ridge, mixed, free):
        n, m, r = factors.shape
        solved.append((int(free.sum()), n * r + m))  # the free parameters, the system's size
        return in_row_space(A, factors, ridge, mixed, free)

    monkeypatch.setattr(linear_gradient, "_step_in_row_space", spy)
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(60, 90)), columns=[f"x{i}" for i in range(90)])
    signal = X["x0"] + X["x1"] + rng.normal(size=60)
    y = np.where(signal > 0, "yes", "no") if n_classes == 2 else np.digitize(signal, [-0.7, 0.7])
    data = from_arrays(X, y, task="binary" if n_classes == 2 else "multiclass")
    config = {"alpha": 10.0, "l1_ratio": 0.0, "expansion": "none", "class_weight": "none"}
    result = evaluate(config, data, folds=make_folds(data, 3), family="linear", space=TIGHT, hypergradient=True)
    assert solved == [solved_shape] * 3
    expected = _central_difference(config, data, TIGHT, h=1e-4)
    assert abs(expected) > 1e-4
    assert result.gradient["alpha"] == pytest.approx(expected, rel=1e-3)


@pytest.mark.parametrize("n_classes", [1, 4])
@pytest.mark.parametrize("ridge", [0.3, 1e10])
def test_the_step_in_the_rows_space_is_the_dense_solve(n_classes, ridge):
    """Woodbury's solve equals the formed Hessian's on an elastic net's active set, wide and narrow, the
    last class's intercept held; a large ridge keeps the intercepts' part (it was lost to rounding)."""
    from metahpo.families import linear_gradient

    rng = np.random.default_rng(0)
    for n, p in [(30, 80), (80, 30)]:
        A = np.hstack([rng.normal(size=(n, p)), np.ones((n, 1))])
        logits = rng.normal(size=(n, n_classes))
        P = expit(logits) if n_classes == 1 else softmax(logits, axis=1)
        weights = rng.uniform(0.5, 2.0, size=n)
        intercepts = np.arange(n_classes * (p + 1)) % (p + 1) == p
        free = (rng.random(n_classes * (p + 1)) < 0.7) | intercepts
        free[-1] = n_classes == 1
        mixed = np.where(intercepts, 0.0, rng.normal(size=n_classes * (p + 1)))
        hessian = linear_gradient._hessian(A, P, weights) + ridge * np.diag(~intercepts)
        dense = np.linalg.solve(hessian[np.ix_(free, free)], mixed[free])
        woodbury = linear_gradient._step_in_row_space(A, linear_gradient._factors(P, weights), ridge, mixed, free)
        np.testing.assert_allclose(woodbury, dense, rtol=1e-7, atol=1e-14 * np.abs(dense).max())


def test_elastic_net_hypergradient_on_the_active_set():
    """With an L1 part, coefficients at zero stay there; the derivative is taken on the others."""
    data = _data("binary", n=80)
    config = {"alpha": 3.0, "l1_ratio": 0.5, "expansion": "none", "class_weight": "none"}
    result = evaluate(config, data, folds=make_folds(data, 3), family="linear", space=TIGHT, hypergradient=True)
    assert result.gradient["alpha"] == pytest.approx(_central_difference(config, data, TIGHT, h=1e-4), rel=1e-3)


def test_hypergradient_is_for_families_that_have_one():
    data = _data("binary", n=40)
    with pytest.raises(ConfigError, match="lightgbm family has no hypergradient"):
        evaluate({"learning_rate": 0.1, "num_leaves": 7, "min_child_samples": 5, "colsample_bytree": 1.0,
                  "subsample": 1.0, "reg_alpha": 0.0, "reg_lambda": 0.0, "min_split_gain": 0.0},
                 data, cv=2, hypergradient=True)
    with pytest.raises(ConfigError, match="needs a family with a hypergradient"):
        tune(data, n_trials=2, sampler="gradient", family="lightgbm", verbose=False)


# --------------------------------------------------------------------------- the sampler

TOY = SearchSpace(family="toy", version="toy-1", params=(Param("alpha", 1e-4, 1e4, log=True),
                                                         Param("shape", choices=("round", "square"))),
                  fixed={}, default={"alpha": 1.0, "shape": "square"}, max_rounds=None)


def _parabola(config: dict) -> Evaluation:
    """A loss with its minimum at alpha = e^2, and its derivative with respect to log(alpha)."""
    x = math.log(config["alpha"])
    loss = (x - 2.0) ** 2 + (0.5 if config["shape"] == "round" else 0.0)
    return Evaluation(config, "score", scores={"score": -loss}, loss=loss, gradient={"alpha": 2 * (x - 2.0)})


def test_gradient_sampler_descends_to_the_minimum(caplog):
    study = Study(TOY)
    with caplog.at_level(logging.INFO, logger="metahpo.search.study"):
        study.optimize(_parabola, GradientSampler(), n_trials=30)
    trials = study.trials
    assert {t.source for t in trials} == {"gradient"} and trials[0].config == TOY.default
    assert {t.config["shape"] for t in trials} == {"square"}  # the other parameters stay at the start's
    assert math.log(study.best_config["alpha"]) == pytest.approx(2.0, abs=1e-3)
    assert len(trials) <= 8  # a quadratic: one secant step finds it, the next confirms it
    assert "converged" in caplog.text and "already evaluated" not in caplog.text
    accepted = [t.user_attrs["loss"] for t in trials]
    assert accepted[-1] == min(accepted)


def test_gradient_sampler_starts_from_the_warm_start_with_the_lowest_loss():
    study = Study(TOY)
    sampler = make_sampler("gradient", space=TOY, warm_start_configs=[{"alpha": 1e-3, "shape": "square"},
                                                                       {"alpha": 1.0, "shape": "round"}],
                           warm_start_source="default")
    study.optimize(_parabola, sampler, n_trials=12)
    assert [t.source for t in study.trials[:2]] == ["default", "default"]
    descent = study.trials[2:]
    assert descent and {t.config["shape"] for t in descent} == {"round"}  # from alpha=1 (loss 4.5 < 83)
    assert sampler.converged


def test_gradient_sampler_respects_the_box_and_backtracks():
    # the minimum lies beyond the range: the descent stops at its edge
    def beyond(config: dict) -> Evaluation:
        x = math.log(config["alpha"])
        return Evaluation(config, "score", scores={"score": x}, loss=-x, gradient={"alpha": -1.0})

    study = Study(TOY)
    study.optimize(beyond, GradientSampler(start={"alpha": 1e3, "shape": "round"}), n_trials=20)
    assert study.best_config["alpha"] == pytest.approx(1e4)

    # a loss that grows wherever the gradient points: each step is halved until the search gives up
    def liar(config: dict) -> Evaluation:
        x = math.log(config["alpha"])
        return Evaluation(config, "score", scores={"score": -abs(x)}, loss=abs(x), gradient={"alpha": 1.0})

    study = Study(TOY)
    sampler = GradientSampler()
    study.optimize(liar, sampler, n_trials=40)
    assert sampler.converged and len(study.trials) < 40 and study.best_config["alpha"] == 1.0


def test_gradient_sampler_checks_its_arguments():
    with pytest.raises(ConfigError, match="max_step"):
        GradientSampler(max_step=0)


def _valley(config: dict) -> Evaluation:
    """A loss with its minimum at alpha = e^0.5, short of the first step from alpha = 1; a score that
    prefers alpha = 1 (as ROC AUC and log loss can disagree)."""
    x = math.log(config["alpha"])
    loss, gradient = (x - 0.5) ** 2, {"alpha": 2 * (x - 0.5)}
    return Evaluation(config, "score", scores={"score": -abs(x)}, loss=loss, gradient=gradient)


def test_a_resumed_descent_accepts_the_step_the_whole_one_accepted():
    whole = Study(TOY)
    whole.optimize(_valley, GradientSampler(), n_trials=8)
    log_alphas = [math.log(t.config["alpha"]) for t in whole.trials]
    assert log_alphas == pytest.approx([0.0, math.log(10), math.log(10) / 2, math.log(10) / 4, 0.5])  # 2 halvings
    # resumed from its first four trials, as tune resumes: a record keeps no loss or gradient, and the best-scored
    # trial (the start) is evaluated again for them
    resumed = Study(TOY)
    resumed.add_trials(dataclasses.replace(t, user_attrs=t.user_attrs if t is whole.best_trial else {})
                       for t in whole.trials[:4])
    sampler = GradientSampler()
    resumed.optimize(_valley, sampler, n_trials=8)
    steps = [math.log(t.config["alpha"]) for t in resumed.trials[4:]]
    # each recorded step is retraced just short of it (its loss unknown), the third accepted: the next is the minimum
    assert steps == pytest.approx([*log_alphas[1:4], 0.5], rel=0.02) and steps[:3] != log_alphas[1:4]
    assert sampler.converged


def test_gradient_sampler_says_why_it_cannot_begin(caplog):
    # an objective without a hypergradient is a mistake: said, not a search that stops after one trial
    study = Study(TOY)
    with pytest.raises(SamplerError, match="hypergradient=True"):
        study.optimize(lambda c: Evaluation(c, "score", scores={"score": 1.0}), GradientSampler(), n_trials=5)
    assert len(study.trials) == 1
    # a start that fails ends the descent, said as such, with no random trials in its place
    study = Study(TOY)
    with caplog.at_level(logging.WARNING):
        study.optimize(lambda c: Evaluation(c, "score", scores={}, status="failed", error="boom"), GradientSampler(),
                       n_trials=5)
    assert len(study.trials) == 1 and "start failed (boom)" in caplog.text


def test_a_gradient_sampler_reused_on_another_study_descends_again():
    sampler = GradientSampler()
    for _ in range(2):
        study = Study(TOY)
        study.optimize(_parabola, sampler, n_trials=30)
        assert math.log(study.best_config["alpha"]) == pytest.approx(2.0, abs=1e-3)


# --------------------------------------------------------------------------- tune

def test_tune_gradient_finds_the_grid_optimum_of_ridge():
    data = _data("regression", n=150)
    # no warm start: the gradient starts from the space's default, not from the shipped knowledge base
    result = tune(data, n_trials=20, sampler="gradient", family="linear", cv=3, warm_start=0, verbose=False,
                  random_state=0)
    trials = result.study.trials
    assert trials[0].config == LINEAR.space_for("regression").default
    assert {t.source for t in trials} == {"gradient"} and len(trials) < 20  # converged early
    assert {t.config["expansion"] for t in trials} == {"none"}
    # every point a trial, each with its loss; the best is a fine grid's best (the loss of each
    # alpha in closed form, on the folds' preprocessed features)
    folds, y = make_folds(data, 3, random_state=0), data.y.to_numpy()
    features = [make_preprocessor("none").fit(data.X.iloc[train]) for train, _ in folds]
    matrices = [(f.transform(data.X.iloc[train]), y[train], f.transform(data.X.iloc[valid]), y[valid])
                for f, (train, valid) in zip(features, folds)]
    grid = [np.mean([ridge_hypergradient(*m, alpha)[0] / np.var(m[1]) for m in matrices])  # in the target's variances
            for alpha in np.geomspace(1e-3, 1e4, 400)]
    best_loss = min(t.user_attrs["loss"] for t in trials)
    assert best_loss <= min(grid) * (1 + 1e-6)
    assert result.family == "linear" and result.to_dict()["family"] == "linear"
    with pytest.warns(DataWarning, match="standard deviation of 0.0015"):  # LightGBM's concern, not the linear family's
        scaled = from_arrays(data.X, data.y / 1000)
    small = tune(scaled, n_trials=20, sampler="gradient", family="linear", cv=3,
                 warm_start=0, verbose=False, random_state=0)  # the same descent whatever the target's scale
    assert [t.config["alpha"] for t in small.study.trials] == pytest.approx([t.config["alpha"] for t in trials])


def test_tune_gradient_descends_from_the_best_prior_trial():
    data = _data("regression", n=150)
    default = LINEAR.space_for("regression").default
    prior = pd.DataFrame([{**default, "score": 0.4}, {**default, "alpha": 30.0, "score": 0.5}])
    result = tune(data, n_trials=4, sampler="gradient", family="linear", cv=3, warm_start=0, verbose=False, prior=prior)
    trials = result.study.trials
    assert [t.source for t in trials] == ["prior", "prior", *["gradient"] * (len(trials) - 2)] and len(trials) > 2
    assert "gradient" in trials[1].user_attrs and "gradient" not in trials[0].user_attrs  # evaluated again


def test_tune_resumed_from_a_descent_accepts_the_step_the_whole_one_accepted(tmp_path):
    from metahpo.datasets import load

    data = load("sklearn:breast_cancer").subsample(120)
    kw = dict(sampler="gradient", family="linear", cv=2, warm_start=0, random_state=0, verbose=False)
    whole = [math.log(t.config["alpha"]) for t in tune(data, n_trials=5, **kw).study.trials]
    tune(data, n_trials=4, record_to=tmp_path, **kw)  # from the default: two steps halved, the third accepted
    resumed = tune(data, n_trials=8, record_to=tmp_path, resume=True, **kw).study.trials
    # the default scores best (first among ties), so the descent begins there again; its recorded steps hold no
    # loss, so each is retraced just short of it: the third accepted, as in the whole search, the next taken from it
    assert [math.log(t.config["alpha"]) for t in resumed[4:]] == pytest.approx(whole[1:], rel=0.02)


def test_a_binary_folds_hypergradient_is_that_of_the_converged_fit():
    from metahpo.datasets import load
    from metahpo.families.linear import BINARY, CONVERGED_TOL

    data = load("sklearn:breast_cancer").subsample(300)
    folds = make_folds(data, 3, 0)

    def config(alpha):  # the elastic net's saga stops far from the minimizer at the binary space's tol of 1e-3
        return {"alpha": alpha, "l1_ratio": 0.5, "expansion": "spline", "class_weight": "none"}

    gradient = evaluate(config(1.0), data, family="linear", folds=folds, hypergradient=True).gradient["alpha"]
    tight = dataclasses.replace(BINARY, fixed={"tol": CONVERGED_TOL, "max_iter": 1000})
    loss = {step: -evaluate(config(np.exp(step)), data, metric="neg_log_loss", family="linear", folds=folds,
                            space=tight).score for step in (-0.05, 0.05)}
    assert gradient == pytest.approx((loss[0.05] - loss[-0.05]) / 0.1, rel=0.1)  # it was 28 times as large


def test_a_hypergradient_past_the_timeout_times_the_trial_out(monkeypatch):
    import time

    data = _data("binary")
    config = {"alpha": 1.0, "l1_ratio": 0.0, "expansion": "none", "class_weight": "none"}
    family = get_family("linear")
    clock = time.perf_counter
    late = [0.0]
    monkeypatch.setattr(time, "perf_counter", lambda: clock() + late[0])

    def slow(*args, **kwargs):  # a binary fold's refit to the minimizer, on large data: an hour
        late[0] += 3600.0
        return 0.5, {"alpha": 0.0}

    monkeypatch.setattr(type(family), "hypergradient", slow)
    last_fold = make_folds(data, 3)[-1:]  # past the deadline checks of every fit
    result = evaluate(config, data, folds=last_fold, family="linear", hypergradient=True, timeout=600)
    assert result.status == "timeout"
    assert evaluate(config, data, folds=last_fold, family="linear", hypergradient=True).ok

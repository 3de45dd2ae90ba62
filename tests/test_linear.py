"""The linear family: its spaces, its pipeline, and the parameters it hands out."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline

from metahpo.datasets import Dataset, load
from metahpo.evaluation import METRICS, evaluate, make_estimator, make_folds
from metahpo.exceptions import ConfigError
from metahpo.families import FAMILIES, ModelFamily, get_family
from metahpo.families.linear import MAX_LEVELS
from metahpo.search import GridSampler, Study
from metahpo.spaces import LIGHTGBM, Param, config_id
from metahpo.tuning import tune

LINEAR = get_family("linear")
CLASSIFICATION = LINEAR.space  # the family's full space: multiclass (binary is solved to a looser tolerance)


def _messy(task: str = "binary", n: int = 300, seed: int = 0) -> Dataset:
    """Missing values, a text column with rare levels and many levels, a skewed column."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    skewed = np.exp(rng.normal(size=n) * 2)
    colour = rng.choice(["red", "green", "blue", "violet"], p=[0.4, 0.3, 0.29, 0.01], size=n)
    city = np.array([f"city{i}" for i in rng.integers(0, 60, size=n)])  # more levels than the cap
    frame = pd.DataFrame({"x": np.where(rng.random(n) < 0.15, np.nan, x), "skewed": skewed,
                          "colour": np.where(rng.random(n) < 0.05, None, colour), "city": city})
    signal = x + np.log(skewed) + (colour == "red") * 1.5
    frame["y"] = signal if task == "regression" else np.where(signal > 0.5, "pos", "neg") if task == "binary" \
        else np.digitize(signal, [-0.5, 1.0]).astype(str)
    return load(frame, target="y", task=task)


def test_families_are_registered_and_looked_up():
    assert set(FAMILIES) == {"lightgbm", "linear"}
    assert isinstance(LINEAR, ModelFamily) and get_family(LINEAR) is LINEAR
    assert repr(LINEAR) == "<model family 'linear'>"
    assert get_family("linear").space is CLASSIFICATION and get_family("lightgbm").space is LIGHTGBM
    assert get_family("lightgbm").space_for("regression") is LIGHTGBM
    with pytest.raises(ConfigError, match="unknown model family 'xgboost'; known: lightgbm, linear"):
        get_family("xgboost")


def test_the_spaces_per_task():
    assert CLASSIFICATION.names == ["alpha", "l1_ratio", "expansion", "class_weight"]
    assert LINEAR.space_for("regression").names == ["alpha", "expansion"]  # ridge: L2 alone, no classes
    assert CLASSIFICATION.max_rounds is None and CLASSIFICATION.version == "linear-3"
    binary = LINEAR.space_for("binary")  # the same space, solved to a looser tolerance
    assert binary.names == CLASSIFICATION.names and binary.fixed == {"tol": 1e-3, "max_iter": 1000}
    assert LINEAR.space_for("multiclass") is CLASSIFICATION
    params = CLASSIFICATION.estimator_params(CLASSIFICATION.default, random_state=3)
    assert params == {"tol": 1e-6, "max_iter": 1000, "alpha": 1.0, "l1_ratio": 0.0, "expansion": "none",
                      "class_weight": "none", "random_state": 3}
    assert CLASSIFICATION.config_of(params) == CLASSIFICATION.default
    with pytest.raises(ConfigError, match="no rounds"):
        CLASSIFICATION.estimator_params(CLASSIFICATION.default, n_estimators=10)
    with pytest.raises(ConfigError, match="unknown linear parameter.*n_estimators"):
        CLASSIFICATION.validate({**CLASSIFICATION.default, "n_estimators": 10})
    with pytest.raises(ConfigError, match=r"^1 unknown linear parameter \(l1_ratio\); expected alpha, expansion$"):
        make_estimator({"alpha": 1.0, "expansion": "none", "l1_ratio": 0.5}, "regression", family="linear")


def test_categorical_parameters_encode_decode_and_validate():
    expansion = Param("expansion", choices=("none", "spline", "quantile"))
    assert [expansion.encode(c) for c in expansion.choices] == pytest.approx([1 / 6, 1 / 2, 5 / 6])
    assert [expansion.decode(u) for u in (0.0, 0.33, 0.34, 0.99, 1.0, 7.0)] == \
        ["none", "none", "spline", "quantile", "quantile", "quantile"]
    for config in CLASSIFICATION.sample(50, random_state=0):
        assert CLASSIFICATION.decode(CLASSIFICATION.encode(config)) == config
    assert {c["expansion"] for c in CLASSIFICATION.sample(50, random_state=0)} == {"none", "spline", "quantile"}
    with pytest.raises(ConfigError, match=r"expansion='cubic' is not one of 'none', 'spline', 'quantile'"):
        CLASSIFICATION.validate({**CLASSIFICATION.default, "expansion": "cubic"})
    with pytest.raises(ConfigError, match="l1_ratio=0.3 is not one of"):
        CLASSIFICATION.validate({**CLASSIFICATION.default, "l1_ratio": 0.3})
    assert CLASSIFICATION.config_of({**CLASSIFICATION.default, "l1_ratio": 1})["l1_ratio"] == 1.0  # 1 from a table
    with pytest.raises(ConfigError, match="choices, not a range"):
        Param("x", 0.0, 1.0, choices=("a",))
    with pytest.raises(ConfigError, match="repeat"):
        Param("x", choices=("a", "a"))
    with pytest.raises(ConfigError, match="needs a range low < high or choices"):
        Param("x")


def test_config_ids_of_text_choices_and_lightgbm_ids_unchanged():
    a, b = dict(CLASSIFICATION.default), {**CLASSIFICATION.default, "expansion": "spline"}
    assert config_id(a) != config_id(b) and config_id(a) == config_id(dict(reversed(list(a.items()))))
    # LightGBM's space and its configurations' identities are what every knowledge base holds
    assert LIGHTGBM.version == "lightgbm-1" and config_id(LIGHTGBM.default) == "caa0bbbd54b9"


def test_a_grid_walks_every_choice():
    sampler = GridSampler(points_per_dim=2, values={"l1_ratio": [0.0]}, random_state=0)
    axes = sampler.axes(CLASSIFICATION)
    assert axes[0] == pytest.approx([1e-4, 1e4])
    assert axes[1:] == [[0.0], ["none", "spline", "quantile"], ["none", "balanced"]]
    proposals = sampler.ask(Study(CLASSIFICATION), CLASSIFICATION, 12)
    assert len({config_id(p.config) for p in proposals}) == 12 and {p.source for p in proposals} == {"grid"}


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("expansion", ["none", "spline", "quantile"])
def test_the_pipeline_handles_what_lightgbm_handles(task, expansion):
    data = _messy(task)
    assert data.categorical == ("colour", "city") and data.X["x"].isna().any()
    config = {**LINEAR.space_for(task).default, "expansion": expansion}
    result = evaluate(config, data, folds=make_folds(data, 3), family="linear", keep_oof=True)
    assert result.ok, result.error
    assert set(METRICS[task]) <= set(result.scores) and not np.isnan(result.oof).any()
    good = {"binary": ("roc_auc", 0.85), "multiclass": ("accuracy", 0.6), "regression": ("r2", 0.5)}[task]
    assert result.scores[good[0]] > good[1]


def test_an_infinite_value_is_missing_to_the_pipeline():
    data = _messy("binary")
    X = data.X.assign(x=data.X["x"].where(data.X.index % 9 != 0, np.inf), skewed=data.X["skewed"].replace(
        data.X["skewed"].iloc[3], -np.inf))
    infinite = Dataset(X, data.y, "binary", name="infinite")
    result = evaluate(LINEAR.space_for("binary").default, infinite, folds=make_folds(infinite, 3), family="linear")
    assert result.ok and result.scores["roc_auc"] > 0.85, result.error
    model = make_estimator(LINEAR.space_for("binary").default, "binary", family="linear").fit(X, data.y)
    assert np.isfinite(model.predict_proba(X.iloc[:1].assign(skewed=np.inf))).all()


def test_one_hot_columns_are_capped_and_rare_levels_grouped():
    data = _messy()
    model = make_estimator(CLASSIFICATION.default, "binary", family="linear").fit(data.X, data.y)
    names = list(model[:-1].get_feature_names_out())
    assert sum(n.startswith("categorical__city") for n in names) == MAX_LEVELS
    colours = [n for n in names if n.startswith("categorical__colour")]
    assert "categorical__colour_violet" not in colours and "categorical__colour_infrequent_sklearn" in colours
    assert "missing__missingindicator_x" in names
    unseen = data.X.head(3).assign(colour=pd.Categorical(["black"] * 3), city=pd.Categorical(["nowhere"] * 3))
    assert model.predict_proba(unseen).shape == (3, 2)  # levels never seen are ignored


def test_parameters_handed_out_rebuild_the_evaluated_model():
    data = _messy("multiclass", n=200)
    config = {"alpha": 0.5, "l1_ratio": 0.5, "expansion": "spline", "class_weight": "balanced"}
    params = CLASSIFICATION.estimator_params(config, random_state=7)
    model = LINEAR.make_estimator(params, "multiclass")
    assert isinstance(model, Pipeline) and isinstance(model[-1], LogisticRegression)
    lr = model[-1]
    assert (lr.C, lr.l1_ratio, lr.solver, lr.class_weight, lr.random_state) == (2.0, 0.5, "saga", "balanced", 7)
    # what evaluate trains on a fold is this very pipeline
    folds = make_folds(data, 2)
    result = evaluate(config, data, folds=folds, family="linear", random_state=7, keep_oof=True)
    train, valid = folds[0]
    y = np.searchsorted(data.classes, data.y.to_numpy())
    refit = LINEAR.make_estimator(params, "multiclass").fit(data.X.iloc[train], y[train])
    np.testing.assert_allclose(refit.predict_proba(data.X.iloc[valid]), result.oof[valid], rtol=0, atol=1e-6)
    ridge = LINEAR.make_estimator({"alpha": 3.0, "expansion": "none"}, "regression")[-1]
    assert isinstance(ridge, Ridge) and ridge.alpha == 3.0


def test_a_training_fold_of_one_class_is_a_model_certain_of_it():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x1": rng.normal(size=200), "x2": rng.normal(size=200)})
    y = np.zeros(200, dtype=int)
    y[[0, 1]] = 1  # fewer positives than folds: the folds are not stratified
    data = load(X, y)
    folds = make_folds(data, 5, random_state=39)
    assert any(len(np.unique(y[train])) == 1 for train, _ in folds)
    config = {"alpha": 1.0, "l1_ratio": 0.0, "expansion": "none", "class_weight": "none"}
    result = evaluate(config, data, folds=folds, family="linear", hypergradient=True)
    assert result.status == "ok" and np.isfinite(result.score) and np.isfinite(result.gradient["alpha"])
    assert LINEAR.make_estimator({**config, "random_state": None}, "binary")[-1].random_state == 0


def test_tune_linear_returns_a_model_its_parameters_rebuild():
    data = _messy("binary", n=200)
    with warnings.catch_warnings():  # a capped solver, evaluated and handed out as it is, is no news
        warnings.simplefilter("error", ConvergenceWarning)
        result = tune(data, n_trials=4, sampler="random", family="linear", cv=2, warm_start=2, verbose=False,
                      random_state=1)
    trials = result.trials
    # warm-started from the shipped linear knowledge base, then random draws
    assert list(trials["source"]) == ["recommended"] * 2 + ["random"] * 2 and "expansion" in trials.columns
    assert result.recommendation is not None and result.recommendation.family == "linear"
    assert [t.config for t in result.study.trials[:2]] == [LINEAR.space_for("binary").config_of(c.params)
                                                                         for c in result.recommendation.configs]
    rebuilt = get_family(result.family).make_estimator(result.best_params, data.task).fit(data.X, data.y)
    np.testing.assert_allclose(rebuilt.predict_proba(data.X), result.predict_proba(data.X), rtol=0, atol=1e-12)
    with pytest.raises(ConfigError, match="linear family has none"):
        result.plot_learning_curve()
    with pytest.raises(ConfigError, match="does not stop early"):
        evaluate(CLASSIFICATION.default, data, cv=2, family="linear", early_stopping_rounds=10)
    with pytest.raises(ConfigError, match="a lightgbm search space cannot configure the linear family"):
        evaluate(CLASSIFICATION.default, data, cv=2, family="linear", space=LIGHTGBM)


def test_tune_linear_takes_prior_results_and_builds_an_ensemble():
    data = load("sklearn:breast_cancer").subsample(150)
    prior = pd.DataFrame([{**CLASSIFICATION.default, "alpha": 100.0}]).assign(score=[0.9])
    result = tune(data, n_trials=4, sampler="bayes", family="linear", cv=2, ensemble=3, prior=prior,
                  verbose=False)
    assert result.trials["source"].iloc[0] == "prior"
    assert set(result.ensemble.families) == {"linear"} and sum(result.ensemble.weights) == pytest.approx(1.0)
    assert result.predict_proba(data.X).shape == (150, 2)


def test_a_linear_regression_prior_and_configuration_are_read_in_the_regression_space(tmp_path, capsys):
    from metahpo.cli import main
    from metahpo.knowledge_base import KnowledgeBase

    regression = LINEAR.space_for("regression")
    prior = tmp_path / "prior.csv"
    pd.DataFrame([{**regression.default, "score": 0.3}]).to_csv(prior, index=False)
    assert main(["tune", "sklearn:diabetes", "--family", "linear", "--n-trials", "1", "--cv", "2", "--quiet",
                 "--sampler", "random", "--prior", str(prior)]) == 0
    err = capsys.readouterr().err
    assert "best r2" in err
    assert ("these are the linear family's parameters, not LightGBM's: metahpo.families.get_family('linear')"
            ".make_estimator(params, 'regression') rebuilds the model") in err
    kb = KnowledgeBase.empty("linear")  # a knowledge base of the family holds every task's configurations
    assert kb.add_configuration(dict(regression.default)) == config_id(regression.default)
    assert kb.add_configuration(dict(CLASSIFICATION.default)) == config_id(CLASSIFICATION.default)
    with pytest.raises(ConfigError, match="lacks l1_ratio"):
        kb.add_configuration({"alpha": 1.0, "class_weight": "none", "expansion": "none"})


def test_a_column_without_values_trains_and_predicts_without_warnings():
    data = load("sklearn:breast_cancer").subsample(120)
    frame = data.X.iloc[:, :3].assign(empty=np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for expansion in ("none", "spline", "quantile"):
            params = {**CLASSIFICATION.default, "expansion": expansion}
            model = LINEAR.make_estimator(CLASSIFICATION.estimator_params(params), "binary")
            with LINEAR.training():  # as every fold and final model trains
                model.fit(frame, data.y)
            assert model.predict_proba(frame).shape == (120, 2)


@pytest.mark.parametrize("other", ["linear", "metafeatures"])
def test_threads_training_side_by_side_leave_the_process_settings_as_they_found_them(other):
    import threading

    from threadpoolctl import threadpool_info

    from metahpo import metafeatures

    def state():
        return len(warnings.filters), [pool["num_threads"] for pool in threadpool_info()
                                       if pool["user_api"] == "blas"]

    before, inside = state(), []
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def first():
        with LINEAR.training():
            a_in.set()
            b_in.wait()
        a_out.set()

    def second():
        a_in.wait()
        if other == "linear":
            with LINEAR.training():
                b_in.set()
                a_out.wait()  # the first leaves while this one is in: the order that restored the wrong settings
                inside.append(state()[1])
            return
        simple = metafeatures._simple

        def waiting(dataset):  # inside the extraction's settings
            b_in.set()
            a_out.wait()
            inside.append(state()[1])
            return simple(dataset)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(metafeatures, "_simple", waiting)
            metafeatures.extract(load("sklearn:iris"))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert inside == [[1] * len(before[1])]  # one BLAS thread still, for the one still training
    assert state() == before

"""The zero-shot estimators are ordinary scikit-learn estimators and drop-in LightGBM replacements."""

import copy as stdlib_copy
import re

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from lightgbm.basic import LGBMDeprecationWarning
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from metahpo.datasets import load
from metahpo.recommendations import recommend
from metahpo.estimators import MetaLGBMClassifier, MetaLGBMRegressor, MetaRegressor
from metahpo.exceptions import ConfigError, DataError, DataWarning
from metahpo.holdout import MAX_ROUNDS, holdout_rounds
from metahpo.spaces import LIGHTGBM

# Every parameter a recommendation sets, with values no recommendation holds: the searched
# parameters, the space's fixed settings, the rounds and the seed (n_jobs too).
OVERRIDES = {"learning_rate": 0.21, "num_leaves": 9, "min_child_samples": 11, "colsample_bytree": 0.7,
             "subsample": 0.8, "reg_alpha": 0.03, "reg_lambda": 0.4, "min_split_gain": 0.002,
             "subsample_freq": 2, "verbosity": -1, "n_estimators": 23, "random_state": 5, "n_jobs": 1}


# LightGBM aliases of arguments of LGBMModel, which passes those arguments' defaults whatever else it
# is given: each alias, its argument (the name params_ holds it by), the name the model string reports
# it by, and a value no recommendation holds.
ALIASES = [("eta", "learning_rate", "learning_rate", 0.05), ("num_leaf", "num_leaves", "num_leaves", 8),
           ("min_data_in_leaf", "min_child_samples", "min_data_in_leaf", 9),
           ("min_sum_hessian_in_leaf", "min_child_weight", "min_sum_hessian_in_leaf", 0.02),
           ("bagging_fraction", "subsample", "bagging_fraction", 0.7),
           ("bagging_freq", "subsample_freq", "bagging_freq", 3),
           ("feature_fraction", "colsample_bytree", "feature_fraction", 0.6),
           ("lambda_l1", "reg_alpha", "lambda_l1", 0.2), ("lambda", "reg_lambda", "lambda_l2", 0.3),
           ("min_gain_to_split", "min_split_gain", "min_gain_to_split", 0.01),
           ("bin_construct_sample_cnt", "subsample_for_bin", "bin_construct_sample_cnt", 5000),
           ("num_boost_round", "n_estimators", "num_iterations", 37), ("seed", "random_state", "seed", 4),
           ("num_threads", "n_jobs", "num_threads", 1)]


def _trained(model):
    """The parameters LightGBM trained ``model`` with, as its model string reports them."""
    return dict(re.findall(r"^\[(\w+): (.*)\]$", model.booster_.model_to_string(), flags=re.MULTILINE))


def test_overrides_cover_every_recommended_parameter(tiny_kb, breast_cancer):
    X, y = breast_cancer
    recommended = recommend((X, y), n=1, knowledge_base=tiny_kb, rounds="recommended").best
    assert set(recommended) | {"n_jobs"} == set(OVERRIDES) == set(LIGHTGBM.names) | set(LIGHTGBM.fixed) | {
        "n_estimators", "random_state", "n_jobs"}


@pytest.fixture(scope="module")
def breast_cancer():
    ds = load("sklearn:breast_cancer")
    return ds.X.to_numpy(), ds.y.to_numpy()


@pytest.fixture(scope="module")
def small_multiclass():
    return make_classification(240, 6, n_informative=4, n_classes=3, weights=[0.6, 0.3, 0.1], random_state=1)


def test_classifier_trains_the_recommended_configuration(tiny_kb, breast_cancer):
    X, y = breast_cancer
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended").fit(X, y)
    best = recommend((X, y), n=1, knowledge_base=tiny_kb, rounds="recommended").best
    assert model.params_ == model.recommendation_.best == {**best, "n_jobs": 1, "class_weight": None,
                                                           "importance_type": "split"}
    reference = lgb.LGBMClassifier(**model.params_).fit(X, y)
    assert np.abs(model.predict_proba(X) - reference.predict_proba(X)).max() <= 1e-12
    assert list(model.classes_) == [0, 1] and model.n_classes_ == 2
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1)
    assert model.score(X, y) > 0.9


def test_a_lightgbm_parameter_replaces_only_its_recommended_value(tiny_kb, small_multiclass):
    X, y = small_multiclass
    recommended = MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended").fit(X, y).params_
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended", num_leaves=5, lambda_l2=3.0,
                               max_bin=63).fit(X, y)
    assert model.num_leaves == 5 and model.params_["num_leaves"] == 5 and model.params_["max_bin"] == 63
    # lambda_l2 is LightGBM's alias of reg_lambda: it replaces the recommended reg_lambda, under that name
    assert model.params_ == {**recommended, "num_leaves": 5, "reg_lambda": 3.0, "max_bin": 63}
    assert _trained(model)["lambda_l2"] == "3"
    reference = lgb.LGBMClassifier(**model.params_).fit(X, y)
    assert np.abs(model.predict_proba(X) - reference.predict_proba(X)).max() <= 1e-12


def test_an_alias_trains_with_its_value_under_the_scikit_learn_name(tiny_kb, small_multiclass):
    X, y = small_multiclass
    aliases = {alias: value for alias, _, _, value in ALIASES}
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended", **aliases).fit(X, y)
    trained = _trained(model)
    assert {name: float(trained[name]) for _, _, name, _ in ALIASES} == {name: v for _, _, name, v in ALIASES}
    named = {name: value for _, name, _, value in ALIASES}
    assert {k: model.params_[k] for k in named} == named and not set(model.params_) & set(aliases)
    assert model.recommendation_.best == model.params_ and model.n_estimators_ == 37
    reference = lgb.LGBMClassifier(**model.params_).fit(X, y)  # what the user rebuilds from params_
    assert np.array_equal(model.predict_proba(X), reference.predict_proba(X))


def test_aliases_are_their_scikit_learn_names_with_rounds_from_a_holdout(tiny_kb, small_multiclass):
    X, y = small_multiclass
    by_alias = MetaLGBMClassifier(knowledge_base=tiny_kb, eta=0.05, max_leaf_nodes=8, seed=3, nthread=1).fit(X, y)
    by_name = MetaLGBMClassifier(knowledge_base=tiny_kb, learning_rate=0.05, num_leaves=8, random_state=3).fit(X, y)
    assert by_alias.params_ == by_name.params_  # the same hold-out: its rounds, at that rate, seeded alike
    assert by_alias.recommendation_.metafeatures.equals(by_name.recommendation_.metafeatures)  # landmarkers too
    assert (_trained(by_alias)["learning_rate"], _trained(by_alias)["num_leaves"]) == ("0.05", "8")
    assert np.array_equal(by_alias.predict_proba(X), by_name.predict_proba(X))
    assert np.array_equal(by_alias.predict_proba(X), lgb.LGBMClassifier(**by_alias.params_).fit(X, y).predict_proba(X))


def test_two_names_of_one_parameter_are_a_config_error(breast_cancer, tiny_kb):
    X, y = breast_cancer
    # an argument at its default (numpy's integer too, as grids of np.arange give it) gives way to its alias
    aliased = MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended", random_state=np.int64(0), seed=3)
    assert aliased.fit(X[:100], y[:100]).params_["random_state"] == 3
    with pytest.raises(ConfigError, match=r"^eta and learning_rate are the same LightGBM parameter \(learning_rate\); "
                                          r"give one of them$"):
        MetaLGBMClassifier(eta=0.1, learning_rate=0.2).fit(X, y)
    with pytest.raises(ConfigError, match=r"^random_state and seed are the same LightGBM parameter"):
        MetaLGBMClassifier(random_state=1, seed=2).fit(X, y)  # an argument of the estimator's own, set, and its alias


@pytest.mark.parametrize("weighting", ["none", "class_weight", "sample_weight"])
def test_every_parameter_overridden_is_exactly_lightgbm(tiny_kb, small_multiclass, weighting):
    X, y = small_multiclass
    class_weight = "balanced" if weighting == "class_weight" else None
    weights = np.linspace(0.2, 3.0, len(y)) if weighting == "sample_weight" else None
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended", class_weight=class_weight, **OVERRIDES)
    model.fit(X, y, sample_weight=weights)
    assert model.params_ == {**OVERRIDES, "class_weight": class_weight, "importance_type": "split"}
    reference = lgb.LGBMClassifier(class_weight=class_weight, **OVERRIDES).fit(X, y, sample_weight=weights)
    proba = model.predict_proba(X)
    assert np.abs(proba - reference.predict_proba(X)).max() <= 1e-12
    assert np.array_equal(model.predict(X), reference.predict(X))
    assert np.array_equal(model.feature_importances_, reference.feature_importances_)
    if weighting != "none":  # the weighting changes the model, the same way in both
        unweighted = lgb.LGBMClassifier(**OVERRIDES).fit(X, y).predict_proba(X)
        assert np.abs(proba - unweighted).max() > 1e-3


@pytest.mark.parametrize("seed", [None, lambda: np.random.RandomState(3), lambda: np.random.default_rng(3)],
                         ids=["None", "RandomState", "Generator"])
def test_random_state_is_taken_as_lightgbm_takes_it(tiny_kb, small_multiclass, seed):
    X, y = small_multiclass
    params = {k: v for k, v in OVERRIDES.items() if k != "random_state"}
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended", random_state=seed and seed(),
                               **params).fit(X, y)
    reference = lgb.LGBMClassifier(random_state=seed and seed(), **params).fit(X, y)
    assert np.abs(model.predict_proba(X) - reference.predict_proba(X)).max() <= 1e-12
    assert model.recommendation_.metafeatures.equals(MetaLGBMClassifier(knowledge_base=tiny_kb).fit(X, y)
                                                     .recommendation_.metafeatures)  # landmarkers seeded with 0


def test_regressor_overridden_is_exactly_lightgbm_with_sample_weight(tiny_kb):
    X, y = make_regression(200, 5, noise=5.0, random_state=0)
    weights = np.random.default_rng(0).uniform(0.1, 2.0, len(y))
    params = {**OVERRIDES, "objective": "huber", "alpha": 2.0}
    model = MetaLGBMRegressor(knowledge_base=tiny_kb, rounds="recommended", **params).fit(X, y, sample_weight=weights)
    reference = lgb.LGBMRegressor(**params).fit(X, y, sample_weight=weights)
    assert model.objective_ == "huber"
    assert np.abs(model.predict(X) - reference.predict(X)).max() <= 1e-12
    assert np.abs(model.predict(X) - lgb.LGBMRegressor(**params).fit(X, y).predict(X)).max() > 1e-6


def test_fitted_attributes_and_early_stopping_as_lightgbm(tiny_kb, small_multiclass):
    X, y = small_multiclass
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    train, valid = slice(0, 180), slice(180, None)
    fit = dict(eval_X=frame[valid], eval_y=y[valid], callbacks=[lgb.early_stopping(3, verbose=False)])
    params = {**OVERRIDES, "n_estimators": 300, "learning_rate": 0.3}
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended", importance_type="gain", **params)
    model.fit(frame[train], y[train], **fit)
    reference = lgb.LGBMClassifier(importance_type="gain", **params).fit(frame[train], y[train], **fit)
    assert 0 < model.best_iteration_ == reference.best_iteration_ < 300
    assert model.n_iter_ == model.n_estimators_ == reference.n_iter_
    assert model.best_score_ == reference.best_score_
    assert model.evals_result_ == reference.evals_result_
    assert model.booster_ is model.model_.booster_
    assert model.feature_name_ == reference.feature_name_ == list(frame.columns) and model.n_features_ == 6
    assert np.array_equal(model.feature_importances_, reference.feature_importances_)
    assert model.feature_importances_.dtype.kind == "f"  # gain, not split counts
    assert model.n_features_in_ == 6 and list(model.feature_names_in_) == list(frame.columns)
    assert np.abs(model.predict_proba(frame[valid]) - reference.predict_proba(frame[valid])).max() <= 1e-12
    raw = model.predict(frame[valid], raw_score=True)
    assert np.abs(raw - reference.predict(frame[valid], raw_score=True)).max() <= 1e-12


def test_unfitted_attributes_raise_not_fitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        MetaLGBMClassifier().booster_
    assert not hasattr(MetaLGBMRegressor(), "feature_importances_")


def test_lightgbm_parameters_round_trip_through_get_set_params_and_clone():
    model = MetaLGBMClassifier(num_leaves=7, lambda_l2=1.0)
    params = model.get_params()
    assert params["num_leaves"] == 7 and params["lambda_l2"] == 1.0 and params["class_weight"] is None
    copy = clone(model)
    assert copy.get_params()["num_leaves"] == 7 and copy.num_leaves == 7
    copy.set_params(num_leaves=15, learning_rate=0.05, rank=1, class_weight="balanced")
    assert (copy.num_leaves, copy.learning_rate, copy.rank, copy.class_weight) == (15, 0.05, 1, "balanced")
    assert model.num_leaves == 7 and "learning_rate" not in model.get_params()
    assert clone(copy).get_params() == copy.get_params()
    assert "learning_rate=0.05" in repr(copy)
    shallow = stdlib_copy.copy(model)  # shares the original's attributes: a new parameter stays its own
    shallow.set_params(min_child_samples=5)
    assert "min_child_samples" not in model.get_params() and shallow.get_params()["min_child_samples"] == 5


def test_unknown_parameter_is_a_config_error_naming_it(tiny_kb, breast_cancer):
    X, y = breast_cancer
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, num_leafs=8)  # sic: not a LightGBM parameter
    assert model.get_params()["num_leafs"] == 8  # kept as given; rejected at fit
    with pytest.raises(ConfigError, match="^unknown LightGBM parameter num_leafs: "):
        model.fit(X, y)
    with pytest.raises(ConfigError, match="^unknown LightGBM parameters num_leafs, leaning_rate: "):
        model.set_params(leaning_rate=0.1).fit(X, y)


def test_sample_weight_is_checked(tiny_kb, breast_cancer):
    X, y = breast_cancer
    model = MetaLGBMClassifier(knowledge_base=tiny_kb)
    for weights, message in [(np.ones(len(y) - 1), "shape"), (-np.ones(len(y)), "non-negative"),
                             (np.zeros(len(y)), "zero for every row"), (["a"] * len(y), "must be numbers"),
                             (np.asarray(y == 1, dtype=float), "every class but 1: a classifier needs two classes")]:
        with pytest.raises(DataError, match=message):
            model.fit(X, y, sample_weight=weights)


def test_categorical_feature_makes_columns_categorical_for_everything_trained(tiny_kb):
    rng = np.random.default_rng(0)
    code = rng.integers(0, 8, 400)
    X = pd.DataFrame({"my code": code, "x": rng.normal(size=400)})
    y = (np.isin(code, [1, 4, 6]) ^ (rng.random(400) < 0.1)).astype(int)
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, min_data_per_group=10)
    named = clone(model).fit(X, y, categorical_feature=["my code"])
    by_dtype = clone(model).fit(X.astype({"my code": "category"}), y)
    assert named.categorical_ == ["my_code"] and named.params_ == by_dtype.params_  # the hold-out saw it too
    np.testing.assert_array_equal(named.predict_proba(X), by_dtype.predict_proba(X.astype({"my code": "category"})))
    with pytest.raises(DataError, match="categorical_feature names 'code', not a column of X"):
        MetaLGBMClassifier(knowledge_base=tiny_kb).fit(X, y, categorical_feature=["code"])


def test_rank_picks_a_lower_recommendation(tiny_kb, breast_cancer):
    X, y = breast_cancer
    second = MetaLGBMClassifier(knowledge_base=tiny_kb, rank=1).fit(X, y)
    assert second.params_["num_leaves"] == second.recommendation_.configs[1].params["num_leaves"]
    with pytest.raises(ConfigError, match="rank"):
        MetaLGBMClassifier(knowledge_base=tiny_kb, rank=-1).fit(X, y)
    with pytest.raises(ConfigError, match=r"^rank 1000 asks for recommendation 1001, but the knowledge base "
                                          r"recommends (\d+) configurations for these data; give a rank below \1$"):
        MetaLGBMClassifier(knowledge_base=tiny_kb, rank=np.int64(1000)).fit(X, y)


@pytest.mark.parametrize(("params", "message"), [
    ({"rank": np.int64(-1)}, r"rank must be a whole number \(0: the top recommendation\), at least 0; got -1$"),
    ({"rank": True}, r"rank must be a whole number \(0: the top recommendation\), at least 0; got True$"),
    ({"random_state": np.float64(1.5)}, "random_state must be an integer, .* or None; got 1.5$"),
    ({"seed": np.float64(1.5)}, "random_state must be an integer, .* or None; got 1.5$"),  # its alias
])
def test_bad_settings_are_named_without_numpy_reprs(params, message, breast_cancer):
    X, y = breast_cancer
    with pytest.raises(ConfigError, match=message):
        MetaLGBMClassifier(**params).fit(X, y)


def test_regressor_with_string_labelled_frame(tiny_kb):
    ds = load("sklearn:diabetes")
    model = MetaLGBMRegressor(knowledge_base=tiny_kb).fit(ds.X, ds.y)
    assert model.recommendation_.task == "regression"
    assert model.score(ds.X, ds.y) > 0.3
    assert list(model.feature_names_in_) == list(ds.X.columns)


def test_clone_pipeline_and_cross_val_score(tiny_kb, breast_cancer):
    X, y = breast_cancer
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, strategy="nearest")
    copy = clone(model)
    assert copy.get_params()["strategy"] == "nearest"
    assert copy.get_params()["knowledge_base"].info() == tiny_kb.info()
    copy.set_params(rank=1)
    assert copy.rank == 1 and model.rank == 0
    scores = cross_val_score(make_pipeline(StandardScaler(), model), X, y, cv=3)
    assert scores.mean() > 0.9


def test_text_labels_and_categorical_columns(tiny_kb):
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"color": rng.choice(["red", "green", "blue"], 300), "size": rng.normal(size=300)})
    y = np.where((X["color"] == "red") | (X["size"] > 1), "yes", "no")
    model = MetaLGBMClassifier(knowledge_base=tiny_kb).fit(X, y)  # rounds from a hold-out of text labels
    assert set(model.classes_) == {"no", "yes"}
    assert set(model.predict(X.head(20))) <= {"no", "yes"}
    reference = lgb.LGBMClassifier(**model.params_).fit(X.astype({"color": "category"}), y)
    assert np.abs(model.predict_proba(X) - reference.predict_proba(X.astype({"color": "category"}))).max() <= 1e-12
    model.set_params(rounds="recommended")
    with pytest.warns(LGBMDeprecationWarning, match="eval_set"):  # LightGBM's own warning, passed on
        model.fit(X, y, eval_set=(X.tail(50), y[-50:]))
    # the text column of eval_set, and of eval_X, is prepared as that of X
    assert len(model.evals_result_["valid_0"]["binary_logloss"]) == model.n_iter_
    y01 = (y == "yes").astype(int)  # LightGBM 4.7 does not encode text labels in eval_y
    model.fit(X, y01, eval_X=(X.head(50), X.tail(50)), eval_y=(y01[:50], y01[-50:]))
    assert [len(model.evals_result_[f"valid_{i}"]["binary_logloss"]) for i in (0, 1)] == [model.n_iter_] * 2


def test_wrong_number_of_features_at_predict(tiny_kb, breast_cancer):
    X, y = breast_cancer
    model = MetaLGBMClassifier(knowledge_base=tiny_kb).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :5])


def _expected_failed_checks(estimator):
    """The checks LightGBM itself declares it fails, for the reason it gives (and here the
    recommendation also sees the repeated rows)."""
    reason = "LightGBM: a weight of 0 or 2 is not the same as removing or repeating the row"
    return {"check_sample_weight_equivalence_on_dense_data": reason}


@parametrize_with_checks([MetaLGBMClassifier(), MetaLGBMRegressor()], expected_failed_checks=_expected_failed_checks)
def test_scikit_learn_estimator_checks(estimator, check, checked_kb):
    estimator.set_params(knowledge_base=checked_kb)  # instances are made at collection, the KB later
    check(estimator)


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
def test_rounds_from_a_holdout_rebuild_the_model(tiny_kb, task):
    if task == "regression":
        X, y = make_regression(300, 5, noise=30.0, random_state=0)  # noise stops it in hundreds of rounds
        estimator, cls = MetaLGBMRegressor, lgb.LGBMRegressor
    else:
        X, y = make_classification(300, 6, n_informative=4, n_classes=2 if task == "binary" else 3, random_state=0)
        estimator, cls = MetaLGBMClassifier, lgb.LGBMClassifier
    model = estimator(knowledge_base=tiny_kb, rounds="holdout").fit(X, y)
    params = model.params_
    assert {k: v for k, v in params.items() if k != "n_estimators"} == {
        k: v for k, v in estimator(knowledge_base=tiny_kb).fit(X, y).params_.items() if k != "n_estimators"}
    assert params["n_estimators"] == holdout_rounds(params, pd.DataFrame(X), y, task)
    assert 10 <= params["n_estimators"] <= MAX_ROUNDS
    reference = cls(**params).fit(X, y)  # what the user rebuilds from params_
    assert np.abs(model.predict(X) - reference.predict(X)).max() <= 1e-12


@pytest.mark.parametrize("make_state", [np.random.RandomState, np.random.default_rng])
def test_a_random_state_object_gives_one_seed_that_params_holds(tiny_kb, make_state):
    X, y = make_classification(300, 6, n_informative=4, random_state=0)
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, random_state=make_state(0)).fit(X, y)
    seed = model.params_["random_state"]
    assert isinstance(seed, int)  # not the state object, which draws anew at every fit
    rebuilt = lgb.LGBMClassifier(**model.params_).fit(X, y)
    assert np.array_equal(model.predict_proba(X), rebuilt.predict_proba(X))
    again = MetaLGBMClassifier(knowledge_base=tiny_kb, random_state=make_state(0)).fit(X, y)
    assert again.params_ == model.params_


@pytest.mark.parametrize(("params", "message"), [
    ({"rounds": "cv"}, "rounds must be one of 'holdout', 'recommended'; got 'cv'$"),
    ({"num_boost_round": 50}, "rounds='holdout' .* finds n_estimators on the data; to give n_estimators, set "
                              "rounds='recommended'$"),
])
def test_bad_rounds_are_named(params, message, breast_cancer):
    X, y = breast_cancer
    with pytest.raises(ConfigError, match=message):
        MetaLGBMClassifier(**params).fit(X, y)


def test_the_family_estimators_take_lightgbms_rounds_from_a_holdout_too(tiny_kb):
    X, y = make_regression(200, 5, noise=30.0, random_state=1)
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
    model = MetaRegressor(family="lightgbm", knowledge_base=tiny_kb, random_state=3).fit(frame, y)
    assert model.params_["n_estimators"] == holdout_rounds(model.params_, frame, y, "regression", random_state=3)
    assert model.params_["n_estimators"] == MetaLGBMRegressor(knowledge_base=tiny_kb, random_state=3).fit(
        frame, y).params_["n_estimators"]  # one concept, one answer
    kept = MetaRegressor(family="lightgbm", knowledge_base=tiny_kb, rounds="recommended", random_state=3).fit(frame, y)
    assert kept.params_["n_estimators"] == kept.recommendation_.best["n_estimators"]
    with pytest.raises(ConfigError, match="rounds must be one of"):
        MetaRegressor(rounds=None).fit(frame, y)


def test_an_estimator_fitted_on_an_array_predicts_a_frame_by_position(tiny_kb):
    X, y = make_classification(120, 3, n_informative=2, n_redundant=0, random_state=0)
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended").fit(X, y)
    with pytest.warns(UserWarning, match="fitted without feature names"):  # scikit-learn's rule
        by_frame = model.predict_proba(pd.DataFrame(X, columns=["p", "q", "r"]))
    np.testing.assert_array_equal(by_frame, model.predict_proba(X))
    with pytest.raises(DataError, match=r"^Expected 2D array, got 1D array instead:\nReshape your data"):
        MetaLGBMClassifier(knowledge_base=tiny_kb).fit(X[:, 0], y)  # the message, without the array
    named = MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended")
    named.fit(pd.DataFrame(X, columns=["p", "q", "r"]), y)
    with pytest.warns(UserWarning, match="does not have valid feature names"):  # pd.DataFrame(array): by position too
        np.testing.assert_array_equal(named.predict_proba(pd.DataFrame(X)), by_frame)


def test_a_fit_that_raises_leaves_the_estimator_as_it_was_not_half_refitted(tiny_kb):
    from sklearn.exceptions import NotFittedError

    X, y = make_classification(120, 3, n_informative=2, n_redundant=0, random_state=0)
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended").fit(X, y)
    before, proba = dict(vars(model)), model.predict_proba(X)
    with pytest.raises(DataError, match="sample_weight has shape"):  # new columns, then a bad argument
        model.fit(pd.DataFrame(X[:60], columns=["p", "q", "r"]), y[:60], sample_weight=np.ones(3))
    assert vars(model).keys() == before.keys() and all(vars(model)[k] is v for k, v in before.items())
    np.testing.assert_array_equal(model.predict_proba(X), proba)  # the last fit's model, whole
    assert not hasattr(model, "feature_names_in_")
    unfitted = MetaLGBMClassifier(knowledge_base=tiny_kb)
    with pytest.raises(DataError, match="sample_weight has shape"):
        unfitted.fit(X, y, sample_weight=np.ones(3))
    assert not [name for name in vars(unfitted) if name.endswith("_")]  # unfitted as before, no input checks kept
    with pytest.raises(NotFittedError):
        unfitted.predict(X)


@pytest.mark.parametrize(("params", "message"), [
    ({"n_jobs": "a"}, r"^n_jobs must be an integer \(threads; -1: all\) or None; got 'a'$"),
    ({"n_jobs": 1.5}, r"^n_jobs must be an integer .* got 1.5$"),
    ({"class_weight": {5: 2.0}}, r"^class_weight names 5, not a class of y \(its classes: 0, 1\)$"),
    ({"class_weight": {5: 2.0, 7: 1.0}}, r"^class_weight names 5, 7, not classes of y"),
    ({"class_weight": "even"}, r"^class_weight must be a dict of classes to weights, 'balanced' or None; got"),
    ({"metric": "auc"}, r"^unknown metric 'auc'; .*LightGBM's evaluation metric is the keyword argument metrics"),
    ({"metric": "r2"}, r"^metric 'r2' .*[^)]$"),  # a metric of another task: no word of LightGBM's metrics
])
def test_bad_arguments_are_named_before_any_training(tiny_kb, monkeypatch, params, message):
    X, y = make_classification(120, 3, n_informative=2, n_redundant=0, random_state=0)
    monkeypatch.setattr("metahpo.estimators.recommend", lambda *a, **k: pytest.fail("recommended before the check"))
    with pytest.raises(ConfigError, match=message):
        MetaLGBMClassifier(knowledge_base=tiny_kb, **params).fit(X, y)


def test_text_columns_given_as_an_array_at_predict_are_told_to_come_as_a_dataframe(tiny_kb):
    X, y = make_classification(120, 2, n_informative=2, n_redundant=0, random_state=0)
    frame = pd.DataFrame(X, columns=["p", "q"]).assign(colour=np.where(y == 1, "red", "blue"))
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended").fit(frame, y)
    with pytest.raises(DataError, match=r"^could not convert string to float: '(red|blue)'; the model was trained on "
                       r"a DataFrame whose columns 'colour' are categorical: predict on a DataFrame too$"):
        model.predict(frame.to_numpy())


@pytest.mark.parametrize("class_weight", ["balanced", "bal", {1.0: 2.0}])
def test_a_regressor_given_class_weight_is_told_it_has_no_classes(tiny_kb, monkeypatch, class_weight):
    X, y = make_regression(120, 3, random_state=0)
    monkeypatch.setattr("metahpo.estimators.recommend", lambda *a, **k: pytest.fail("recommended before the check"))
    with pytest.raises(ConfigError, match=r"^class_weight weighs classes; a regressor has none \(got .*\): give "
                       r"sample_weight to fit$"):
        MetaLGBMRegressor(knowledge_base=tiny_kb, class_weight=class_weight).fit(X, y)


@pytest.mark.parametrize("given", ["eval_set", "eval_X"])
def test_an_eval_set_is_checked_before_any_training(tiny_kb, monkeypatch, given):
    X, y = make_classification(120, 3, n_informative=2, n_redundant=0, random_state=0)
    frame = pd.DataFrame(X, columns=["p", "q", "r"])
    monkeypatch.setattr("metahpo.estimators.recommend", lambda *a, **k: pytest.fail("recommended before the check"))
    part = frame[["p", "q"]]  # a column short
    wrong = {"eval_set": [(part, y)]} if given == "eval_set" else {"eval_X": part, "eval_y": y}
    with pytest.raises(ValueError, match="feature names"):  # scikit-learn's check of the columns
        MetaLGBMClassifier(knowledge_base=tiny_kb).fit(frame, y, **wrong)


def test_class_weights_of_text_labels_are_classes(tiny_kb):
    X, y = make_classification(120, 3, n_informative=2, n_redundant=0, random_state=0)
    labels = np.array(["no", "yes"])[y]
    model = MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended", class_weight={"yes": 3.0}).fit(X, labels)
    assert model.params_["class_weight"] == {"yes": 3.0}


def test_clones_share_a_knowledge_base_object_and_the_recommender_fitted_on_it(monkeypatch):
    import copy

    import metahpo.recommendations as recommendations
    from metahpo.knowledge_base import load_shipped

    kb = copy.deepcopy(load_shipped())  # an object of this test's own, no recommender fitted on it yet
    fitted = []

    class Counted(recommendations.Recommender):
        def __init__(self, *args, **kwargs):
            fitted.append(args[1])
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(recommendations, "Recommender", Counted)
    model = MetaLGBMClassifier(knowledge_base=[kb], rounds="recommended")
    assert clone(model).knowledge_base[0] is kb  # not a deep copy, whose recommenders would be fitted anew
    X, y = make_classification(120, 5, random_state=0)
    cross_val_score(model, X, y, cv=3)
    assert fitted == ["binary"]  # one recommender for the three folds' clones


def test_a_nullable_target_keeps_its_classes_as_tune_does(tiny_kb):
    import pyarrow as pa

    X, y = make_classification(120, 4, random_state=0)
    flags = pd.Series(y.astype(bool))
    for target, kind in ((flags.astype("boolean"), "b"), (flags.astype(pd.ArrowDtype(pa.bool_())), "b"),
                         (pd.Series(y).astype("Int64"), "i")):
        model = MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended").fit(X, target)
        assert model.classes_.dtype.kind == kind and model.predict(X[:5]).dtype.kind == kind  # not floats
        assert model.classes_.tolist() == sorted(load(X, target).y.unique().tolist())


def test_an_arrow_table_a_dict_of_columns_and_a_decimal_target_are_taken(tiny_kb):
    import decimal

    import pyarrow as pa

    X, y = make_regression(120, 3, random_state=0)
    frame = pd.DataFrame(X, columns=["a", "b", "c"]).assign(day=pd.date_range("2020", periods=120))
    amounts = pd.Series([decimal.Decimal(str(round(v, 2))) for v in y])  # as read_sql gives a NUMERIC column
    model = MetaLGBMRegressor(knowledge_base=tiny_kb, rounds="recommended").fit(pa.Table.from_pandas(frame), amounts)
    assert model.feature_names_in_.tolist() == ["a", "b", "c", "day"]
    expected = MetaLGBMRegressor(knowledge_base=tiny_kb, rounds="recommended").fit(frame, amounts.astype(float))
    np.testing.assert_array_equal(model.predict(pa.Table.from_pandas(frame)), expected.predict(frame))
    np.testing.assert_array_equal(model.predict(frame.to_dict("series")), expected.predict(frame))
    classifier = MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended")
    assert classifier.fit(frame.to_dict("list"), pa.chunked_array([y > 0])).classes_.tolist() == [False, True]


def test_the_estimators_warn_of_a_target_whose_index_is_xs_in_another_order(tiny_kb):
    X, y = make_classification(120, 4, random_state=0)
    frame, target = pd.DataFrame(X), pd.Series(y)
    with pytest.warns(DataWarning, match=r"paired by position .* pass y.loc\[X.index\]"):
        MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended").fit(frame, target.sort_values())


def test_classes_of_numbers_and_text_are_a_data_error_as_load_says(tiny_kb):
    X, y = make_classification(120, 4, random_state=0)
    mixed = np.array(["yes" if v else 0 for v in y], dtype=object)  # scikit-learn's check: numpy's TypeError
    message = "the target mixes numbers and text: make its classes one kind (e.g. all text: y.astype(str))"
    with pytest.raises(DataError, match=re.escape(message)):
        load(X, mixed)
    with pytest.raises(DataError, match=re.escape(message)):
        MetaLGBMClassifier(knowledge_base=tiny_kb, rounds="recommended").fit(X, mixed)

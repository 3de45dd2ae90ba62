"""The zero-shot drop-in estimators are ordinary scikit-learn estimators."""

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from metahpo.datasets import load
from metahpo.estimators import MetaLGBMClassifier, MetaLGBMRegressor
from metahpo.exceptions import ConfigError


@pytest.fixture(scope="module")
def breast_cancer():
    ds = load("sklearn:breast_cancer")
    return ds.X.to_numpy(), ds.y.to_numpy()


def test_classifier_trains_the_recommended_configuration(tiny_kb, breast_cancer):
    X, y = breast_cancer
    model = MetaLGBMClassifier(knowledge_base=tiny_kb).fit(X, y)
    assert model.params_ == model.recommendation_.best
    assert model.model_.n_estimators == model.params_["n_estimators"]
    assert list(model.classes_) == [0, 1]
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2) and np.allclose(proba.sum(axis=1), 1)
    assert model.score(X, y) > 0.9


def test_rank_picks_a_lower_recommendation(tiny_kb, breast_cancer):
    X, y = breast_cancer
    second = MetaLGBMClassifier(knowledge_base=tiny_kb, rank=1).fit(X, y)
    assert second.params_ == second.recommendation_.configs[1].params
    with pytest.raises(ConfigError, match="rank"):
        MetaLGBMClassifier(knowledge_base=tiny_kb, rank=-1).fit(X, y)


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
    import pandas as pd

    X = pd.DataFrame({"color": rng.choice(["red", "green", "blue"], 300), "size": rng.normal(size=300)})
    y = np.where((X["color"] == "red") | (X["size"] > 1), "yes", "no")
    model = MetaLGBMClassifier(knowledge_base=tiny_kb).fit(X, y)
    assert set(model.classes_) == {"no", "yes"}
    assert set(model.predict(X.head(20))) <= {"no", "yes"}


def test_wrong_number_of_features_at_predict(tiny_kb, breast_cancer):
    X, y = breast_cancer
    model = MetaLGBMClassifier(knowledge_base=tiny_kb).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        model.predict(X[:, :5])


@parametrize_with_checks([MetaLGBMClassifier(), MetaLGBMRegressor()])
def test_scikit_learn_estimator_checks(estimator, check, tiny_kb):
    estimator.set_params(knowledge_base=tiny_kb)  # instances are made at collection, the KB later
    check(estimator)

"""What start-up learns from a knowledge base is learned once per process, and the same as before."""

import dataclasses

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from metahpo import metafeatures, recommendations
from metahpo.datasets import load
from metahpo.recommendations import MetaFeatureSpace, Recommender, get_recommender


def test_a_tasks_recommenders_share_what_they_learn_from_the_knowledge_base(tiny_kb, monkeypatch):
    kb = dataclasses.replace(tiny_kb)  # a knowledge base no other test has fitted recommenders on
    fits = []
    fit = MetaFeatureSpace.fit
    monkeypatch.setattr(MetaFeatureSpace, "fit", lambda self, *args: fits.append(1) or fit(self, *args))
    portfolio = get_recommender(kb, "binary", "auto")  # what tune asks for: the warm start ...
    surrogate = get_recommender(kb, "binary", "surrogate")  # ... and the prior
    assert len(fits) == 1 and surrogate.points is portfolio.points and surrogate.strategy.name == "surrogate"
    assert portfolio.strategy.name == "portfolio"
    get_recommender(kb, "regression", "surrogate")
    assert len(fits) == 2  # another task learns its own

    query = metafeatures.extract(load("sklearn:breast_cancer"))
    alone = Recommender(kb, "binary", "surrogate")
    pd.testing.assert_frame_equal(surrogate.recommend(query, 4).to_frame(), alone.recommend(query, 4).to_frame())
    probe = np.random.default_rng(0).uniform(size=(5, alone.strategy.config_x_.shape[1]))
    assert np.array_equal(surrogate.prior_mean(query)(probe), alone.prior_mean(query)(probe))


def test_spearman_of_every_column_at_once_is_scipys():
    rng = np.random.default_rng(1)
    a = np.column_stack([rng.normal(size=60), rng.integers(0, 4, 60), np.full(60, 2.0), rng.normal(size=60)])
    b = a[:, 0] + rng.normal(size=60)
    expected = [spearmanr(a[:, k], b).statistic for k in (0, 1, 3)]
    got = recommendations._spearman(a, b)
    assert np.allclose(got[[0, 1, 3]], expected, atol=1e-12) and got[2] == 0.0  # a constant column says nothing
    assert np.array_equal(recommendations._spearman(a, np.ones(60)), np.zeros(4))


def test_non_finite_meta_features_scale_as_their_median():
    train = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0, 5.0], "b": [10.0, 0.0, 30.0, 20.0, 40.0]})
    space = MetaFeatureSpace().fit(train, pd.DataFrame(index=train.index))
    query = pd.DataFrame({"b": [np.inf], "a": [np.nan]})  # columns in another order, too
    assert np.array_equal(space.transform(query), [[0.0, 0.0]])
    assert np.array_equal(space.transform(train.iloc[[4]]), [[1.0, 1.0]])  # (5 - 3) / 2, (40 - 20) / 20

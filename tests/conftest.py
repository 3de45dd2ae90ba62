"""Shared fixtures: a tiny knowledge base built for real from small generated and shipped data.

Tests that rebuild a model as users do, ``LGBMClassifier(**params)``, pass ``n_jobs=1`` too: with
LightGBM's default, a thread per core, on a machine whose cores are busy (a knowledge-base build
beside the suite), the threads wait on each other at every step, and a 0.24-second fit took 292.
"""

import copy
import os

import pytest
from sklearn.datasets import make_classification, make_friedman1, make_regression

from metahpo import holdout
from metahpo.build import Builder, Source
from metahpo.datasets import load


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory):
    """Recommender caches go to a folder of the test session, not the user's."""
    os.environ["METAHPO_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(autouse=True)
def _nothing_remembered():
    """Every test trains what it asks for: no hold-out or check remembered from another test."""
    holdout.forget()


def _tiny_sources(folder):
    """Twelve small datasets, four per task, written as CSV files."""
    frames = {f"sk_{n}": load(f"sklearn:{n}") for n in ("iris", "wine", "breast_cancer", "diabetes")}
    for seed in range(3):
        X, y = make_classification(200, 6 + 4 * seed, n_informative=3 + seed, random_state=seed)
        frames[f"cls_{seed}"] = load(X, y)
        X, y = make_regression(200, 5 + 5 * seed, noise=10.0 * seed, random_state=seed)
        frames[f"reg_{seed}"] = load(X, y)
    X, y = make_classification(200, 8, n_informative=4, n_classes=4, random_state=7)
    frames["cls_multi"] = load(X, y)
    X, y = make_friedman1(200, random_state=0)
    frames["friedman"] = load(X, y)
    sources = []
    for name, ds in frames.items():
        path = folder / f"{name}.csv"
        ds.X.assign(target=ds.y).to_csv(path, index=False)
        sources.append(Source(name, str(path)))
    return sources


@pytest.fixture(scope="session")
def tiny_kb(tmp_path_factory):
    """A dense knowledge base over 12 datasets (3 tasks) and a pool of 6 configurations."""
    folder = tmp_path_factory.mktemp("tiny_kb")
    builder = Builder(folder / "kb", _tiny_sources(folder), n_random=3, n_local=1, pool_size=6,
                      max_rows=150, cv=2, n_jobs=1, log=lambda line: None)
    return builder.run()


def _as_checked(kb):
    """``kb`` deep-copied, for scikit-learn's checks: ``check_estimators_overwrite_params`` compares
    the ``joblib.hash`` of a parameter after ``fit`` with that of its deep copy before, and estimators
    share their knowledge base with their clones; a deep copy of pyarrow-backed text columns hashes
    otherwise than the columns as read (the same content), a copy's copy as the copy."""
    return copy.deepcopy(kb)


@pytest.fixture(scope="session")
def checked_kb(tiny_kb):
    """``tiny_kb`` for scikit-learn's estimator checks (:func:`_as_checked`)."""
    return _as_checked(tiny_kb)


@pytest.fixture(scope="session")
def checked_linear_kb(tiny_linear_kb):
    """``tiny_linear_kb`` for scikit-learn's estimator checks (:func:`_as_checked`)."""
    return _as_checked(tiny_linear_kb)


@pytest.fixture(scope="session")
def tiny_linear_kb(tmp_path_factory):
    """The linear family's runs on five datasets of ``tiny_kb`` (two binary, one multiclass, two regression)."""
    folder = tmp_path_factory.mktemp("tiny_linear_kb")
    names = {"sk_breast_cancer", "cls_0", "sk_iris", "sk_diabetes", "reg_0"}
    sources = [s for s in _tiny_sources(folder) if s.dataset_id in names]
    builder = Builder(folder / "kb", sources, family="linear", n_random=2, n_local=1, pool_size=3,
                      max_rows=150, cv=2, n_jobs=1, log=lambda line: None)
    return builder.run()

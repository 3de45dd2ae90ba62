"""Zero-shot recommendations: configurations for a dataset the knowledge base never saw.

The data flow is one way: dataset -> meta-features -> knowledge base -> recommendations.

:class:`MetaFeatureSpace` learns from the knowledge base how to compare datasets: it imputes and
robustly scales the meta-features, and weights each by how well differences in it predict
differences in which configurations do well (a meta-feature that says nothing about that gets
weight zero, i.e. is dropped). Three strategies rank configurations behind one interface,
:class:`BaseStrategy`:

* :class:`NearestDatasets`: the best configurations of the most similar datasets (the
  auto-sklearn warm start);
* :class:`Portfolio`: greedy best-of-n selection over the similar datasets (auto-sklearn 2.0,
  FLAML's zero-shot), which hedges between their needs;
* :class:`Surrogate`: a model of normalized score from (meta-features, configuration) that ranks
  the whole pool.

Every strategy falls back towards the robust global portfolio when the dataset lies far from all
knowledge-base datasets (low :attr:`Recommendation.confidence`).
"""

from __future__ import annotations

import copy
import json
import math
import time
import weakref
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from metahpo import cache
from metahpo.datasets import Dataset, load, plain
from metahpo.evaluation import check_metric, check_n_jobs, check_seed, check_whole
from metahpo.exceptions import ConfigError, KnowledgeBaseError, KnowledgeBaseWarning, warn
from metahpo.families import FAMILIES, ModelFamily, get_family
from metahpo.holdout import (CHECK_FOLDS, DEFAULT_ID, HOLDOUT_MAX_ROWS, MAX_ROUNDS, MIN_VALIDATION_ROWS,
                             SELECT_MIN_ROWS, VALIDATION_FRACTION, check_against_default, checks_default,
                             default_params, holdout_gap, orders_as_loss, orders_by_holdout, rank_by_holdout,
                             rounds_growth)
from metahpo.knowledge_base import KnowledgeBase, KnowledgeSource, base_id, normalize, of_families, resolve
from metahpo.progress import eta_line, to_stderr
from metahpo.spaces import Config, SearchSpace

LOW_CONFIDENCE = 0.1
"""Below this confidence half of the list comes from the global portfolio instead of the neighbours."""

MAX_PAIRS = 20_000
"""Dataset pairs used to learn meta-feature weights, at most (a seeded sample of a large KB)."""

POOL_COVERAGE = 0.5
"""A configuration joins the candidate pool when it ran on at least this share of the task's datasets."""


ROUNDS_FLOOR = {"binary": 5.0, "multiclass": 0.0, "regression": 20.0}
"""Per task, a recommendation trains at least ``ceil(ROUNDS_FLOOR / learning_rate)`` rounds (a
learning budget; LightGBM's defaults have 10: 100 rounds at 0.1). Rounds chosen on neighbours whose
best was a few trees (noise-like data) otherwise leave a model that cannot learn a signal needing
many (parity5+5: 50 rounds, AUC 0.34 against the defaults' 0.998). Chosen on the dev datasets of
both corpora with knowledge base v2 by a rule written before the rows were read
(``scripts/benchmark_zeroshot_rounds.py --rule floor``, docs/benchmarks.md): binary 27 better /
18 worse, regression 58 / 20; no floor on multiclass helped more datasets than it hurt."""


def budget_rounds(budget: float, learning_rate: float) -> int:
    """The fewest rounds that spend a learning budget (rounds x learning rate) at this learning rate."""
    return math.ceil(budget / learning_rate)


N_RECOMMENDED = 10
"""How many configurations a recommendation lists by default, all held out and ordered on large data."""

WARM_START = 5
"""How many recommended configurations ``tune`` evaluates first by default, before its sampler: five
beat three, seven and ten on cross-validated score at ten trials (docs/benchmarks.md, "Another
warm-start size")."""

ROUNDS = ("holdout", "recommended")
"""Where a LightGBM configuration's rounds come from: a hold-out of the data
(:func:`~metahpo.holdout.holdout_rounds`), or the knowledge base (the neighbours' rounds,
:meth:`Recommender.recommend`)."""


def check_rounds(rounds: Any) -> None:
    """A ConfigError unless ``rounds`` is one of :data:`ROUNDS`."""
    if rounds not in ROUNDS:
        raise ConfigError(f"rounds must be one of {', '.join(map(repr, ROUNDS))}; got {plain(rounds)!r}")


AUTO_FAMILY = "auto"
"""The ``family`` that asks metahpo to choose one."""


def check_family(family: Any) -> str:
    """The name of ``family``: a model family's (:data:`~metahpo.families.FAMILIES`, by name or
    the family itself) or :data:`AUTO_FAMILY`; otherwise a :class:`ConfigError` that names the choices."""
    if isinstance(family, ModelFamily):
        return family.name
    if family == AUTO_FAMILY or (isinstance(family, str) and family in FAMILIES):
        return family
    raise ConfigError(f"unknown model family {family!r}; known: {', '.join(FAMILIES)}, or {AUTO_FAMILY!r} to search "
                      f"or choose among them")

FAMILY_NEIGHBORS = 10
"""Nearest datasets :func:`choose_family` compares the families on (as many as a configuration's
expected score averages over; fixed before the families were compared on any dataset)."""


# ---------------------------------------------------------------------- results


@dataclass
class RecommendedConfig:
    """One recommended configuration.

    Attributes
    ----------
    params : dict
        LightGBM keyword arguments, usable as is: the configuration, its rounds, the fixed
        settings and the seed, so ``lightgbm.LGBMClassifier(**params)`` is the model the
        knowledge base scored.
    config_id : str
        The configuration's id in the knowledge base (:data:`DEFAULT_ID` for LightGBM's defaults
        put first by the check of :func:`with_holdout_rounds`).
    expected_normalized : float or None
        Expected *normalized* score, 0 to 1, not the metric: on each similar dataset the knowledge
        base scales its configurations' scores to 1 for the best and 0 for the worst, and this is
        the similarity-weighted mean of the configuration's place on that scale. None for
        LightGBM's defaults put first by the check, which the knowledge base did not rank.
    expected_value : float or None
        The metric itself as the configuration scored on the similar datasets (the same weighted
        mean, of cross-validated scores): a rough guide, since datasets differ in how hard they
        are. None when the dataset lies far from every knowledge-base dataset (confidence below
        ``LOW_CONFIDENCE``), where the neighbours' scores say little.
    support : list of str
        The knowledge-base datasets whose runs support it, nearest first.
    reason : str
        Why it was chosen, in words.
    """

    params: dict[str, Any]
    config_id: str
    expected_normalized: float | None
    expected_value: float | None
    support: list[str]
    reason: str


@dataclass
class Recommendation:
    """Ranked configurations of one model family for one dataset, with the evidence behind them.

    Each configuration's ``params`` are the knowledge base's configuration, with LightGBM's rounds
    found on the data (or the neighbours' with ``rounds="recommended"``) and the settings the
    knowledge base trained it with, for the family's estimator (:func:`metahpo.families.get_family`
    ``(family).make_estimator``; for LightGBM, ``lightgbm.LGBMClassifier(**params)``).

    Attributes
    ----------
    configs : list of RecommendedConfig
        The configurations, best first (:attr:`best` is the first one's ``params``).
    neighbors : DataFrame
        The knowledge base's datasets by distance in meta-feature space, nearest first.
    metafeatures : Series
        The dataset's meta-features.
    confidence : float
        The share of the knowledge base's datasets whose own nearest neighbour is at least as far
        as this dataset's nearest one: 0 beyond all of them, 1 as close as the closest.
    strategy, task, metric, dataset, family : str
        The strategy that ranked them, the dataset's task, the metric, its name, the model family.
    notes : list of str
        What was done beyond the ranking (rounds found on the data, the check against the defaults).
    """

    configs: list[RecommendedConfig]
    neighbors: pd.DataFrame
    metafeatures: pd.Series
    confidence: float
    strategy: str
    task: str
    metric: str
    dataset: str
    notes: list[str] = field(default_factory=list)
    family: str = "lightgbm"

    def __len__(self) -> int:
        return len(self.configs)

    def __getitem__(self, i: int) -> RecommendedConfig:
        return self.configs[i]

    @property
    def best(self) -> dict[str, Any]:
        """The parameters of the top configuration."""
        return self.configs[0].params

    def to_frame(self) -> pd.DataFrame:
        """One row per configuration: rank, expected normalized score and metric, parameters, support."""
        rows = [{"rank": i + 1, "config_id": c.config_id, "expected_normalized": c.expected_normalized,
                 f"expected_{self.metric}": c.expected_value, **c.params,
                 "support": ", ".join(c.support[:3])} for i, c in enumerate(self.configs)]
        return pd.DataFrame(rows).set_index("rank")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "dataset": self.dataset, "family": self.family, "task": self.task, "metric": self.metric,
            "strategy": self.strategy,
            "confidence": self.confidence, "notes": self.notes,
            "configs": [{"rank": i + 1, "config_id": c.config_id, "expected_normalized": c.expected_normalized,
                         "expected_value": c.expected_value, "params": c.params, "support": c.support, "reason": c.reason}
                        for i, c in enumerate(self.configs)],
            "neighbors": self.neighbors.reset_index().to_dict("records"),
        }

    def explain(self) -> str:
        """Why each configuration was chosen, in words."""
        near = ", ".join(f"{r.Index} ({r.distance:.2f})" for r in self.neighbors.head(5).itertuples())
        lines = [
            f"Recommendations for {self.dataset!r} ({self.task}, metric {self.metric}): {self.family} configurations "
            f"by the {self.strategy} strategy.",
            f"Nearest knowledge-base datasets (distance): {near}.",
            f"Confidence {self.confidence:.2f}: " + _confidence_words(self.confidence),
            *self.notes,
        ]
        for i, c in enumerate(self.configs, 1):
            value = "" if c.expected_value is None else f", {self.metric} {c.expected_value:.4g} on them"
            expected = ("not ranked by the knowledge base" if c.expected_normalized is None
                        else f"normalized {c.expected_normalized:.3f} on similar datasets (weighted by similarity, "
                             f"the {len(c.support) or 'nearest'} nearest that ran it){value}")
            lines.append(f"{i:>2}. {expected}: {c.reason}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"Recommendation(dataset={self.dataset!r}, family={self.family!r}, strategy={self.strategy!r}, "
                f"n={len(self.configs)}, confidence={self.confidence:.2f})")


# ---------------------------------------------------------------------- meta-feature space


class MetaFeatureSpace:
    """Learned comparison of datasets by meta-features.

    ``fit`` imputes each meta-feature with its median, scales it by its inter-quartile range, and
    weights it by the Spearman correlation, over pairs of knowledge-base datasets, between the
    meta-feature's difference and the difference of the datasets' normalized-score profiles;
    negative or negligible correlations get weight zero.
    """

    def fit(self, metafeatures: pd.DataFrame, scores: pd.DataFrame) -> MetaFeatureSpace:
        mf = metafeatures.replace([np.inf, -np.inf], np.nan)
        self.names_ = list(mf.columns)
        self.median_ = mf.median().fillna(0.0)
        spread = (mf.quantile(0.75) - mf.quantile(0.25)).fillna(0.0)
        self.scale_ = spread.where(spread > 1e-12, mf.std().fillna(0.0)).where(lambda s: s > 1e-12, 1.0)
        z = self._scale(mf)
        self.weights_ = self._learn_weights(z, scores.reindex(mf.index))
        return self

    def transform(self, metafeatures: pd.DataFrame) -> np.ndarray:
        """Scaled, weighted meta-features (rows: datasets)."""
        return self._scale(metafeatures.reindex(columns=self.names_)) * self.weights_.to_numpy()

    def _scale(self, mf: pd.DataFrame) -> np.ndarray:
        x, median = mf.to_numpy(float), self.median_.to_numpy()
        z = (np.where(np.isfinite(x), x, median) - median) / self.scale_.to_numpy()
        return np.clip(z, -5, 5)

    def _learn_weights(self, z: np.ndarray, scores: pd.DataFrame) -> pd.Series:
        n = len(z)
        uniform = pd.Series(1.0, index=self.names_)
        if n < 5:
            return uniform
        i, j = np.triu_indices(n, k=1)
        if len(i) > MAX_PAIRS:
            keep = np.random.default_rng(0).choice(len(i), MAX_PAIRS, replace=False)
            i, j = i[keep], j[keep]
        s = scores.to_numpy(float)
        diff = np.abs(s[i] - s[j])
        both = ~np.isnan(diff)
        enough = both.sum(axis=1) >= 3
        if enough.sum() < 10:
            return uniform
        profile = np.nanmean(np.where(both, diff, np.nan)[enough], axis=1)
        feature_diff = np.abs(z[i] - z[j])[enough]
        w = pd.Series(np.clip(_spearman(feature_diff, profile), 0, None), index=self.names_)
        return w / w.max() if w.max() > 0 else uniform


def _spearman(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The Spearman correlation of each column of ``a`` with ``b``; 0 where either is constant."""
    ra = pd.DataFrame(a).rank().to_numpy()
    rb = pd.Series(b).rank().to_numpy()
    ra, rb = ra - ra.mean(axis=0), rb - rb.mean()
    norms = np.sqrt((ra**2).sum(axis=0) * (rb**2).sum())
    return np.divide(ra.T @ rb, norms, out=np.zeros(len(norms)), where=norms > 0)


# ---------------------------------------------------------------------- strategies


@dataclass
class Context:
    """What a strategy sees: the task's normalized score matrix, candidate pool, and neighbours."""

    scores: pd.DataFrame            # datasets x configurations, normalized to [0, 1], NaN where not run
    pool: list[str]                 # configuration ids run on most of the task's datasets
    neighbors: pd.Series            # dataset id -> distance, nearest first
    confidence: float
    metafeatures: np.ndarray        # the input's transformed meta-features


class BaseStrategy(ABC):
    """Ranks configurations for a new dataset from its neighbours in the knowledge base."""

    name: str = "base"

    def fit(self, recommender: Recommender) -> BaseStrategy:
        """Learn what the strategy needs from the recommender's view of the knowledge base: its
        normalized ``scores``, the transformed meta-features ``points`` of its datasets ``ids``,
        and the configurations' parameters (default: nothing)."""
        return self

    @abstractmethod
    def rank(self, ctx: Context, n: int) -> list[tuple[str, str]]:
        """The ``n`` best configuration ids, each with a reason in words."""


class NearestDatasets(BaseStrategy):
    """The best configurations of the nearest datasets, taken in turn (auto-sklearn's warm start):
    the ``k`` nearest first, then, when they ran fewer than a list asks for, the next ``k``."""

    name = "nearest"

    def __init__(self, k: int = 10) -> None:
        self.k = k

    def rank(self, ctx: Context, n: int) -> list[tuple[str, str]]:
        chosen: dict[str, str] = {}
        for start in range(0, len(ctx.neighbors), self.k):
            ordered = {d: ctx.scores.loc[d, ctx.pool].dropna().sort_values(ascending=False).index.tolist()
                       for d in ctx.neighbors.index[start: start + self.k]}
            depth = 0
            while len(chosen) < n and any(depth < len(v) for v in ordered.values()):
                for d, configs in ordered.items():
                    if depth < len(configs) and configs[depth] not in chosen and len(chosen) < n:
                        chosen[configs[depth]] = (f"#{depth + 1} on the similar dataset {d} "
                                                  f"(distance {ctx.neighbors[d]:.2f})")
                depth += 1
            if len(chosen) == n:
                break
        return list(chosen.items())


class Portfolio(BaseStrategy):
    """Greedy best-of-n: each next configuration adds the most to the weighted mean, over the
    task's datasets, of the best normalized score reached so far (auto-sklearn 2.0, FLAML's
    zero-shot). A dataset's weight blends its similarity (the ``k`` nearest, weighted by
    ``exp(-distance / median distance of the k)``) with a uniform share ``shrinkage`` over all
    datasets, which hedges against a misleading neighbour. With ``first_k``, the first
    configuration (the one a zero-shot user fits) is instead the best on the ``first_k`` nearest
    alone (same kernel, no shrinkage); it is off by default: ``first_k=5`` won on the ``dev``
    split but not on the final one (docs/benchmarks.md, "The first pick from the five nearest
    datasets"). ``k`` and ``shrinkage`` were chosen by the leave-one-group-out benchmark on the
    PMLB ``dev`` datasets alone, with candidates that the left-out group did not produce
    (``benchmark_recommend.py --select``)."""

    name = "portfolio"

    def __init__(self, k: int = 25, shrinkage: float = 0.6, first_k: int | None = None) -> None:
        self.k, self.shrinkage, self.first_k = k, shrinkage, first_k

    def rank(self, ctx: Context, n: int) -> list[tuple[str, str]]:
        data = ctx.neighbors.index
        m = ctx.scores.loc[data, ctx.pool].fillna(0.0).to_numpy()
        w = (1 - self.shrinkage) * _kernel(ctx.neighbors, self.k) + self.shrinkage / len(data)
        first_w = w if self.first_k is None else _kernel(ctx.neighbors, self.first_k)
        reached = np.zeros(len(data))
        mean = (m * w[:, None]).sum(axis=0)  # breaks ties of the gain, as when the best reached is 1 everywhere
        out: list[tuple[str, str]] = []
        for _ in range(min(n, len(ctx.pool))):
            gain = (np.maximum(m, reached[:, None]) * (first_w if not out else w)[:, None]).sum(axis=0)
            gain[[ctx.pool.index(c) for c, _ in out]] = -np.inf
            tied = np.flatnonzero(gain == gain.max())
            j = int(tied[np.argmax(mean[tied])])
            top = int(np.argmax(m[: self.k, j] * w[: self.k]))  # its largest weighted score among the similar
            if out or self.first_k is None:
                reason = (f"raises the weighted best-of-{len(out) + 1} over the {len(data)} knowledge-base datasets "
                          f"(each size of one counted) to {gain[j]:.3f}")
            else:
                reason = f"the best on the {min(self.first_k, len(data))} most similar datasets ({gain[j]:.3f})"
            out.append((ctx.pool[j], f"{reason} (its largest weighted score among the similar: {m[top, j]:.3f} "
                                     f"normalized on {data[top]})"))
            reached = np.maximum(reached, m[:, j])
        return out


def _kernel(neighbors: pd.Series, k: int) -> np.ndarray:
    """Weights of the ``k`` nearest datasets (``exp(-distance / their median distance)``, summing
    to 1), zero for the others; ``neighbors`` is nearest first."""
    distance = neighbors.to_numpy()[:k]
    local = np.zeros(len(neighbors))
    local[:k] = np.exp(-distance / max(float(np.median(distance)), 1e-9))
    return local / local.sum()


_TREE_SETTINGS = {"min_samples_leaf": 5, "max_features": 0.5}
"""The surrogate's ExtraTrees settings besides its size and seed (part of its cache entry's key)."""


class Surrogate(BaseStrategy):
    """Extremely randomized trees of normalized score on (meta-features, configuration), ranking
    the pool. Extra trees fit several times faster than a random forest on knowledge-base sized
    data, and their averaged random splits give the smoother surface a prior mean wants."""

    name = "surrogate"

    def __init__(self, n_estimators: int = 100, random_state: int = 0) -> None:
        self.n_estimators, self.random_state = n_estimators, random_state

    def fit(self, recommender: Recommender) -> Surrogate:
        """Fit the trees, or read them from :mod:`metahpo.cache` when they were fitted on this
        knowledge base before (fitting takes seconds; reading, milliseconds)."""
        import sklearn

        scores = recommender.scores
        space = recommender.search_space
        configs = scores.columns.tolist()
        self.config_x_ = pd.DataFrame([space.encode(c) for c in recommender.kb.params(configs)], index=configs)
        kb = recommender.kb
        key = cache.content_key((kb.datasets, kb.configurations, kb.runs), "surrogate", recommender.task,
                                recommender.metric, self.n_estimators, self.random_state, _TREE_SETTINGS,
                                sklearn.__version__)
        arrays = cache.load(key)
        n_features = np.shape(recommender.points)[1] + space.dim
        if arrays is None or not _well_formed(arrays, self.n_estimators, n_features):  # damaged: fitted anew
            arrays = _tree_arrays(self._fit_trees(recommender, scores))
            cache.save(key, arrays)
        self.trees_ = _trees(arrays)
        return self

    def _fit_trees(self, recommender: Recommender, scores: pd.DataFrame) -> list[Any]:
        from sklearn.ensemble import ExtraTreesRegressor

        stacked = scores.stack().dropna().rename("y").reset_index()
        mf = pd.DataFrame(recommender.points, index=recommender.ids)
        X = np.hstack([mf.loc[stacked["dataset_id"]].to_numpy(), self.config_x_.loc[stacked["config_id"]].to_numpy()])
        model = ExtraTreesRegressor(self.n_estimators, **_TREE_SETTINGS, n_jobs=1,
                                    random_state=self.random_state).fit(X, stacked["y"])
        return [estimator.tree_ for estimator in model.estimators_]

    def predictor(self, metafeatures: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """Predicted normalized score of unit-cube-encoded configurations on a dataset with these
        (transformed) meta-features."""
        # the trees' own predict, as the forest's would call it, without the forest's per-call and
        # per-tree validation: a prior mean is asked at every trial, and that validation tripled its cost
        trees = self.trees_

        def predict(points: np.ndarray) -> np.ndarray:
            points = np.atleast_2d(points)
            X = np.hstack([np.repeat(metafeatures[None, :], len(points), axis=0), points]).astype(np.float32)
            return np.mean([tree.predict(X)[:, 0] for tree in trees], axis=0)

        return predict

    def rank(self, ctx: Context, n: int) -> list[tuple[str, str]]:
        predicted = self.predictor(ctx.metafeatures)(self.config_x_.loc[ctx.pool].to_numpy())
        order = np.argsort(-predicted)[:n]
        return [(ctx.pool[j], f"predicted normalized score {predicted[j]:.3f} by the surrogate model")
                for j in order]


_NODE_FIELDS = ("left_child", "right_child", "feature", "threshold")


def _tree_arrays(trees: list[Any]) -> dict[str, np.ndarray]:
    """Fitted scikit-learn regression trees as plain arrays: what prediction needs of each node,
    every tree's nodes one after the other (``sizes`` says how many each has)."""
    nodes = [tree.__getstate__()["nodes"] for tree in trees]
    return {"sizes": np.array([len(n) for n in nodes]), "n_features": np.array(trees[0].n_features),
            **{name: np.concatenate([n[name] for n in nodes]) for name in _NODE_FIELDS},
            "value": np.concatenate([tree.value[:, 0, 0] for tree in trees])}


def _well_formed(arrays: dict[str, np.ndarray], n_trees: int, n_features: int) -> bool:
    """Whether ``arrays`` are ``n_trees`` trees on ``n_features`` features as :func:`_tree_arrays`
    writes them: every node's children (whole numbers) after it inside its own tree, every split on a
    feature there is at a finite threshold, leaves without children. Anything else (a file damaged or
    not written by metahpo) could crash the compiled predict, which trusts its nodes, or loop it forever."""
    try:
        if any(name not in arrays for name in ("sizes", "n_features", "value", *_NODE_FIELDS)):
            return False
        declared, sizes = np.asarray(arrays["n_features"]).ravel(), np.asarray(arrays["sizes"])
        if declared.shape != (1,) or int(declared[0]) != n_features or sizes.dtype.kind not in "iu":
            return False
        total = int(sizes.sum()) if sizes.ndim == 1 and len(sizes) == n_trees and (sizes > 0).all() else -1
        kinds = {"value": "iuf", "threshold": "iuf", "left_child": "iu", "right_child": "iu", "feature": "iu"}
        if total < 0 or any(np.asarray(arrays[name]).shape != (total,) or np.asarray(arrays[name]).dtype.kind
                            not in kind for name, kind in kinds.items()):  # numbers (indices whole), one per node
            return False
        own = np.repeat(sizes, sizes)  # each node's tree size, and its index within its tree
        index = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        left, right, feature = (np.asarray(arrays[name]) for name in ("left_child", "right_child", "feature"))
        leaf = (left == -1) & (right == -1)
        split = ((left > index) & (left < own) & (right > index) & (right < own)
                 & (feature >= 0) & (feature < n_features))
        return bool(np.all(leaf | split) and all(np.isfinite(np.asarray(arrays[name], dtype=float)).all()
                                                 for name in ("value", "threshold")))
    except (TypeError, ValueError):  # arrays of text, or of shapes that do not broadcast
        return False


def _trees(arrays: dict[str, np.ndarray]) -> list[Any]:
    """The trees back from :func:`_tree_arrays` as scikit-learn trees (whose compiled predict is
    fast), through the state interface scikit-learn's own persistence uses; the node statistics
    prediction does not read are zero."""
    from sklearn.tree._tree import Tree

    n_features, trees, start = int(arrays["n_features"]), [], 0
    dtype = Tree(1, np.array([1], dtype=np.intp), 1).__getstate__()["nodes"].dtype
    for size in arrays["sizes"]:
        part = slice(start, start + int(size))
        nodes = np.zeros(int(size), dtype=dtype)
        for name in _NODE_FIELDS:
            nodes[name] = arrays[name][part]
        tree = Tree(n_features, np.array([1], dtype=np.intp), 1)
        tree.__setstate__({"max_depth": 0, "node_count": int(size), "nodes": nodes,
                           "values": arrays["value"][part].reshape(-1, 1, 1)})
        trees.append(tree)
        start += int(size)
    return trees


STRATEGIES: dict[str, type[BaseStrategy]] = {s.name: s for s in (NearestDatasets, Portfolio, Surrogate)}
AUTO_STRATEGY = "portfolio"
"""What ``strategy="auto"`` means; chosen by the leave-one-dataset-out benchmark (docs/benchmarks.md)."""


# ---------------------------------------------------------------------- recommender


class Recommender:
    """Recommends configurations for one task from a knowledge base.

    Parameters
    ----------
    knowledge_base : KnowledgeBase
    task : {"binary", "multiclass", "regression"}
    strategy : str or BaseStrategy
        ``"auto"``, ``"nearest"``, ``"portfolio"``, ``"surrogate"``, or an instance.
    metric : str, optional
        A metric the knowledge base stores (default: the task's).
    """

    def __init__(self, knowledge_base: KnowledgeBase, task: str, strategy: str | BaseStrategy = "auto",
                 metric: str | None = None) -> None:
        self.kb, self.task = knowledge_base, task
        self.metric = check_metric(metric, task)
        self.strategy = check_strategy(strategy)
        self.search_space = get_family(knowledge_base.family).space_for(task)
        self._fit()

    def _fit(self) -> None:
        kb, task = self.kb, self.task
        check_space_version(kb)
        if not (kb.datasets["task"] == task).any():
            have = ", ".join(sorted(kb.datasets["task"].unique())) or "none"
            raise KnowledgeBaseError(f"the knowledge base has no {task} dataset (it has: {have})")
        self.raw_scores = kb.matrix(self.metric, task)
        self.scores = normalize(self.raw_scores)
        if self.scores.empty:
            raise KnowledgeBaseError(f"the knowledge base has no successful {task} run for metric {self.metric}")
        coverage = self.scores.notna().mean()
        built = coverage.index.isin(kb.pool_ids())  # candidates however many datasets ran only their own runs
        self.pool = coverage[(coverage >= min(POOL_COVERAGE, coverage.max())) | built].index.tolist()
        mf = kb.metafeatures(task).loc[self.scores.index]
        if mf.shape[1] == 0:
            raise KnowledgeBaseError("the knowledge base holds no meta-features")
        self.space = MetaFeatureSpace().fit(mf, self.scores[self.pool])
        self.points = self.space.transform(mf)
        self.ids = mf.index
        self.names = kb.datasets.set_index("dataset_id")["name"]
        # each dataset's distance to its nearest other dataset (its own other sizes do not count:
        # they would make every dataset look crowded and every newcomer look far)
        nn = _pairwise(self.points, self.points)
        base = mf.index.map(base_id).to_numpy()
        nn[base[:, None] == base[None, :]] = np.inf
        nearest = nn.min(axis=1)
        nearest = nearest[np.isfinite(nearest)]
        self.typical_nn = np.sort(nearest) if len(nearest) else np.array([1.0])
        self.global_rank = self.scores[self.pool].mean().sort_values(ascending=False)
        self.strategy.fit(self)
        self.params: dict[str, Config] = _checked_params(kb, self.pool, self.search_space)
        runs = kb.runs[kb.runs["status"] == "ok"]
        self.iterations = runs.pivot_table(index="dataset_id", columns="config_id", values="best_iteration")
        # rows each knowledge-base dataset's models trained on: its cross-validation training parts
        folds = pd.to_numeric(runs.groupby("dataset_id")["cv"].median(), errors="coerce").fillna(3.0).clip(lower=2)
        n_rows = kb.datasets.set_index("dataset_id")["n_rows"].astype(float)
        self.train_rows = (n_rows * (1 - 1 / folds.reindex(n_rows.index).fillna(3.0))).reindex(self.ids)

    def with_strategy(self, strategy: str | BaseStrategy) -> Recommender:
        """This recommender with another strategy: what it learned from the knowledge base is
        shared, and only the new strategy is fitted."""
        other = copy.copy(self)
        other.strategy = check_strategy(strategy).fit(other)
        return other

    def neighbors(self, metafeatures: pd.Series) -> tuple[np.ndarray, pd.Series, pd.Series]:
        """The dataset's point in the learned meta-feature space, its distance to every
        knowledge-base dataset (nearest first) and their similarity weights, summing to 1."""
        x = self.space.transform(metafeatures.to_frame().T)[0]
        dist = pd.Series(_pairwise(x[None, :], self.points)[0], index=self.ids).sort_values()
        weights = np.exp(-dist / max(np.median(self.typical_nn), 1e-9))
        return x, dist, weights / weights.sum()

    def recommend(self, metafeatures: pd.Series, n: int = N_RECOMMENDED, name: str = "dataset",
                  train_rows: int | None = None) -> Recommendation:
        """Rank configurations for a dataset with these meta-features.

        Configurations that cannot grow trees on ``train_rows`` rows (default: the dataset's
        ``n_rows``), such as a large ``min_child_samples`` on small data, are left out
        (:meth:`SearchSpace.fits <metahpo.spaces.SearchSpace.fits>`).
        """
        x, dist, weights = self.neighbors(metafeatures)
        confidence = float(np.mean(self.typical_nn >= dist.iloc[0]))
        notes = []
        rows = train_rows if train_rows is not None else metafeatures.get("n_rows")
        pool = self._fitting(rows, notes)
        ranked = self.strategy.rank(Context(self.scores, pool, dist, confidence, x), n)
        if confidence < LOW_CONFIDENCE:  # far from everything: trust the global portfolio for half the list
            notes.append("Far from every knowledge-base dataset: the list interleaves the configurations "
                         "best on average over all datasets.")
            ranked = _interleave(ranked, [(c, "best on average over all knowledge-base datasets")
                                          for c in self.global_rank.index if c in pool], n)
        by_distance = self.scores.reindex(dist.index)  # nearest dataset first
        raw = self.raw_scores.reindex(dist.index) if confidence >= LOW_CONFIDENCE else None
        iterations = self.iterations.reindex(index=dist.index)
        growth = np.ones(len(dist))  # how many times more rows the models will train on than the neighbours'
        if rows is not None and np.isfinite(rows):
            growth = np.maximum(1.0, float(rows) / self.train_rows.reindex(dist.index).to_numpy())
        configs = [self._config(cid, reason, by_distance, raw, iterations, weights.to_numpy(), growth)
                   for cid, reason in ranked[:n]]
        if len(configs) < n:
            notes.append(f"{len(configs)} of the {n} configurations asked for: the {self.strategy.name} strategy "
                         f"ranks no more of the knowledge base's {len(pool)} for this dataset.")
        neighbors = pd.DataFrame({"name": self.names.reindex(dist.index).to_numpy(), "distance": dist.to_numpy()},
                                 index=pd.Index(dist.index, name="dataset_id")).head(10)
        return Recommendation(configs, neighbors, metafeatures, confidence, self.strategy.name,
                              self.task, self.metric, name, notes, self.kb.family)

    def prior_mean(self, metafeatures: pd.Series) -> Callable[[np.ndarray], np.ndarray]:
        """The learned surrogate's score for encoded configurations on this dataset: the Bayesian
        sampler's prior mean. Needs the ``"surrogate"`` strategy."""
        if not isinstance(self.strategy, Surrogate):
            raise ConfigError("a prior mean needs a recommender with the 'surrogate' strategy")
        return self.strategy.predictor(self.space.transform(metafeatures.to_frame().T)[0])

    def _fitting(self, rows: float | None, notes: list[str]) -> list[str]:
        """The pool's configurations that can grow trees on ``rows`` training rows (all of them when
        the rows are unknown or none fits), noting in ``notes`` what was left out."""
        if rows is None or not np.isfinite(rows):
            return self.pool
        space = self.search_space
        fitting = [cid for cid in self.pool if space.fits(self.params[cid], int(rows))]
        if not fitting or len(fitting) == len(self.pool):
            return self.pool
        notes.append(f"{len(self.pool) - len(fitting)} of {len(self.pool)} configurations were left out: with "
                     f"their {space.leaf_rows}, trees on {int(rows)} training rows could not reach "
                     f"{space.min_leaves} leaves.")
        return fitting

    def _config(self, cid: str, reason: str, by_distance: pd.DataFrame, raw: pd.DataFrame | None,
                iterations: pd.DataFrame, weights: np.ndarray, growth: np.ndarray) -> RecommendedConfig:
        """The configuration with its expected scores: the similarity-weighted means of its
        normalized scores and of its metric (``raw``, None when the neighbours say too little) on
        the nearest datasets that ran it (rows of ``by_distance``, nearest first, with
        ``weights``); without its own ``n_estimators``, the median rounds early stopping chose there,
        each scaled by :func:`~metahpo.holdout.rounds_growth` of ``growth`` (data that many times larger than the
        neighbour's needs more rounds at the same learning rate), at least the learning budget
        :data:`ROUNDS_FLOOR` allows and at most :data:`~metahpo.holdout.MAX_ROUNDS`."""
        params = dict(self.params[cid])
        column = by_distance[cid].to_numpy() if cid in by_distance else np.full(len(by_distance), np.nan)
        near = np.flatnonzero(~np.isnan(column))[:10]
        w = weights[near] if weights[near].sum() > 0 else None

        def weighted(values: np.ndarray) -> float:
            return float(np.average(values[near], weights=w)) if len(near) else float("nan")

        expected = weighted(column)
        value = weighted(raw[cid].to_numpy()) if raw is not None and cid in raw else None
        if self.search_space.max_rounds and "n_estimators" not in params:
            scale = rounds_growth(growth[near], self.task)
            its = iterations[cid].to_numpy()[near] * scale if cid in iterations else np.array([])
            its = its[~np.isnan(its)]
            rounds = float(np.median(its)) if len(its) else 100.0
            floor = budget_rounds(ROUNDS_FLOOR[self.task], float(params.get("learning_rate", 0.1)))
            params["n_estimators"] = int(np.clip(max(rounds, floor), 10, MAX_ROUNDS))
        return RecommendedConfig(self.search_space.estimator_params(params), cid, expected, value,
                                 by_distance.index[near].tolist(), reason)


def _checked_params(kb: KnowledgeBase, config_ids: list[str], space: SearchSpace) -> dict[str, Config]:
    """The configurations that may be recommended, validated against the family's space for the
    task: only its declared parameters may leave a knowledge base (one from elsewhere could
    otherwise hand LightGBM, say, ``machines`` to connect to)."""
    table = kb.configurations.drop_duplicates("config_id").set_index("config_id")["params"]
    out = {}
    for cid, text in table.reindex(config_ids).items():
        try:
            out[cid] = space.config_of(json.loads(text))
        except (ConfigError, ValueError, TypeError) as exc:
            raise KnowledgeBaseError(f"configuration {cid} of the knowledge base is not a valid {space.family} "
                                     f"configuration: {exc}") from None
    return out


def check_space_version(kb: KnowledgeBase) -> None:
    """Warn (:class:`~metahpo.exceptions.KnowledgeBaseWarning`) if ``kb`` holds runs of another
    version of its family's space than the current one: its scores are of other models."""
    version = get_family(kb.family).space.version
    if kb.space_version and kb.space_version != version:
        warn(f"the knowledge base holds runs of the {kb.family} family's space {kb.space_version}, but the "
             f"family's space is now {version}: its scores are of models with other fixed settings than the "
             f"configurations it hands out; evaluate its runs again (metahpo kb build --reevaluate)",
             KnowledgeBaseWarning)


def check_strategy(strategy: str | BaseStrategy) -> BaseStrategy:
    """A strategy instance from a name (``"auto"`` included) or an instance."""
    if isinstance(strategy, BaseStrategy):
        return strategy
    name = AUTO_STRATEGY if strategy == "auto" else strategy
    if name not in STRATEGIES:
        raise ConfigError(f"unknown strategy {strategy!r}; choose auto, {', '.join(STRATEGIES)}")
    return STRATEGIES[name]()


def recommend(
    data: Any,
    y: Any = None,
    *,
    target: str | None = None,
    n: int = N_RECOMMENDED,
    task: str | None = None,
    categorical: list[str] | None = None,
    family: str | None = None,
    knowledge_base: KnowledgeSource | Sequence[KnowledgeSource] | None = None,
    strategy: str | BaseStrategy = "auto",
    metric: str | None = None,
    rounds: str | None = None,
    n_jobs: int = 1,
    random_state: int | None = 0,
    verbose: bool = True,
) -> Recommendation:
    """Recommend configurations of a model family for a dataset, zero-shot.

    Parameters
    ----------
    data : Dataset, DataFrame, array-like, str or Path
        Anything :func:`metahpo.load` takes.
    y, target
        The target, as :func:`metahpo.load` takes it: an array beside a feature matrix, or the
        name of a DataFrame's or file's target column.
    n : int
        How many configurations.
    task : str, optional
        Override the inferred task.
    categorical : list of str, optional
        Columns to make categorical, as :func:`metahpo.load` takes them.
    family : {"lightgbm", "linear", "auto"}, optional
        The model family: the knowledge base's (default LightGBM, whose knowledge base ships).
        ``"auto"`` chooses the family that did best on the most similar datasets
        (:func:`choose_family`) among those with a knowledge base.
    knowledge_base : KnowledgeBase or path, or a sequence of them, optional
        Runs of the family; default: the shipped knowledge base of ``family``, with its part that
        only zero-shot recommendations read (:data:`~metahpo.knowledge_base.ZERO_SHOT_PART`). With
        ``"auto"``, one or several (one per family) for their families and the shipped ones for the
        others; the family is chosen without the zero-shot parts.
    strategy : {"auto", "nearest", "portfolio", "surrogate"} or BaseStrategy
    metric : str, optional
        A metric the knowledge base stores, e.g. ``"accuracy"``; default by task.
    rounds : {"holdout", "recommended"}, optional
        Where LightGBM's ``n_estimators`` come from: the data (:func:`~metahpo.holdout.holdout_rounds`: each
        configuration trained once with early stopping on a 20% hold-out; the default for
        LightGBM), or the knowledge base (the similar datasets' rounds; no model is trained; the
        default for other families, which have no rounds). On data of at least
        :data:`~metahpo.holdout.SELECT_MIN_ROWS` rows the hold-outs also order the list, best first on the
        recommendation's metric (LightGBM's loss where it orders alike);
        below it the top configuration is cross-validated against LightGBM's defaults, which come
        first where they are clearly better (:func:`~metahpo.holdout.check_against_default`: five folds of each,
        on the recommendation's metric, which made the zero-shot fit a median 4 times as long on
        dev data; it chose the defaults on 5 of 81 datasets, raising real-world dev from 0.760 to
        0.797 normalized and the PMLB dev share at least as good as the defaults from 72% to 77%).
        The hold-out cost a median 1.3 times the knowledge base's rounds' fit on PMLB data; on
        real-world data of 10,000 rows or more, training and ordering ten configurations cost 10 to
        19 times one hold-out. As handed out (the hold-out's rounds, the list ordered on large data,
        the top checked against the defaults on smaller data), the top configuration was at least
        as good as LightGBM's defaults on 81% (PMLB; 78% of those left final by Session 47's leakage
        audit) and 95% (real-world) of the final datasets; with the knowledge base's rounds, 76% and
        74% (docs/benchmarks.md, "Issue #14's targets").
    n_jobs : int
        With ``rounds="holdout"``, how many configurations' hold-outs train side by side (threads,
        each training on one; -1: one per CPU).
    random_state : int or None
        Seed of the meta-feature landmarkers and of the hold-out (None: 0).
    verbose : bool
        Write a line to standard error as each configuration's hold-out finishes (how many are
        done, elapsed time, ETA); nothing is written when no model is trained.

    Returns
    -------
    Recommendation

    Examples
    --------
    >>> rec = metahpo.recommend("sklearn:breast_cancer", n=3)  # doctest: +SKIP
    >>> lightgbm.LGBMClassifier(**rec.configs[0].params)         # doctest: +SKIP
    """
    from metahpo import metafeatures

    n = check_whole(n, "n", 1, " of configurations")
    random_state = check_seed(random_state)
    if rounds is not None:
        check_rounds(rounds)
    check_n_jobs(n_jobs)
    if family is not None:
        family = check_family(family)  # an unknown family is named as such, not as one without a knowledge base
        if rounds == "holdout" and family not in ("lightgbm", AUTO_FAMILY):
            raise ConfigError(f"rounds='holdout' finds LightGBM's n_estimators; the {family} family has none")
    dataset = (data if isinstance(data, Dataset) and task is None and categorical is None
               else load(data, y, target=target, task=task, categorical=categorical))
    mf = metafeatures.extract(dataset, random_state=random_state)
    recommendation = knowledge_list(dataset, mf, knowledge_base, family=family, strategy=strategy, metric=metric,
                                    n=n)
    if rounds == "holdout" or (rounds is None and recommendation.family == "lightgbm"):
        recommendation = with_holdout_rounds(recommendation, dataset, random_state=random_state, n_jobs=n_jobs,
                                             progress=to_stderr if verbose else None)
    return recommendation


def knowledge_list(dataset: Dataset, metafeatures: pd.Series,
                   knowledge_base: KnowledgeSource | Sequence[KnowledgeSource] | None, *, family: str | None = None,
                   strategy: str | BaseStrategy = "auto", metric: str | None = None,
                   n: int = N_RECOMMENDED) -> Recommendation:
    """The knowledge base's ``n`` configurations for ``dataset`` (of meta-features ``metafeatures``)
    as :func:`recommend` lists them before anything is trained: with ``family="auto"`` the family
    :func:`choose_family` chooses, with a note saying why (the first family whose knowledge base
    holds data of the task, as on a tie, when they share no dataset to compare them on); the
    knowledge bases read with their zero-shot parts."""
    note = None
    if family == AUTO_FAMILY:
        knowledge = of_families(knowledge_base, FAMILIES)
        try:
            choice = choose_family(metafeatures, knowledge, dataset.task, metric)
            family, note = choice.family, f"Chose the {choice.describe()}."
        except KnowledgeBaseError as exc:  # a user's knowledge base of one family, say
            family = next((f for f, kb in knowledge.items() if kb.datasets["task"].eq(dataset.task).any()),
                          next(iter(knowledge)))
            note = f"Chose the family {family}, the first with a knowledge base of {dataset.task} data: {exc}."
        kb = of_families(knowledge_base, [family], zero_shot=True)[family]
    else:
        kb = resolve(knowledge_base, family, zero_shot=True)
    recommendation = get_recommender(kb, dataset.task, strategy, metric).recommend(metafeatures, n, dataset.name)
    if note is not None:
        recommendation.notes.insert(0, note)
    return recommendation


def with_holdout_rounds(recommendation: Recommendation, dataset: Dataset, *, n: int | None = None,
                        sample_weight: np.ndarray | None = None, check_default: bool = True,
                        default: dict[str, Any] | None = None, random_state: int = 0, n_jobs: int = 1,
                        progress: Callable[[str], None] | None = None) -> Recommendation:
    """``recommendation`` with the rounds of its first ``n`` configurations (default: all) found on
    ``dataset`` (weighted by ``sample_weight``), ``progress`` receiving a line as each is found.

    On data of at least :data:`~metahpo.holdout.SELECT_MIN_ROWS` rows every configuration is held out, whatever
    ``n`` says, and the list is ordered by their validation scores on the recommendation's metric
    (:func:`~metahpo.holdout.rank_by_holdout`). Below it (:func:`~metahpo.holdout.checks_default`), unless
    ``check_default`` is false, the top one is cross-validated against LightGBM's defaults
    (:func:`~metahpo.holdout.default_params`, or ``default``), which come first, the list keeping its length, where
    they are clearly better (:func:`~metahpo.holdout.check_against_default`). A recommendation of another family
    than LightGBM, which has no rounds, is returned as it is, with a note saying so."""
    if recommendation.family != "lightgbm":
        note = f"rounds='holdout' left the {recommendation.family} family's configurations as recommended."
        return replace(recommendation, notes=[*recommendation.notes, note])
    configs = list(recommendation.configs)
    ordered = orders_by_holdout(dataset.n_rows)  # the order needs every configuration held out, whatever n says
    first = len(configs) if n is None or ordered else min(n, len(configs))
    say = None if progress is None else (
        lambda done, elapsed: progress(f"rounds on a hold-out of {dataset.name}: {eta_line(done, first, elapsed)}"))
    fits = rank_by_holdout([c.params for c in configs[:first]], dataset.X, dataset.y.to_numpy(), dataset.task,
                           sample_weight=sample_weight, random_state=random_state, n_jobs=n_jobs,
                           metric=recommendation.metric, progress=say)
    held = [replace(configs[i], params={**configs[i].params, "n_estimators": rounds}) for i, rounds, _ in fits]
    which = ("every configuration" if first == len(configs) else "the top configuration" if first == 1
             else f"the first {first} configurations")
    gap = holdout_gap(dataset.y.to_numpy(), dataset.task, sample_weight=sample_weight, random_state=random_state)
    how = (f"early stopping on a seeded {VALIDATION_FRACTION:.0%} hold-out of the rows (of at most "
           f"{HOLDOUT_MAX_ROWS:,} of them), at most {MAX_ROUNDS:,} rounds")
    if gap is None:  # every configuration shares the hold-out: all of them found their rounds, or none
        notes = [f"Rounds (n_estimators) of {which} found on this data: {how}."]
    else:
        why = {"rows": f"{dataset.n_rows:,} rows are too few for {how} (at least {MIN_VALIDATION_ROWS} validation "
                       f"rows{'' if dataset.task == 'regression' else ', and two classes in each part'})",
               "class": f"a class is too rare for {how} (two classes in each part)",
               "weight": f"no validation row has weight for {how} (sample_weight 0 on every one)"}[gap]
        notes = [f"Rounds (n_estimators) of {which} kept as the knowledge base's: {why}."]
    if first > 1 and ordered:
        by_loss = orders_as_loss(recommendation.metric, dataset.task)
        what = "validation loss" if by_loss else f"validation {recommendation.metric}"
        held = [replace(c, reason=f"{what} {loss if by_loss else -loss:.5g} on the hold-out (the knowledge base's "
                                  f"#{i + 1}: {c.reason})") for c, (i, _, loss) in zip(held, fits)]
        notes.append(f"Ordered by {what} on the hold-out, best first: at {dataset.n_rows:,} rows (at least "
                     f"{SELECT_MIN_ROWS:,}) it says more about these data than the similar datasets do.")
    listed = held + configs[first:]
    if check_default and checks_default(dataset.n_rows):
        start = time.perf_counter()
        default = default_params() if default is None else default  # seeded as the configurations are
        check = check_against_default(listed[0].params, dataset, metric=recommendation.metric, default=default,
                                      random_state=random_state, n_jobs=n_jobs)
        if progress is not None:
            progress(f"top configuration against LightGBM's defaults on {dataset.name}: done in "
                     f"{time.perf_counter() - start:.1f} s")
        notes.append(check.describe())
        if check.defaults_win:
            reason = (f"LightGBM's defaults (their {default.get('n_estimators', 100)} rounds, as checked), ahead of "
                      f"the knowledge base's top configuration by {check.differences.mean():.4g} {check.metric} in "
                      f"{CHECK_FOLDS}-fold cross-validation")
            moved = [replace(c, reason=f"the knowledge base's #{i}: {c.reason}") for i, c in enumerate(listed[:-1], 1)]
            listed = [RecommendedConfig(params=default, config_id=DEFAULT_ID, expected_normalized=None,
                                        expected_value=None, support=[], reason=reason), *moved]
    return replace(recommendation, configs=listed, notes=[*recommendation.notes, *notes])


@dataclass
class FamilyChoice:
    """Which model family suits a dataset, by what did best on the most similar datasets.

    Attributes
    ----------
    shares : dict
        Per family, the similarity-weighted share of the nearest knowledge-base datasets (those
        every family ran) on which its best configuration scored best of all families; they sum to 1.
    neighbors : list of str
        Those datasets, nearest first.
    """

    shares: dict[str, float]
    neighbors: list[str]

    @property
    def family(self) -> str:
        """The family with the largest share (the first named, LightGBM, on a tie)."""
        return max(self.shares, key=lambda family: self.shares[family])

    def describe(self) -> str:
        """The choice in words."""
        if not self.neighbors:
            return f"family {self.family}: the only one with a knowledge base"
        others = ", ".join(f"{f} {share:.0%}" for f, share in self.shares.items() if f != self.family)
        return (f"family {self.family}: best on the {len(self.neighbors)} most similar datasets every family ran "
                f"with {self.shares[self.family]:.0%} of their similarity weight ({others}; a tie counts for the first "
                f"family named)")


def choose_family(metafeatures: pd.Series, knowledge_bases: dict[str, KnowledgeBase], task: str,
                  metric: str | None = None, k: int = FAMILY_NEIGHBORS) -> FamilyChoice:
    """Choose among the families of ``knowledge_bases`` for a dataset with these meta-features.

    Compares, on each of the ``k`` nearest datasets that every family's knowledge base ran (in
    the meta-feature space learned from the first family's), each family's best cross-validated
    score; the runs must share datasets, rows and folds, as builds with the same ``--max-rows``
    and ``--cv`` do.
    """
    families = list(knowledge_bases)
    if len(families) == 1:
        return FamilyChoice({families[0]: 1.0}, [])
    for kb in knowledge_bases.values():
        check_space_version(kb)
    best = pd.DataFrame({f: kb.matrix(metric, task).max(axis=1) for f, kb in knowledge_bases.items()}).dropna()
    if best.empty:
        raise KnowledgeBaseError(f"the {' and '.join(families)} knowledge bases share no {task} dataset to compare "
                                 "the families on")
    reference = get_recommender(knowledge_bases[families[0]], task, "auto", metric)
    _, dist, weights = reference.neighbors(metafeatures)
    near = dist.index[dist.index.isin(best.index)][:k]
    winner = best.loc[near].idxmax(axis=1)  # the first family on a tie
    w = weights[near] / weights[near].sum()
    return FamilyChoice({f: float(w[winner == f].sum()) for f in families}, near.tolist())


_RECOMMENDERS: weakref.WeakKeyDictionary[KnowledgeBase, tuple[tuple, dict[tuple, Recommender]]] = (
    weakref.WeakKeyDictionary())


def get_recommender(kb: KnowledgeBase, task: str, strategy: str | BaseStrategy = "auto",
                    metric: str | None = None) -> Recommender:
    """A fitted :class:`Recommender`, reused while the knowledge base is unchanged."""
    if not isinstance(strategy, str):
        return Recommender(kb, task, strategy, metric)
    state = (len(kb.datasets), len(kb.configurations), len(kb.runs), kb.revision)
    cached_state, cache = _RECOMMENDERS.get(kb, (None, {}))
    if cached_state != state:  # the knowledge base changed: every recommender fitted on it is stale
        cache = {}
        _RECOMMENDERS[kb] = (state, cache)
    key = (task, strategy, metric)
    if key not in cache:  # the task's recommenders differ only in their strategy: the rest is learned once
        sibling = next((r for (t, _, m), r in cache.items() if (t, m) == (task, metric)), None)
        cache[key] = Recommender(kb, task, strategy, metric) if sibling is None else sibling.with_strategy(strategy)
    return cache[key]


def _confidence_words(confidence: float) -> str:
    if confidence >= 0.5:
        return "the dataset is as close to a knowledge-base dataset as those are to each other."
    if confidence >= LOW_CONFIDENCE:
        return "the nearest knowledge-base datasets are farther than usual; expect less from the neighbours."
    return ("the dataset lies far from every knowledge-base dataset, so the configurations best on "
            "average weigh as much as the neighbours'.")


PAIRWISE_BLOCK = 1 << 22
"""Numbers of differences :func:`_pairwise` holds at once (32 MB), so that the recommender's setup
takes memory in proportion to the knowledge base's datasets squared, not times their meta-features."""


def _pairwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between the rows of ``a`` and the rows of ``b``, a block of ``a``'s rows at a time."""
    step = max(1, PAIRWISE_BLOCK // max(1, b.size))
    blocks = [np.sqrt(((a[i:i + step, None, :] - b[None, :, :]) ** 2).sum(axis=2)) for i in range(0, len(a), step)]
    return np.vstack(blocks) if blocks else np.empty((0, len(b)))


def _interleave(first: list[tuple[str, str]], second: list[tuple[str, str]], n: int) -> list[tuple[str, str]]:
    out: dict[str, str] = {}
    for pair in zip(first, second):
        for cid, reason in pair:
            if cid not in out and len(out) < n:
                out[cid] = reason
    for cid, reason in first + second:
        if cid not in out and len(out) < n:
            out[cid] = reason
    return list(out.items())

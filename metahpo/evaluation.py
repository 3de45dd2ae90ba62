"""Score one configuration on one dataset by K-fold cross-validation.

Each fold trains the configuration's model family (:mod:`metahpo.families`; LightGBM by default,
early-stopped on the fold's validation part) on its training part, then scores the validation part
with every metric the knowledge base stores for the task (so that a user's choice of metric never
needs a re-run) plus, if asked, any scikit-learn scorer. A configuration that crashes or runs out of
time comes back as a failed :class:`Evaluation`, never as an exception, so one bad trial cannot
stop a search or a knowledge-base build.

scikit-learn is imported where it scores or splits, not with the module: the knowledge base and the
recommender need only the metrics' names, and ``metahpo recommend`` runs without scikit-learn.
"""

from __future__ import annotations

import math
import numbers
import re
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from metahpo.datasets import Dataset, check_dataset, plain
from metahpo.exceptions import ConfigError, DataError
from metahpo.families import FitTimeout, ModelFamily, get_family
from metahpo.progress import plural, preview
from metahpo.spaces import Config, SearchSpace

METRICS: dict[str, tuple[str, ...]] = {
    "binary": ("roc_auc", "neg_log_loss", "accuracy"),
    "multiclass": ("neg_log_loss", "accuracy", "balanced_accuracy"),
    "regression": ("r2", "neg_root_mean_squared_error", "neg_mean_absolute_error"),
}
"""The metrics scored on every fold, per task; the first is the task's default. Greater is better."""

Folds = list[tuple[np.ndarray, np.ndarray]]


SCORED = frozenset({"ok", "pruned"})
"""Statuses of an evaluation that has a score: complete, or pruned (a mean over fewer folds)."""


def default_metric(task: str) -> str:
    """The default metric of a task: ROC AUC, negative log loss or R²."""
    return METRICS[task][0]


_REGRESSION_SCORERS = ("r2", "explained_variance", "neg_max_error", "neg_mean_", "neg_median_", "neg_root_mean_",
                       "d2_absolute_error")
"""The scikit-learn scorers of regression (names, or their beginnings); the others score classes."""

_BINARY_SCORERS = {"f1", "precision", "recall", "jaccard", "roc_auc", "positive_likelihood_ratio",
                   "neg_negative_likelihood_ratio"}
"""The scikit-learn scorers of two classes only (their multiclass forms: ``f1_macro``, ``roc_auc_ovr``, ...)."""


def check_metric(metric: str | None, task: str, unknown_hint: str = "") -> str:
    """Return ``metric`` (or the task's default) if it is a scikit-learn scorer for ``task``'s kind
    (regression or classification), else raise ConfigError; ``unknown_hint`` ends the message for
    a name that is no scikit-learn scorer."""
    if metric is None:
        return default_metric(task)
    if metric in METRICS[task]:
        return metric
    from sklearn.metrics import get_scorer_names

    if metric not in get_scorer_names():
        raise ConfigError(f"unknown metric {metric!r}; use a scikit-learn scorer name, e.g. "
                          f"{', '.join(METRICS[task])}{unknown_hint}")
    if metric.startswith(_REGRESSION_SCORERS) != (task == "regression") or metric.endswith("_samples") or (
            task == "multiclass" and metric in _BINARY_SCORERS):  # _samples: multilabel only
        examples = [*METRICS[task], *(["f1_macro", "roc_auc_ovr"] if task == "multiclass" else [])]
        raise ConfigError(f"metric {metric!r} does not score {task} models; use one that does, "
                          f"e.g. {', '.join(examples)}")
    return metric


@dataclass
class Evaluation:
    """The outcome of cross-validating one configuration.

    Attributes
    ----------
    config : dict
        The configuration evaluated.
    metric : str
        The primary metric; ``score`` is its mean over the folds.
    scores : dict
        Mean score per metric (greater is better).
    fold_scores : dict
        Per-fold scores per metric.
    best_iteration : int
        Boosting rounds early stopping chose (median over folds), or the fixed number.
    fit_time : float
        Seconds spent in the models' fit and predict, summed over folds.
    total_time : float
        Seconds for the whole evaluation; ``total_time - fit_time`` is metahpo's overhead.
    status : {"ok", "pruned", "failed", "timeout"}
        ``"pruned"``: stopped after a fold because its mean so far fell below ``prune_below``
        (see :func:`evaluate`); its scores are the means over the folds it completed.
    error : str
        The error for a failed evaluation.
    oof : numpy.ndarray or None
        Out-of-fold predictions (probabilities for classification), if they were asked for.
    loss : float
        With ``hypergradient=True``: the mean over folds of the validation loss the family's
        model minimizes (log loss; for regression, squared error over the training part's target
        variance); NaN otherwise.
    gradient : dict or None
        With ``hypergradient=True``: the mean over folds of the derivative of that loss with
        respect to the log of each of the family's ``gradient_params``.
    """

    config: Config
    metric: str
    scores: dict[str, float] = field(default_factory=dict)
    fold_scores: dict[str, list[float]] = field(default_factory=dict)
    best_iteration: int = 0
    fit_time: float = 0.0
    total_time: float = 0.0
    status: str = "ok"
    error: str = ""
    oof: np.ndarray | None = None
    loss: float = math.nan
    gradient: dict[str, float] | None = None

    @property
    def ok(self) -> bool:
        """Whether every fold trained and was scored."""
        return self.status == "ok"

    @property
    def scored(self) -> bool:
        """Whether the evaluation has a score: ok, or pruned (a mean over fewer folds)."""
        return self.status in SCORED

    @property
    def score(self) -> float:
        """The mean score on :attr:`metric` (NaN unless :attr:`scored`)."""
        return self.scores.get(self.metric, float("nan")) if self.scored else float("nan")


def check_whole(value: Any, name: str, minimum: int = 0, what: str = "") -> int:
    """``value`` as a Python int: an integer (numpy's too, not a bool) of at least ``minimum``, else a
    :class:`ConfigError` naming ``name``, what it counts (``what``, e.g. ``" of folds"``) and the
    plain value."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ConfigError(f"{name} must be a whole number{what}, at least {minimum}; got {plain(value)!r}")
    return int(value)


def check_number(value: Any, name: str, low: float, high: float = math.inf, *, above: bool = False) -> float:
    """``value`` as a float: a finite number (numpy's too, not a bool) of at least ``low`` (above it with
    ``above``) and at most ``high``, else a :class:`ConfigError` naming ``name`` and the range."""
    if (isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value)
            or not (low < value if above else low <= value) or value > high):
        bounds = f"{'(' if above else '['}{low:g}, {high:g}{')' if math.isinf(high) else ']'}"
        raise ConfigError(f"{name} must be a finite number in {bounds}, got {plain(value)!r}")
    return float(value)


def check_bool(value: Any, name: str) -> bool:
    """``value`` as a Python bool (numpy's too), else a :class:`ConfigError` naming ``name``."""
    if not isinstance(value, (bool, np.bool_)):
        raise ConfigError(f"{name} must be True or False, got {plain(value)!r}")
    return bool(value)


def check_seed(random_state: Any) -> int:
    """A seed (``random_state``) as a Python int: None is 0, else a whole number below 2**32
    (numpy's seeds), else a :class:`ConfigError`."""
    if random_state is None:
        return 0
    seed = check_whole(random_state, "random_state", 0, " (a seed)")
    if seed >= 2**32:
        raise ConfigError(f"random_state must be below 2**32, got {seed}")
    return seed


def check_timeout(timeout: Any) -> float | None:
    """A search's ``timeout`` in seconds: None, or a positive number, else a :class:`ConfigError`."""
    if timeout is None:
        return None
    if isinstance(timeout, (bool, np.bool_)) or not isinstance(timeout, (int, float, np.number)) or not timeout > 0:
        raise ConfigError(f"timeout must be a positive number of seconds, got {plain(timeout)!r}")
    return float(timeout)


def check_n_jobs(n_jobs: Any) -> int:
    """``n_jobs`` as the number of parallel jobs it means: a positive integer, or -1 for one per
    CPU, else a :class:`ConfigError`."""
    from joblib import effective_n_jobs

    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or not (n_jobs >= 1 or n_jobs == -1):
        raise ConfigError(f"n_jobs must be a positive integer or -1, got {plain(n_jobs)!r}")
    return effective_n_jobs(int(n_jobs))


def check_cv(cv: Any) -> int:
    """``cv`` as a number of folds: an integer of at least 2, else a :class:`ConfigError`."""
    return check_whole(cv, "cv", 2, " of cross-validation folds")


def too_rare_to_stratify(dataset: Dataset, cv: int) -> dict[Any, int]:
    """The classes of ``dataset`` with fewer rows than ``cv`` folds, by their counts, rarest first:
    with any, :func:`make_folds` cannot stratify (none for regression)."""
    if not dataset.is_classification:
        return {}
    counts = dataset.y.value_counts().sort_values(kind="stable")
    return {plain(label): int(n) for label, n in counts[counts < cv].items()}


def make_folds(dataset: Dataset, cv: int = 5, random_state: int = 0) -> Folds:
    """Fixed (stratified, for classification) shuffled K-fold splits of ``dataset``: stratified on
    the class codes, so the folds do not depend on how the classes are written. With a class of
    fewer rows than ``cv`` the folds are shuffled alone, and a fold whose validation part holds
    none of its training part's classes is a :class:`DataError`."""
    from sklearn.model_selection import KFold, StratifiedKFold

    cv = check_cv(cv)
    check_dataset(dataset, cv=cv)
    if dataset.is_classification:
        codes = encode_target(dataset)[0]
        if not (rare := too_rare_to_stratify(dataset, cv)):
            return list(StratifiedKFold(n_splits=cv, shuffle=True, random_state=random_state).split(dataset.X, codes))
        folds = list(KFold(n_splits=cv, shuffle=True, random_state=random_state).split(dataset.X))  # every row used
        _check_validation_classes(folds, codes, dataset.name, rare)
        return folds
    splitter = KFold(n_splits=cv, shuffle=True, random_state=random_state)
    return list(splitter.split(dataset.X))


def _check_validation_classes(folds: Folds, codes: np.ndarray, name: str, rare: dict[Any, int]) -> None:
    """Raise :class:`DataError` if a fold of shuffled (unstratified) ``folds`` validates on none of
    the classes its training part holds: nothing a model could predict there, nor stop early on (a
    training part of one class is learned and scored, as a model of it predicts)."""
    for k, (train, valid) in enumerate(folds, start=1):
        if np.isin(codes[valid], codes[train]).any():
            continue
        counts = preview(f"class {label!r} with {plural(n, 'row')}" for label, n in rare.items())
        raise DataError(f"{len(folds)}-fold cross-validation of {name!r} validates fold {k} on none of the classes "
                        f"its training part holds: the folds are shuffled, not stratified, since classes have fewer "
                        f"rows than folds ({counts}); give fewer folds (cv) or more rows of those classes")


def make_estimator(
    config: Config,
    task: str,
    *,
    family: str | ModelFamily | None = None,
    space: SearchSpace | None = None,
    n_estimators: int | None = None,
    random_state: int | None = None,
    n_jobs: int = 1,
) -> Any:
    """An unfitted estimator of ``family`` for ``config`` (a configuration, or the keyword arguments
    metahpo hands out, see :meth:`SearchSpace.estimator_params <metahpo.spaces.SearchSpace.estimator_params>`),
    seeded with ``random_state``, else with the seed ``config`` holds (else 0).

    The family is ``space``'s when only a space is given, else LightGBM; the space is the family's
    for ``task`` unless given. ``n_estimators`` overrides the configuration's own number of rounds
    in a family with rounds; without either, the space's cap applies (and early stopping is
    expected to cut it).
    """
    family, space = family_and_space(family, space, task)
    params = space.estimator_params(config, n_estimators=n_estimators, random_state=random_state)
    return family.make_estimator(params, task, n_jobs=n_jobs)


def family_and_space(family: str | ModelFamily | None, space: SearchSpace | None,
                     task: str) -> tuple[ModelFamily, SearchSpace]:
    """The model family and the space a configuration belongs to: the family named (``space``'s,
    else LightGBM) and ``space`` (else the family's space for ``task``); a space of another family
    is a :class:`ConfigError`."""
    family = get_family(family if family is not None else space.family if space is not None else "lightgbm")
    if space is None:
        return family, family.space_for(task)
    if space.family != family.name:
        raise ConfigError(f"a {space.family} search space cannot configure the {family.name} family")
    return family, space


def evaluate(
    config: Config,
    dataset: Dataset,
    *,
    folds: Folds | None = None,
    cv: int = 5,
    metric: str | None = None,
    family: str | ModelFamily | None = None,
    space: SearchSpace | None = None,
    random_state: int = 0,
    early_stopping_rounds: int | None = None,
    timeout: float | None = None,
    n_jobs: int = 1,
    keep_oof: bool = False,
    hypergradient: bool = False,
    prune_below: Sequence[float] | None = None,
) -> Evaluation:
    """Cross-validate ``config`` on ``dataset``.

    Parameters
    ----------
    config : dict
        A configuration of ``space``. For LightGBM: with ``n_estimators`` it trains exactly that
        many rounds; without, early stopping on each fold's validation part picks the number.
    dataset : Dataset
    folds : list of (train, validation) index arrays, optional
        Fixed folds, e.g. from :func:`make_folds`, so that every trial of a search sees the same.
    cv : int
        Number of folds when ``folds`` is not given.
    metric : str, optional
        The primary metric (a scikit-learn scorer name); default by task. A scorer of one class
        (``f1``, ``precision``, ``recall``) scores the second of the classes in sorted order (1 of
        0 and 1, ``"yes"`` of ``"no"`` and ``"yes"``), the class ROC AUC and LightGBM take as positive.
    family : str or ModelFamily, optional
        The model family (:func:`metahpo.families.get_family`): ``space``'s, else LightGBM.
    space : SearchSpace, optional
        The family's space for the task unless given (e.g. with other fixed settings).
    random_state : int
        The models' seed, and the folds' (:func:`make_folds`) unless ``folds`` are given.
    early_stopping_rounds : int, optional
        For a family that stops early: its patience; default :func:`patience`, tied to the
        learning rate.
    timeout : float, optional
        Seconds after which training stops and the evaluation is recorded as ``"timeout"``
        (LightGBM stops within a round; other families at the end of the fold's fit).
    n_jobs : int
        Threads each model trains on (metahpo's own evaluations use 1).
    keep_oof : bool
        Keep out-of-fold predictions (for ensembles).
    hypergradient : bool
        Also compute the validation loss and its derivatives with respect to the family's
        ``gradient_params`` (:attr:`Evaluation.loss`, :attr:`Evaluation.gradient`).
    prune_below : sequence of float, optional
        One bar per fold, e.g. the best configuration's mean score over the first k folds: after
        fold k (the last excepted), the evaluation stops as ``"pruned"`` once its own mean over
        those folds is below the k-th bar, so that a clearly worse configuration costs a fold,
        not a cross-validation. Needs ``folds``.

    Returns
    -------
    Evaluation
        Never raises for a configuration that fails to train; the failure is recorded.
    """
    metric = check_metric(metric, dataset.task)
    if early_stopping_rounds is not None:
        check_whole(early_stopping_rounds, "early_stopping_rounds", 1, " of rounds")
    if timeout is not None and not timeout >= 0:
        raise ConfigError(f"timeout must be a number of seconds, at least 0, got {plain(timeout)!r}")
    if prune_below is not None and (folds is None or len(prune_below) != len(folds)):
        raise ConfigError("prune_below needs the folds and one bar per fold")
    family, space = family_and_space(family, space, dataset.task)
    config = space.config_of(config)
    if early_stopping_rounds is not None and not family.stops_early:
        raise ConfigError(f"the {family.name} family does not stop early; early_stopping_rounds is not for it")
    if hypergradient and not family.gradient_params:
        raise ConfigError(f"the {family.name} family has no hypergradient")

    def fit_fold(train: np.ndarray, valid: np.ndarray, y: np.ndarray, start: float) -> Any:
        model = make_estimator(config, dataset.task, family=family, space=space, random_state=random_state,
                               n_jobs=n_jobs)
        deadline = math.inf if timeout is None else start + timeout
        family.fit(model, dataset.X.iloc[train], y[train], dataset.X.iloc[valid], y[valid], config=config,
                   deadline=deadline, early_stopping_rounds=early_stopping_rounds)
        return model

    def fold_gradient(model: Any, train: np.ndarray, valid: np.ndarray, y: np.ndarray, n_classes: int,
                      start: float) -> Any:
        gradient = family.hypergradient(model, dataset.X.iloc[train], y[train], dataset.X.iloc[valid], y[valid],
                                        config=config, n_classes=n_classes)
        if timeout is not None and time.perf_counter() > start + timeout:  # a binary fold refits to get it
            raise FitTimeout
        return gradient

    folds = folds if folds is not None else make_folds(dataset, cv, random_state)
    result = _cross_validate(fit_fold, dataset, folds, Evaluation(config=dict(config), metric=metric), keep_oof,
                             fold_gradient if hypergradient else None, prune_below)
    if result.status == "timeout":
        result.error = TIMEOUT_ERROR.format(timeout)
    return result


TIMEOUT_ERROR = "stopped after {:g} s"
"""The error of a run stopped at its timeout; :func:`timeout_given` reads the seconds back."""


def timeout_given(error: Any) -> float:
    """The seconds a run's error (:data:`TIMEOUT_ERROR`) says it was given; NaN for any other error."""
    match = re.fullmatch(re.escape(TIMEOUT_ERROR).replace(re.escape("{:g}"), r"(\S+)"), str(error))
    try:
        return float(match[1]) if match else math.nan
    except ValueError:
        return math.nan


def evaluate_estimator(
    estimator: Any,
    dataset: Dataset,
    *,
    folds: Folds | None = None,
    cv: int = 5,
    metric: str | None = None,
    random_state: int = 0,
    keep_oof: bool = False,
) -> Evaluation:
    """Cross-validate any scikit-learn estimator exactly as :func:`evaluate` does a configuration.

    The estimator is cloned and fitted on each training part as it is (no early stopping), so a
    rival's model (say FLAML's zero-shot LightGBM, or a :class:`~metahpo.MetaLGBMClassifier`) is
    scored on the same folds with the same metrics. Its ``config`` is its ``get_params()``.
    """
    from sklearn.base import clone

    metric = check_metric(metric, dataset.task)

    def fit_fold(train: np.ndarray, valid: np.ndarray, y: np.ndarray, start: float) -> Any:
        return clone(estimator).fit(dataset.X.iloc[train], y[train])

    folds = folds if folds is not None else make_folds(dataset, cv, random_state)
    config = {k: v for k, v in estimator.get_params(deep=False).items() if isinstance(v, (int, float, str))}
    return _cross_validate(fit_fold, dataset, folds, Evaluation(config=config, metric=metric), keep_oof)


FoldGradient = Callable[[Any, np.ndarray, np.ndarray, np.ndarray, int, float], tuple[float, dict[str, float]]]


def _cross_validate(fit_fold, dataset: Dataset, folds: Folds, result: Evaluation, keep_oof: bool,
                    fold_gradient: FoldGradient | None = None,
                    prune_below: Sequence[float] | None = None) -> Evaluation:
    """The fold loop shared by :func:`evaluate` and :func:`evaluate_estimator`; ``fold_gradient``
    (the fitted model, train, valid, y, n_classes, the start) gives a fold's loss and hypergradient, and
    ``prune_below`` the bars of :func:`evaluate`."""
    metric = result.metric
    start = time.perf_counter()
    y, n_classes = encode_target(dataset)
    extra = [] if metric in METRICS[dataset.task] else [metric]
    fold_scores: dict[str, list[float]] = {m: [] for m in [*METRICS[dataset.task], *extra]}
    iterations: list[int] = []
    oof = _empty_oof(len(y), n_classes) if keep_oof else None
    gradients: list[tuple[float, dict[str, float]]] = []
    try:
        for k, (train, valid) in enumerate(folds):
            fit_start = time.perf_counter()
            model = fit_fold(train, valid, y, start)
            pred = predict_aligned(model, dataset.X.iloc[valid], n_classes)
            result.fit_time += time.perf_counter() - fit_start
            iterations.append(int(getattr(model, "best_iteration_", 0) or getattr(model, "n_estimators", 0) or 0))
            for name, value in score_predictions(dataset.task, y[valid], pred, n_classes).items():
                fold_scores[name].append(value)
            for name in extra:
                fold_scores[name].append(_scorer_score(name, model, dataset.X.iloc[valid], y[valid], n_classes))
            if oof is not None:
                oof[valid] = pred
            if fold_gradient is not None:
                gradients.append(fold_gradient(model, train, valid, y, n_classes, start))
            scored = [score for score in fold_scores[metric] if not np.isnan(score)]  # as the trial's mean
            if prune_below is not None and k < len(folds) - 1 and scored and np.mean(scored) < prune_below[k]:
                result.status = "pruned"
                break
    except FitTimeout:
        result.status = "timeout"
    except Exception as exc:  # a crashing configuration is a recorded failure
        result.status = "failed"
        result.error = f"{type(exc).__name__}: {exc}".strip()[:500] or traceback.format_exc(limit=1)
    result.total_time = time.perf_counter() - start
    if result.scored:
        result.fold_scores = fold_scores
        result.scores = {m: float(np.nanmean(v)) if np.isfinite(v).any() else float("nan") for m, v in fold_scores.items()}
        result.best_iteration = int(np.median(iterations))
        result.oof = oof if result.ok else None
        if gradients:
            result.loss = float(np.mean([loss for loss, _ in gradients]))
            result.gradient = {name: float(np.mean([g[name] for _, g in gradients])) for name in gradients[0][1]}
    return result


def encode_target(dataset: Dataset) -> tuple[np.ndarray, int]:
    """The target as class codes (classification) or floats, and the number of classes (0 for regression)."""
    if not dataset.is_classification:
        return dataset.y.to_numpy(float), 0
    codes = np.searchsorted(dataset.classes, dataset.y.to_numpy())
    return codes.astype(int), len(dataset.classes)


def _empty_oof(n_rows: int, n_classes: int) -> np.ndarray:
    shape = (n_rows,) if n_classes == 0 else (n_rows, n_classes)
    return np.full(shape, np.nan, dtype=np.float32)


def _scorer_score(name: str, model: Any, X: Any, y: np.ndarray, n_classes: int) -> float:
    """A scikit-learn scorer's score of a fold's model on its validation part: the model seen with
    all ``n_classes`` classes (:func:`predict_aligned`) if its training part lacked one, and NaN
    where the scorer cannot score a validation part lacking some class (a multiclass ROC AUC
    with a class of one row), as :func:`score_predictions` has no ROC AUC of one class."""
    from sklearn.metrics import get_scorer

    scorer = get_scorer(name)
    if n_classes == 0:
        return float(scorer(model, X, y))
    seen = model if len(getattr(model, "classes_", ())) == n_classes else _all_classes(model, n_classes)
    try:
        return float(scorer(seen, X, y))
    except ValueError:
        if len(np.unique(y)) == n_classes:
            raise
        return float("nan")


def _all_classes(model: Any, n_classes: int) -> Any:
    """A fitted classifier as scikit-learn's scorers see it with every class of the data: its
    probabilities aligned to them (:func:`predict_aligned`), its prediction the likeliest."""
    from sklearn.base import BaseEstimator, ClassifierMixin

    class AllClasses(ClassifierMixin, BaseEstimator):
        classes_ = np.arange(n_classes)

        def predict_proba(self, X: Any) -> np.ndarray:
            return predict_aligned(model, X, n_classes)

        def predict(self, X: Any) -> np.ndarray:
            return self.predict_proba(X).argmax(axis=1)

    return AllClasses()


def predict_aligned(model: Any, X: Any, n_classes: int) -> np.ndarray:
    """Predictions as :func:`score_predictions` takes them: values for regression
    (``n_classes == 0``), else probabilities of all ``n_classes`` classes, also when the model was
    trained on class codes lacking some class."""
    if n_classes == 0:
        return model.predict(X)
    proba = np.zeros((len(X), n_classes))
    if len(model.classes_) == 1:  # trained on one class (a fold lacking the only positive): it is certain
        proba[:, model.classes_[0]] = 1.0
    else:
        proba[:, model.classes_] = model.predict_proba(X)
    return proba


def score_predictions(task: str, y: np.ndarray, pred: np.ndarray, n_classes: int) -> dict[str, float]:
    """Every metric of :data:`METRICS` for ``task`` from predictions (class probabilities for
    classification, with ``y`` as class codes 0..n_classes-1)."""
    from sklearn import metrics as skm

    if task == "regression":
        return {
            "r2": float(skm.r2_score(y, pred)) if len(y) > 1 else float("nan"),
            "neg_root_mean_squared_error": -float(np.sqrt(np.mean((y - pred) ** 2))),
            "neg_mean_absolute_error": -float(np.mean(np.abs(y - pred))),
        }
    labels = np.arange(n_classes)
    proba = np.clip(pred, 1e-15, 1.0)
    proba /= proba.sum(axis=1, keepdims=True)
    predicted = pred.argmax(axis=1)
    scores = {
        "neg_log_loss": -float(skm.log_loss(y, proba, labels=labels)),
        "accuracy": float(np.mean(predicted == y)),
    }
    if task == "binary":
        scores["roc_auc"] = float(skm.roc_auc_score(y, pred[:, 1])) if len(np.unique(y)) == 2 else float("nan")
    else:
        present = np.unique(y)
        recall = [np.mean(predicted[y == c] == c) for c in present]
        scores["balanced_accuracy"] = float(np.mean(recall))
    return scores

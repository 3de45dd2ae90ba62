"""A recommended configuration meets the user's data: its rounds found on a hold-out, the list
ordered by hold-outs on large data, the top configuration checked against LightGBM's defaults.

The knowledge base's runs chose their rounds by early stopping on data of their own size; here a
configuration is trained once more on a seeded hold-out of the user's rows
(:func:`holdout_rounds`, as LGBM-TD and AutoGluon find theirs), those hold-outs order the
configurations on data of :data:`SELECT_MIN_ROWS` rows or more (:func:`rank_by_holdout`), and on
smaller data the top configuration is cross-validated against LightGBM's defaults
(:func:`check_against_default`). Rounds grow with the rows a model trains on by
:data:`ROUNDS_EXPONENT`, for a recommendation and for ``tune``'s refit alike.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from metahpo.datasets import Dataset, subsample_rows
from metahpo.evaluation import check_metric, check_n_jobs, evaluate_estimator, make_folds
from metahpo.exceptions import ConfigError, DataError
from metahpo.families.lightgbm import known_classes, parameter_names, patience
from metahpo.spaces import LIGHTGBM

ROUNDS_EXPONENT = {"binary": 0.0, "multiclass": 0.0, "regression": 0.5}
"""Per task, a recommendation's rounds grow as (rows it will train on / the neighbours' training
rows) to this power. Measured on the 54 real-world dev datasets, a median 4.7 times the
neighbours' rows (``scripts/benchmark_zeroshot_rounds.py``, docs/benchmarks.md): on regression,
square-root growth improved 18 and worsened 7 (mean R² +0.015); on classification every exponent
tried made more datasets worse than better (binary 4 / 15 at 0.5), so their rounds stay as chosen.
Measured again with knowledge base v2, whose 10,000-row versions bring the median ratio to 2.0:
regression 18 / 1 / 6 at 0.5 (mean R² +0.009); binary within 0.001 AUC of no growth at every
exponent, multiclass worse at every one (mean log loss -0.001 to -0.011). ``tune``'s refit grows the
rounds cross-validation chose by the same power (:func:`metahpo.tuning.refit_growth`; regression
16 better / 7 worse on the real-world dev datasets, 5 / 3 on the reserve)."""


def rounds_growth(ratio: Any, task: str) -> Any:
    """The factor on rounds chosen on some rows for a model trained on ``ratio`` times as many:
    ``ratio ** ROUNDS_EXPONENT[task]`` (a number or an array of them)."""
    return ratio ** ROUNDS_EXPONENT[task]


MAX_ROUNDS = 5000
"""The most rounds a recommendation asks for."""

VALIDATION_FRACTION = 0.2
"""The share of the training rows :func:`holdout_rounds` holds out to stop on (LGBM-TD's)."""

MIN_VALIDATION_ROWS = 20
"""Fewer validation rows than this are too few to stop on: :func:`holdout_rounds` keeps the
recommended rounds (a guard for data below 100 rows, which the benchmarks do not hold)."""

HOLDOUT_MAX_ROWS = 20_000
"""The most rows :func:`holdout_rounds` splits (a seeded, stratified subsample of larger data,
whose rounds then grow to all rows as a recommendation's do, :data:`ROUNDS_EXPONENT`): the most
the zero-shot benchmarks measured it on. It bounds the cost on large data: on all 494,020 rows of
kddcup (23 classes) it took 4 minutes, on 20,000 of them 30 s (docs/benchmarks.md, "Cost in batch")."""

SELECT_MIN_ROWS = 10_000
"""Data of at least this many rows (a validation part of at least 2,000) gets the configurations
held out ordered by their validation score (:func:`rank_by_holdout`: LightGBM's loss, or the
recommendation's metric where it orders otherwise, e.g. ROC AUC); on smaller data that order is
noise and the knowledge base's stays. Fixed before it was measured (docs/results/rules_2026-12-05.md)."""

def _coded_weights(params: dict[str, Any], labels: Sequence[Any]) -> dict[str, Any]:
    """``params`` with a ``class_weight`` dict, keyed by the user's labels, keyed instead by the
    codes LightGBM trains on: ``labels[i]``'s weight for code ``i`` (the labels a model's training
    part holds, in code order)."""
    weights = params.get("class_weight")
    if not isinstance(weights, dict):
        return params
    return {**params, "class_weight": {code: weights[label] for code, label in enumerate(labels) if label in weights}}


def holdout(y: np.ndarray, task: str, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A seeded hold-out of ``fraction`` of the rows (stratified when every class has two rows and
    each part has room for every class): training rows, validation rows whose class the training
    rows hold, and those rows' targets re-encoded to the training rows' classes, as LightGBM numbers
    them. ``y``: class codes (classification) or values."""
    from sklearn.model_selection import train_test_split

    n_valid = math.ceil(fraction * len(y))
    counts = np.bincount(y) if task != "regression" else np.empty(0)
    stratified = len(counts) and counts.min() >= 2 and min(n_valid, len(y) - n_valid) >= len(counts)
    strat = y if stratified else None
    tr, va = train_test_split(np.arange(len(y)), test_size=fraction, random_state=seed, stratify=strat)
    if task == "regression":
        return tr, va, y[va]
    known, y_valid = known_classes(y[tr], y[va])
    return tr, va[known], y_valid


def _split(y: np.ndarray, task: str, sample_weight: np.ndarray | None,
           random_state: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, str | None]:
    """The hold-out :func:`holdout_fit` trains on, of a subsample of at most :data:`HOLDOUT_MAX_ROWS`
    rows (``y``: class codes or values): its training rows, validation rows and their targets
    (:func:`holdout`), and why it cannot find rounds on them (:func:`holdout_gap`)."""
    rows = subsample_rows(y, task != "regression", HOLDOUT_MAX_ROWS, random_state,
                          min_per_class=math.ceil(2 / VALIDATION_FRACTION))  # a rare class in both parts
    fit_rows, valid_rows, y_valid = holdout(y[rows], task, VALIDATION_FRACTION, random_state)
    fit_rows, valid_rows = rows[fit_rows], rows[valid_rows]
    one_class = task != "regression" and min(len(np.unique(y[fit_rows])), len(np.unique(y_valid))) < 2
    if len(valid_rows) < MIN_VALIDATION_ROWS or one_class:  # a one-class validation loss falls for ever
        gap = "rows" if math.ceil(VALIDATION_FRACTION * len(rows)) < MIN_VALIDATION_ROWS else "class"
    else:  # LightGBM's loss of no weight is NaN, on which it stops at once
        gap = "weight" if sample_weight is not None and not sample_weight[valid_rows].any() else None
    return fit_rows, valid_rows, y_valid, gap


def holdout_gap(y: Any, task: str, *, sample_weight: np.ndarray | None = None,
                random_state: int = 0) -> str | None:
    """Why :func:`holdout_fit` cannot find rounds on these targets, and keeps the given ones with a
    NaN loss: ``"rows"``, too few rows to hold out :data:`MIN_VALIDATION_ROWS` validation rows;
    ``"class"``, a class too rare (one or two rows) for two classes and that many validation rows in
    the parts; ``"weight"``, every validation row of ``sample_weight`` 0. None if it can find them."""
    y = np.asarray(y)
    codes = y if task == "regression" else np.unique(y, return_inverse=True)[1]
    return _split(codes, task, None if sample_weight is None else np.asarray(sample_weight, dtype=float),
                  random_state)[3]


def holdout_rounds(params: dict[str, Any], X: pd.DataFrame, y: Any, task: str, *,
                   sample_weight: np.ndarray | None = None, random_state: int = 0) -> int:
    """The boosting rounds to train LightGBM with ``params`` on all of ``(X, y)``, found on the data.

    ``params`` without its ``n_estimators`` (under any of LightGBM's names) is trained on a seeded
    hold-out split of at most :data:`HOLDOUT_MAX_ROWS` rows (:data:`VALIDATION_FRACTION` of them
    validate) and stopped early as the knowledge base's runs are: on LightGBM's default metric for
    the task, after :func:`~metahpo.families.lightgbm.patience` rounds without a better one (for the
    learning rate LightGBM trains at), at most :data:`MAX_ROUNDS`. Its best round, scaled to all rows
    as a recommendation's rounds are (:data:`ROUNDS_EXPONENT`), is the answer, between 10 and
    ``MAX_ROUNDS``. It trains on one thread unless ``params`` name another count (``n_jobs``).
    Data too small to hold out (fewer than :data:`MIN_VALIDATION_ROWS` validation
    rows, or a training or validation part of one class: a class of one or two rows), or whose
    validation rows all weigh 0, keeps ``params``' own ``n_estimators``, and without one is a
    :class:`~metahpo.exceptions.DataError` (:func:`holdout_gap`).

    Parameters
    ----------
    params : dict
        LightGBM keyword arguments, e.g. a recommendation's ``params``.
    X : DataFrame
    y : array-like
        Targets (class labels for classification).
    task : {"binary", "multiclass", "regression"}
    sample_weight : ndarray, optional
        Row weights, for training and validation alike.
    random_state : int
        Seeds the subsample and the split.
    """
    return holdout_fit(params, X, y, task, sample_weight=sample_weight, random_state=random_state)[0]


_LOSS_ORDER = {"binary": {"neg_log_loss"}, "multiclass": {"neg_log_loss"},
               "regression": {"r2", "neg_root_mean_squared_error", "neg_mean_squared_error"}}


def orders_as_loss(metric: str, task: str) -> bool:
    """Whether ``metric`` (a scikit-learn scorer name) orders models on one validation part as
    LightGBM's default metric for ``task`` does."""
    return metric in _LOSS_ORDER[task]


def holdout_fit(params: dict[str, Any], X: pd.DataFrame, y: Any, task: str, *,
                sample_weight: np.ndarray | None = None, random_state: int = 0,
                metric: str | None = None) -> tuple[int, float]:
    """:func:`holdout_rounds`, and the validation loss at the best round: LightGBM's default metric
    for the task, on which it stops (or the first metric ``params`` name, negated if it grows as
    models improve), or with ``metric`` (a scikit-learn scorer name) that metric, negated, unless
    it orders models as LightGBM's default loss does and ``params`` set no objective or metric of
    their own. NaN for data it cannot hold out (:func:`holdout_gap` says why), and for a validation
    part ``metric`` cannot score (a class of one or two rows left out of it; the rounds are found)."""
    import lightgbm as lgb

    text = [str(c) for c, dtype in X.dtypes.items() if dtype == object or pd.api.types.is_string_dtype(dtype)]
    if text:
        raise DataError(f"column{'s' if len(text) > 1 else ''} {', '.join(text[:5])} hold text, which LightGBM "
                        f"does not take: pass the frame metahpo.load makes (text as categoricals)")
    y = np.asarray(y)
    sample_weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if task != "regression":
        classes, y = np.unique(y, return_inverse=True)
    rounds_names = parameter_names()["n_estimators"]
    given_rounds = [params[k] for k in params if k in rounds_names]
    if any(params.get(k) == "dart" for k in parameter_names()["boosting_type"]):
        raise ConfigError("boosting_type 'dart' cannot stop early, so a hold-out cannot find its rounds: give "
                          "n_estimators with rounds='recommended'")
    fit_rows, valid_rows, y_valid, gap = _split(y, task, sample_weight, random_state)
    if gap is not None:
        if given_rounds:
            return int(given_rounds[0]), float("nan")
        if gap == "rows":
            need = "" if task == "regression" else ", and training and validation parts of two classes each"
            raise DataError(f"{len(y)} rows are too few to hold out {VALIDATION_FRACTION:.0%} for early stopping "
                            f"(at least {MIN_VALIDATION_ROWS} validation rows{need}); give n_estimators")
        if gap == "class":
            raise DataError(f"a class is too rare to hold out {VALIDATION_FRACTION:.0%} of the rows for early "
                            f"stopping (the training and validation parts need two classes each); give n_estimators")
        raise DataError(f"the rows held out for early stopping ({VALIDATION_FRACTION:.0%} of them) all have "
                        f"sample_weight 0, which leaves no loss to stop on; give n_estimators")
    config = {k: v for k, v in params.items() if k not in rounds_names}
    if task == "regression":
        y_fit = y[fit_rows]
    else:  # classes numbered as the validation targets are: the training part's, 0 to K-1
        present, y_fit = np.unique(y[fit_rows], return_inverse=True)
        config = _coded_weights(config, classes[present])
    if not set(config) & parameter_names()["n_jobs"]:  # one thread, as metahpo trains: see make_estimator
        config["n_jobs"] = 1
    model = (lgb.LGBMRegressor if task == "regression" else lgb.LGBMClassifier)(**config, n_estimators=MAX_ROUNDS)
    rate = model.get_params()["learning_rate"]  # what LightGBM trains at: its default 0.1 outranks an alias (eta)
    weights = {} if sample_weight is None else {"sample_weight": sample_weight[fit_rows],
                                                "eval_sample_weight": [sample_weight[valid_rows]]}
    model.fit(X.iloc[fit_rows], y_fit, eval_X=(X.iloc[valid_rows],), eval_y=(y_valid,), **weights,
              callbacks=[lgb.early_stopping(patience({"learning_rate": rate}), first_metric_only=True, verbose=False)])
    best = model.best_iteration_ or MAX_ROUNDS
    rounds = int(np.clip(round(best * rounds_growth(len(y) / len(fit_rows), task)), 10, MAX_ROUNDS))
    own_loss = set(config) & (parameter_names()["objective"] | parameter_names()["metric"])  # not the task's loss
    if metric is not None and (own_loss or not orders_as_loss(metric, task)):
        from sklearn.metrics import get_scorer

        weight = {} if sample_weight is None else {"sample_weight": sample_weight[valid_rows]}
        try:
            return rounds, -float(get_scorer(metric)(model, X.iloc[valid_rows], y_valid, **weight))
        except ValueError:  # a validation part lacking a class, which some scorers (log loss) take as an error
            if task == "regression" or len(np.unique(y_valid)) == len(present):
                raise
            return rounds, float("nan")
    name, value = next(iter(model.best_score_["valid_0"].items()))  # the metric it stopped on: the task's loss,
    higher_better = name.split("@")[0] in _HIGHER_BETTER  # unless the parameters name another
    return rounds, float(-value if higher_better else value)


def orders_by_holdout(n_rows: int) -> bool:
    """Whether hold-outs order the configurations on data of ``n_rows`` rows (:data:`SELECT_MIN_ROWS`)."""
    return n_rows >= SELECT_MIN_ROWS


_HIGHER_BETTER = frozenset({"auc", "auc_mu", "average_precision", "ndcg", "map"})
"""LightGBM's metrics that grow as models improve (``ndcg@5`` and ``map@5`` too)."""


def rank_by_holdout(params: Sequence[dict[str, Any]], X: pd.DataFrame, y: Any, task: str, *,
                    sample_weight: np.ndarray | None = None, random_state: int = 0, n_jobs: int = 1,
                    metric: str | None = None,
                    progress: Callable[[int, float], None] | None = None) -> list[tuple[int, int, float]]:
    """Each of ``params`` trained on the hold-out (:func:`holdout_fit`, scored on ``metric``),
    ``n_jobs`` at a time in threads, each on one (LightGBM's default takes every core, which fits
    side by side would fight over): ``(index, rounds, validation loss)`` in the order of ``params``,
    or, on data of at least :data:`SELECT_MIN_ROWS` rows, best validation loss first (ties keep
    their order). ``progress(done, elapsed)`` is called as each finishes. A configuration held out
    before on the same data and settings is not trained again (:func:`remembered`)."""
    start, fits = time.perf_counter(), []
    data = data_key(X, y, sample_weight)

    def fit(p: dict[str, Any]) -> tuple[int, float]:
        named = _params_key(p)
        return remembered(None if named is None else ("holdout", data, task, named, random_state, metric),
                          lambda: holdout_fit(p, X, y, task, sample_weight=sample_weight, random_state=random_state,
                                              metric=metric))

    for rounds, loss in Parallel(n_jobs=check_n_jobs(n_jobs), backend="threading", return_as="generator")(
            delayed(fit)({**p, "n_jobs": 1}) for p in params):  # LightGBM trains without holding the GIL
        fits.append((len(fits), rounds, loss))
        if progress is not None:
            progress(len(fits), time.perf_counter() - start)
    if orders_by_holdout(len(X)):
        fits.sort(key=lambda fit: (np.isnan(fit[2]), fit[2]))
    return fits


CHECK_FOLDS = 5
"""Folds of :func:`check_against_default`."""

CHECK_Z = 2.0
"""How many standard errors of the paired fold differences the defaults must win by
(:func:`check_against_default`); fixed before it was measured (docs/results/rules_2026-12-05.md)."""

DEFAULT_ID = "lightgbm-defaults"
"""The ``config_id`` of LightGBM's defaults where
:func:`~metahpo.recommendations.with_holdout_rounds` puts them first."""


def checks_default(n_rows: int) -> bool:
    """Whether the top configuration is checked against LightGBM's defaults on data of ``n_rows``
    rows (:func:`check_against_default`): below :data:`SELECT_MIN_ROWS`, where no hold-out orders
    the list, and with at least :data:`MIN_VALIDATION_ROWS` rows per fold."""
    return CHECK_FOLDS * MIN_VALIDATION_ROWS <= n_rows < SELECT_MIN_ROWS


@dataclass(frozen=True)
class DefaultCheck:
    """A configuration cross-validated against LightGBM's defaults on the same folds.

    Attributes
    ----------
    differences : ndarray
        Per fold, the defaults' score minus the configuration's, on ``metric`` (greater is
        better): positive where the defaults did better. Only the folds where both scored (ROC AUC
        needs both classes); empty if either failed to train.
    metric : str
        The metric compared (a scikit-learn scorer name).
    error : str or None
        Why the check could not compare them.
    """

    differences: np.ndarray
    metric: str
    error: str | None = None

    @property
    def standard_error(self) -> float:
        """The standard error of the mean difference (NaN with fewer than two folds)."""
        d = self.differences
        return float(d.std(ddof=1) / math.sqrt(len(d))) if len(d) > 1 else float("nan")

    @property
    def defaults_win(self) -> bool:
        """Whether the defaults score better by more than :data:`CHECK_Z` standard errors."""
        d = self.differences  # a margin of rounding alone (identical models) is no win
        return len(d) > 1 and bool(d.mean() > max(CHECK_Z * self.standard_error, 1e-12))

    def describe(self) -> str:
        """The verdict in words."""
        if self.error is not None:
            return f"The check against LightGBM's defaults failed ({self.error}); the list is the knowledge base's."
        d = self.differences
        verdict = "the defaults come first" if self.defaults_win else "the list is the knowledge base's"
        scored = "" if len(d) == CHECK_FOLDS else f" ({self.metric} scored on {len(d)} of them: a class too rare)"
        return (f"Checked against LightGBM's defaults by {CHECK_FOLDS}-fold cross-validation{scored}: their "
                f"{self.metric} minus the top configuration's is {d.mean():+.4g} on average (standard error "
                f"{self.standard_error:.2g}; more than {CHECK_Z:g} standard errors put the defaults first), so "
                f"{verdict}.")


def default_params(random_state: int = 0) -> dict[str, Any]:
    """LightGBM's defaults as metahpo hands out a configuration
    (:meth:`~metahpo.spaces.SearchSpace.estimator_params`)."""
    return LIGHTGBM.estimator_params(LIGHTGBM.default, random_state=random_state)


def check_against_default(params: dict[str, Any], dataset: Dataset, *, metric: str | None = None,
                          default: dict[str, Any] | None = None, random_state: int = 0,
                          n_jobs: int = 1) -> DefaultCheck:
    """Cross-validate LightGBM ``params`` (with their ``n_estimators``) and LightGBM's defaults
    (:func:`default_params`, seeded 0 as the knowledge base's configurations are, or ``default``
    with a user's own settings) on the same :data:`CHECK_FOLDS` folds of ``dataset`` that
    ``random_state`` seeds, each trained with its rounds as given and
    scored on ``metric`` (a scikit-learn scorer name; default: the task's); the two run side by
    side with ``n_jobs`` > 1, each on one thread. Sample weights are not used. A check made before
    on the same data and settings is not made again (:func:`remembered`)."""
    metric = check_metric(metric, dataset.task)
    default = default_params() if default is None else default
    named = _params_key(params), _params_key(default)
    key = None if None in named else ("check", data_key(dataset.X, dataset.y.to_numpy()), dataset.task, *named,
                                      metric, random_state)
    return remembered(key, lambda: _check(params, dataset, metric, default, random_state, n_jobs))


def _check(params: dict[str, Any], dataset: Dataset, metric: str, default: dict[str, Any], random_state: int,
           n_jobs: int) -> DefaultCheck:
    import lightgbm as lgb

    model = lgb.LGBMRegressor if dataset.task == "regression" else lgb.LGBMClassifier
    folds = make_folds(dataset, CHECK_FOLDS, random_state)
    weighted = {label for p in (params, default) if isinstance(p.get("class_weight"), dict) for label in
                p["class_weight"]}
    if any(not weighted <= set(dataset.y.iloc[train]) for train, _ in folds):  # LightGBM: a KeyError
        error = "a class_weight dict names a class too rare for every fold's training part to hold it"
        return DefaultCheck(differences=np.empty(0), metric=metric, error=error)
    pair = [p if dataset.task == "regression" else _coded_weights(p, dataset.classes) for p in (params, default)]
    runs = Parallel(n_jobs=min(2, check_n_jobs(n_jobs)), backend="threading")(
        delayed(evaluate_estimator)(model(**{**p, "n_jobs": 1}), dataset, folds=folds, metric=metric) for p in pair)
    failed = [r.error for r in runs if not r.ok]
    if failed:
        return DefaultCheck(differences=np.empty(0), metric=metric, error=failed[0])
    ours, theirs = (np.asarray(r.fold_scores[metric]) for r in runs)
    differences = theirs - ours
    scored = differences[np.isfinite(differences)]  # a fold without some class has no ROC AUC
    scored.setflags(write=False)  # remembered (check_against_default): every caller shares it
    if len(scored) < 2:
        return DefaultCheck(differences=scored, metric=metric, error=f"{metric} scored on {len(scored)} of "
                                                                     f"{CHECK_FOLDS} folds (a class too rare)")
    return DefaultCheck(differences=scored, metric=metric)


# ---------------------------------------------------------------------- memory of what was trained

MEMO_SIZE = 256
"""Hold-outs and checks against the defaults kept in memory (:func:`remembered`), the least
recently used forgotten first: recommending and fitting on the same data (``recommend``, then
``MetaLGBMClassifier.fit``; a grid search over ``rank``, whose candidates share their folds) train
each model once. Each is a few numbers."""

_T = TypeVar("_T")
_memo: OrderedDict[tuple, Any] = OrderedDict()
_memo_lock = threading.Lock()


def remembered(key: tuple | None, compute: Callable[[], _T]) -> _T:
    """What ``compute()`` returned for ``key`` before in this process, else its result, kept for
    next time (at most :data:`MEMO_SIZE` results). ``key`` must name everything the result depends
    on: the data (:func:`data_key`), the parameters (:func:`_params_key`), the seeds; ``key`` None
    (parameters that cannot be named by value) is computed every time."""
    if key is None:
        return compute()
    with _memo_lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]
    value = compute()  # outside the lock: threads compute side by side
    with _memo_lock:
        _memo[key] = value
        while len(_memo) > MEMO_SIZE:
            _memo.popitem(last=False)
    return value


def forget() -> None:
    """Forget every remembered hold-out and check (:func:`remembered`)."""
    with _memo_lock:
        _memo.clear()


def data_key(X: pd.DataFrame, y: Any, sample_weight: np.ndarray | None = None) -> str:
    """A hash of what a model trained on ``(X, y)`` depends on: the values, the columns' names and
    types (each categorical's categories in their order, which are LightGBM's codes), the targets and
    the row weights."""
    digest = hashlib.sha1(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    for name, dtype in X.dtypes.items():  # an ordered categorical is numeric to LightGBM
        categories = (list(dtype.categories), dtype.ordered) if isinstance(dtype, pd.CategoricalDtype) else None
        digest.update(repr((name, str(dtype), categories)).encode())
    y = np.asarray(y)
    digest.update(pd.util.hash_array(y).tobytes())
    classes = pd.unique(y) if y.dtype.kind in "OUSb" else ()  # 10 and "10" hash alike but sort apart
    digest.update(repr((y.dtype, [(type(c).__name__, c) for c in classes])).encode())
    if sample_weight is not None:
        digest.update(np.asarray(sample_weight, dtype=float).tobytes())
    return digest.hexdigest()


def _params_key(params: dict[str, Any]) -> str | None:
    """LightGBM's parameters as the model takes them, its defaults filled in (a parameter given at
    its default value is the same model), on one thread as hold-outs and checks train; None if a
    value is not plain data (a callable objective, an array, an object), which a text cannot name."""
    import lightgbm as lgb

    full = {**lgb.LGBMModel(**params).get_params(), "n_jobs": 1}
    if not all(map(_plain, full.values())):
        return None
    return repr(sorted(full.items(), key=lambda item: str(item[0])))


def _plain(value: Any) -> bool:
    """Whether ``value`` is named by its ``repr``: None, a number, a text, or lists and dicts of them."""
    if value is None or isinstance(value, (bool, int, float, str, np.bool_, np.number)):
        return True
    if isinstance(value, (list, tuple)):
        return all(map(_plain, value))
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return False

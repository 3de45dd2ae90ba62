"""Zero-shot drop-in estimators: LightGBM configured by the knowledge base at ``fit`` time.

``MetaLGBMClassifier().fit(X, y)`` extracts the meta-features of ``(X, y)``, asks the knowledge
base for the best configuration, finds its rounds by early stopping on a hold-out of the data (as
LGBM-TD and AutoGluon find theirs; :func:`~metahpo.holdout.holdout_rounds`), and trains
LightGBM with it on all the data, like FLAML's ``flaml.default`` estimators. They replace
``lightgbm.LGBMClassifier`` and ``LGBMRegressor`` in existing code: they take every LightGBM
parameter, and one given replaces the recommended value of that parameter alone; ``fit`` takes
``sample_weight`` and LightGBM's other ``fit`` arguments; the fitted estimator has LightGBM's
fitted attributes. They are ordinary scikit-learn estimators: ``get_params``, ``set_params``,
``clone``, pipelines and ``cross_val_score`` work.

``MetaClassifier`` and ``MetaRegressor`` are the same idea for any model family: with
``family="auto"`` they train the family that did best on similar datasets, configured as its
knowledge base recommends (rounds included).
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import Tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from metahpo.datasets import (Dataset, as_pandas, check_columns, check_dense, check_kinds, check_pairing, conform,
                              from_arrays, plain)
from metahpo.evaluation import check_metric, check_seed, check_whole
from metahpo.families import get_family
from metahpo.exceptions import ConfigError, DataError
from metahpo.families.lightgbm import canonical_names, parameter_names
from metahpo.holdout import default_params, orders_by_holdout
from metahpo.knowledge_base import KnowledgeSource
from metahpo.progress import plural
from metahpo.recommendations import N_RECOMMENDED, Recommendation, check_rounds, recommend, with_holdout_rounds

_METAHPO_PARAMS = frozenset({"knowledge_base", "strategy", "metric", "rank", "rounds"})
"""The arguments that steer the recommendation; every other argument is LightGBM's."""

_SEEDS = (int, np.integer, np.random.RandomState, np.random.Generator, type(None))
"""What ``random_state`` may be: what LightGBM takes."""


def _by_canonical_name(given: dict[str, Any]) -> dict[str, Any]:
    """LightGBM parameters ``given`` each under its scikit-learn name
    (:func:`~metahpo.families.lightgbm.canonical_names`): ``eta=0.05`` as ``learning_rate=0.05``,
    which LightGBM trains at (its default ``learning_rate`` would outrank ``eta``). Two names of one
    parameter are a :class:`~metahpo.exceptions.ConfigError`."""
    names = canonical_names()
    seen: dict[str, str] = {}
    for key in given:
        if names[key] in seen:
            raise ConfigError(f"{seen[names[key]]} and {key} are the same LightGBM parameter ({names[key]}); "
                              f"give one of them")
        seen[names[key]] = key
    return {names[key]: value for key, value in given.items()}


def _is_default(value: Any, default: Any) -> bool:
    """Whether an argument holds its default: the same object, or an equal one of its type (a numpy
    integer counting as an integer: ``np.arange`` makes grids of them)."""
    same_kind = type(value) is type(default) or (isinstance(value, np.integer) and type(default) is int)
    return value is default or (same_kind and bool(value == default))


def _check_class_weight(class_weight: Any, y: np.ndarray) -> None:
    """A :class:`~metahpo.exceptions.ConfigError` unless ``class_weight`` is None, "balanced" or a
    dict of classes of ``y`` (LightGBM's KeyError otherwise, after the hold-outs have ignored it)."""
    if class_weight is None or (isinstance(class_weight, str) and class_weight == "balanced"):
        return
    if not isinstance(class_weight, dict):
        raise ConfigError(f"class_weight must be a dict of classes to weights, 'balanced' or None; got "
                          f"{plain(class_weight)!r}")
    classes = np.unique(y)
    unknown = [label for label in class_weight if label not in set(classes.tolist())]
    if unknown:
        raise ConfigError(f"class_weight names {', '.join(map(repr, map(plain, unknown)))}, "
                          f"{'not a class' if len(unknown) == 1 else 'not classes'} of y "
                          f"(its classes: {', '.join(map(repr, map(plain, classes[:10])))}"
                          f"{', ...' if len(classes) > 10 else ''})")


def _as_before_if_it_raises(fit: Callable[..., Any]) -> Callable[..., Any]:
    """``fit``, after which an estimator whose fit raised (bad input, Ctrl-C) is as it was before
    the call: the last fit's model kept whole, or unfitted, never half refitted."""
    @functools.wraps(fit)
    def fitting(self: BaseEstimator, *args: Any, **kwargs: Any) -> Any:
        before = _fitted_state(self)
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            for name in _fitted_state(self):
                delattr(self, name)
            for name, value in before.items():
                setattr(self, name, value)
            raise
    return fitting


def _fitted_state(estimator: BaseEstimator) -> dict[str, Any]:
    """What a fit sets: the attributes ending in "_" (a LightGBM argument so named is a parameter,
    not fitted state) and the training features kept for :func:`~metahpo.datasets.conform`."""
    given = estimator.get_params(deep=False)
    return {name: value for name, value in vars(estimator).items()
            if name == "_features" or (name.endswith("_") and not name.startswith("__") and name not in given)}


def _override(params: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``params`` with ``overrides``, each replacing its parameter under whichever of LightGBM's
    names ``params`` holds it (``reg_lambda=1`` replaces ``lambda_l2``)."""
    replaced = set().union(*(parameter_names()[name] for name in overrides))
    return {**{k: v for k, v in params.items() if k not in replaced}, **overrides}


def _check_sample_weight(sample_weight: Any, n_rows: int, classes: np.ndarray | None = None) -> np.ndarray | None:
    """``sample_weight`` as floats: one finite, non-negative weight per row, not all zero, and for
    a classifier (``classes``, each row's) positive on two classes at least."""
    if sample_weight is None:
        return None
    try:
        weights = np.asarray(sample_weight, dtype=float)
    except (TypeError, ValueError):
        raise DataError("sample_weight must be numbers, one weight per row") from None
    if weights.shape != (n_rows,):
        raise DataError(f"sample_weight has shape {weights.shape}; expected ({n_rows},), one weight per row")
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise DataError("sample_weight must be finite and non-negative")
    if not weights.any():
        raise DataError("sample_weight is zero for every row; at least one weight must be positive")
    weighted = np.unique(np.asarray(classes)[weights > 0]) if classes is not None else ()
    if len(weighted) == 1:
        raise DataError(f"sample_weight is zero for every row of every class but {plain(weighted[0])!r}: a classifier "
                        f"needs two classes of positive weight")
    return weights


def _fitted(name: str, doc: str) -> property:
    """A read-only attribute of the trained LightGBM model."""

    def get(self: _MetaLGBM) -> Any:
        check_is_fitted(self, "model_")
        return getattr(self.model_, name)

    return property(get, doc=doc)


class _TabularInput:
    """What the zero-shot estimators share: their input checks, and the dataset they recommend for."""

    _regression: bool = False

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()  # type: ignore[misc]  # BaseEstimator's, next in the estimators' order
        tags.input_tags.allow_nan = True  # every family handles missing values (LightGBM itself, linear by imputing)
        return tags

    def _dataset(self, X: Any, y: Any) -> tuple[Dataset, np.ndarray]:
        """The checked training data as a :class:`~metahpo.datasets.Dataset`, and ``y`` as checked;
        bad input is a :class:`~metahpo.exceptions.DataError` (scikit-learn's message, when its checks
        find the problem)."""
        X, y = as_pandas(X), as_pandas(y)
        check_pairing(X, y)
        n_missing = int(pd.isna(np.asarray(y, dtype=object)).sum()) if y is not None else 0
        if n_missing:
            raise DataError(f"the target has {plural(n_missing, 'missing value')}")
        try:
            X, y = self._validate(X, y, reset=True)
            if not self._regression:
                check_classification_targets(y)
        except DataError:
            raise
        except TypeError:  # numpy's, sorting classes of numbers and text: named as load names it
            check_kinds(y)
            raise
        except ValueError as exc:
            text = "could not convert" in str(exc) and not isinstance(X, pd.DataFrame)
            brief = re.sub(r"array=\[.*?\]\.?\s*", "", str(exc), flags=re.DOTALL)  # not the whole array again
            raise DataError(f"{brief}{'; text needs a DataFrame (its text columns are categorical)' if text else ''}"
                            ) from exc
        task = "regression" if self._regression else "binary" if len(np.unique(y)) <= 2 else "multiclass"
        dataset = from_arrays(X, y, task=task, name=type(self).__name__)
        self.columns_ = list(dataset.X.columns)
        self.categorical_ = list(dataset.categorical)
        self._features = dataset.X.iloc[:0]  # the training columns and dtypes, for conform
        return dataset, y

    def _recommend(self, dataset: Dataset, family: str | None, random_state: Any) -> list[dict[str, Any]]:
        """Ask the knowledge base (``recommendation_``) and return the parameters of its configurations
        up to ``rank``, or on data :meth:`_held_out` orders, of as many as ``recommend`` lists; an
        integer ``random_state`` seeds the meta-features' landmarkers (else 0)."""
        check_whole(self.rank, "rank", 0, " (0: the top recommendation)")
        landmark_seed = random_state if isinstance(random_state, (int, np.integer)) else 0
        n = self.rank + 1
        if self.rounds == "holdout" and orders_by_holdout(dataset.n_rows):
            n = max(n, N_RECOMMENDED)
        recommendation = recommend(dataset, n=n, family=family, knowledge_base=self.knowledge_base,
                                   strategy=self.strategy, metric=self.metric, rounds="recommended",
                                   random_state=landmark_seed)
        if self.rank >= len(recommendation):
            raise ConfigError(f"rank {plain(self.rank)} asks for recommendation {self.rank + 1}, but the knowledge "
                              f"base recommends {plural(len(recommendation), 'configuration')} for these data; "
                              f"give a rank below {len(recommendation)}")
        self.recommendation_: Recommendation = recommendation
        return [c.params for c in recommendation.configs]

    def _held_out(self, candidates: list[dict[str, Any]], default: dict[str, Any], dataset: Dataset,
                  sample_weight: np.ndarray | None, seed: int, n_jobs: int = 1) -> dict[str, Any]:
        """The parameters at ``rank`` of the list ``recommend`` hands out, which becomes
        ``recommendation_``: ``candidates`` standing for its configurations and ``default`` for
        LightGBM's defaults (:func:`~metahpo.recommendations.with_holdout_rounds`: rounds from a
        hold-out, ``n_jobs`` side by side, each training on one thread; on large data the list
        ordered by them, on smaller data its top checked against the defaults, with notes saying so)."""
        listed = self._listed(candidates)
        self.recommendation_ = with_holdout_rounds(listed, dataset, n=self.rank + 1, sample_weight=sample_weight,
                                                   default=default, random_state=seed, n_jobs=n_jobs)
        return self.recommendation_.configs[self.rank].params

    def _at_rank(self, candidates: list[dict[str, Any]]) -> dict[str, Any]:
        """The parameters at ``rank`` of ``candidates`` as the knowledge base lists them (its rounds),
        which become ``recommendation_``'s."""
        self.recommendation_ = self._listed(candidates)
        return candidates[self.rank]

    def _with_classes(self) -> Any:
        """The estimator, with a classifier's ``classes_`` and ``n_classes_`` from its trained model."""
        if not self._regression:
            self.classes_ = self.model_.classes_
            self.n_classes_ = len(self.classes_)
        return self

    def _listed(self, candidates: list[dict[str, Any]]) -> Recommendation:
        """``recommendation_`` with ``candidates`` (its configurations with the user's parameters) as
        its configurations' parameters."""
        return replace(self.recommendation_, configs=[replace(c, params=p) for c, p in
                                                      zip(self.recommendation_.configs, candidates)])

    def _validate(self, X: Any, y: Any = None, reset: bool = False) -> tuple[Any, Any]:
        """scikit-learn's input checks; a DataFrame keeps its columns and their dtypes (dates
        included), an array becomes numbers; a pandas target is the classes it holds (a nullable or Arrow
        one's too, which scikit-learn's column_or_1d would make floats of), as :func:`~metahpo.tune` reads it."""
        if isinstance(y, (pd.Series, pd.DataFrame)):
            y = y.to_numpy()
        with_y = {} if y is None and not reset else {"y": y}
        minimum = 2 if reset else 1
        check_dense(X)
        if isinstance(X, pd.DataFrame):
            check_columns(X.columns)
            if len({isinstance(c, str) for c in X.columns}) > 1:  # scikit-learn's TypeError otherwise
                other = [repr(c) for c in X.columns if not isinstance(c, str)]
                raise DataError(f"column names must be all text or none text (scikit-learn's rule), got "
                                f"{', '.join(other[:5])}{' ...' if len(other) > 5 else ''} beside text names")
            validate_data(self, X, reset=reset, skip_check_array=True, **with_y)
            if len(X) < minimum or X.shape[1] == 0:
                raise ValueError(f"Found array with {len(X)} sample(s) and {X.shape[1]} feature(s) (shape={X.shape}) "
                                 f"while a minimum of {minimum} and 1 are required.")
            return X, (column_or_1d(y, warn=True) if reset else None)
        array = np.asarray(X)
        if array.dtype == object:  # pd.NA and None are missing, as np.nan is (float() refuses pd.NA)
            X = np.where(pd.isna(array), np.nan, array)
        checks = dict(accept_sparse=False, ensure_all_finite=False, reset=reset)  # LightGBM places inf
        if reset:
            return validate_data(self, X, ensure_min_samples=minimum, y_numeric=self._regression, **with_y, **checks)
        return validate_data(self, X, **checks), None

    def _frame(self, X: Any) -> pd.DataFrame:
        """``X`` checked against the training features and made as they were
        (:func:`~metahpo.datasets.conform`)."""
        X = as_pandas(X)
        try:
            X, _ = self._validate(X)
        except ValueError as exc:
            if isinstance(X, pd.DataFrame) or "could not convert" not in str(exc) or not self.categorical_:
                raise
            named = ", ".join(map(repr, self.categorical_[:5])) + (", ..." if len(self.categorical_) > 5 else "")
            raise DataError(f"{exc}; the model was trained on a DataFrame whose columns {named} are categorical: "
                            f"predict on a DataFrame too") from exc
        if isinstance(X, pd.DataFrame) and not (hasattr(self, "feature_names_in_")
                                                and all(isinstance(c, str) for c in X.columns)):
            X = X.set_axis(self._features.columns, axis=1)  # fitted without names, or given none: by position
        return conform(X, self._features)


def _with_categories(X: Any, columns: Any) -> pd.DataFrame:
    """``X`` with ``columns`` (LightGBM's ``categorical_feature``: names or indices) as pandas
    categoricals, which metahpo and LightGBM both read as categorical features."""
    X = as_pandas(X)
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    columns = [columns] if isinstance(columns, (str, int, np.integer)) else list(columns)
    names = [frame.columns[c] if isinstance(c, (int, np.integer)) and c not in frame.columns else c for c in columns]
    unknown = [c for c in names if c not in frame.columns]
    if unknown:
        raise DataError(f"categorical_feature names {', '.join(map(repr, unknown))}, not a column of X")
    return frame.astype({c: "category" for c in names})


def _drawn_seed(random_state: Any) -> int | None:
    """``random_state`` as LightGBM's integer seed: a RandomState or Generator gives one integer, as
    LightGBM draws one per fit, so that every fit of an estimator (and a rebuild from its
    ``params_``) has the same seed."""
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(np.iinfo(np.int32).max))
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(np.iinfo(np.int32).max))
    return None if random_state is None else int(random_state)


class _MetaLGBM(_TabularInput, BaseEstimator):
    """Shared machinery of the zero-shot LightGBM estimators."""

    def __init__(
        self,
        knowledge_base: KnowledgeSource | None = None,
        strategy: str = "auto",
        metric: str | None = None,
        rank: int = 0,
        rounds: str = "holdout",
        random_state: int | np.random.RandomState | np.random.Generator | None = 0,
        n_jobs: int | None = 1,
        class_weight: dict | str | None = None,
        importance_type: str = "split",
        **kwargs: Any,
    ) -> None:
        self.knowledge_base = knowledge_base
        self.strategy = strategy
        self.metric = metric
        self.rank = rank
        self.rounds = rounds
        self.random_state = random_state
        self.n_jobs = n_jobs
        self.class_weight = class_weight
        self.importance_type = importance_type
        self._lightgbm_kwargs: list[str] = []
        self.set_params(**kwargs)

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The estimator's parameters, its LightGBM keyword arguments included."""
        return {**super().get_params(deep=deep), **{k: getattr(self, k) for k in self._lightgbm_kwargs}}

    def set_params(self, **params: Any) -> _MetaLGBM:
        """Set parameters; a name ``__init__`` does not list is a LightGBM keyword argument."""
        named = self._get_param_names()
        super().set_params(**{k: v for k, v in params.items() if k in named})
        given = {k: v for k, v in params.items() if k not in named}
        for key, value in given.items():
            setattr(self, key, value)
        # a new list, not the old one extended: a copy.copy of the estimator shares the old one
        self._lightgbm_kwargs = [*self._lightgbm_kwargs, *(k for k in given if k not in self._lightgbm_kwargs)]
        return self

    booster_ = _fitted("booster_", "lightgbm.Booster: the trained booster.")
    best_iteration_ = _fitted("best_iteration_", "int: the best round when ``fit`` stopped early (``eval_X`` "
                                                 "and the ``lightgbm.early_stopping`` callback), else 0.")
    best_score_ = _fitted("best_score_", "dict: the best scores on each evaluation set.")
    evals_result_ = _fitted("evals_result_", "dict: the scores on each evaluation set, round by round.")
    feature_name_ = _fitted("feature_name_", "list of str: the features' names as LightGBM saw them.")
    n_estimators_ = _fitted("n_estimators_", "int: the boosting rounds trained.")
    n_features_ = _fitted("n_features_", "int: the number of features.")
    n_iter_ = _fitted("n_iter_", "int: the boosting rounds trained.")
    objective_ = _fitted("objective_", "str or callable: the objective trained with.")

    @property
    def feature_importances_(self) -> np.ndarray:
        """ndarray of shape (n_features,): the importances ``importance_type`` names."""
        return self.booster_.feature_importance(importance_type=self.importance_type)

    @_as_before_if_it_raises
    def fit(self, X: Any, y: Any, sample_weight: Any = None, **fit_params: Any) -> _MetaLGBM:
        """Recommend a configuration for ``(X, y)`` and train LightGBM with it.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Text and ``category`` columns are categorical features.
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Finite non-negative weights, not all zero, passed to LightGBM and to the hold-out
            that finds the rounds (the recommendation and the check against LightGBM's defaults
            do not see them).
        **fit_params
            LightGBM's other ``fit`` arguments (``eval_X`` and ``eval_y``, ``callbacks``,
            ``init_score``, ...); the features of ``eval_X`` (and of the older ``eval_set``) are
            prepared as ``X`` is. ``categorical_feature`` (names or indices) makes those columns
            categorical before anything is trained, the recommendation and its hold-outs included.

        Returns
        -------
        self
        """
        import lightgbm as lgb

        unknown = [k for k in self._lightgbm_kwargs if k not in parameter_names()]
        if unknown:
            raise ConfigError(f"unknown LightGBM parameter{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: "
                              f"neither an argument of lightgbm.LGBMModel nor a LightGBM parameter or alias")
        # the estimator's own LightGBM arguments (random_state, n_jobs, ...): one set away from its default and
        # also given under an alias (random_state=1, seed=2) is two names of one parameter; an alias alone replaces it
        own = {k: getattr(self, k) for k in self._get_param_names() if k not in _METAHPO_PARAMS}
        defaults = inspect.signature(type(self).__init__).parameters
        given = _by_canonical_name({**{k: v for k, v in own.items() if not _is_default(v, defaults[k].default)},
                                    **{k: getattr(self, k) for k in self._lightgbm_kwargs}})
        explicit = {k: given.pop(k, v) for k, v in own.items()}
        random_state, n_jobs = explicit["random_state"], explicit["n_jobs"]
        if n_jobs is not None and (isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, (int, np.integer))):
            raise ConfigError(f"n_jobs must be an integer (threads; -1: all) or None; got {plain(n_jobs)!r}")
        if not isinstance(random_state, _SEEDS):
            raise ConfigError(f"random_state must be an integer, a numpy RandomState or Generator, or None; got "
                              f"{plain(random_state)!r}")
        if isinstance(random_state, (int, np.integer)):
            check_seed(random_state)
        check_rounds(self.rounds)
        if self.rounds == "holdout" and "n_estimators" in given:
            raise ConfigError("rounds='holdout' (the default) finds n_estimators on the data; to give n_estimators, "
                              "set rounds='recommended'")
        categorical = fit_params.pop("categorical_feature", "auto")
        dataset, y = self._dataset(X if isinstance(categorical, str) and categorical == "auto"
                                   else _with_categories(X, categorical), y)
        check_metric(self.metric, dataset.task, unknown_hint=" (metric is what the recommendation optimizes; "
                     "LightGBM's evaluation metric is the keyword argument metrics, or fit's eval_metric)")
        sample_weight = _check_sample_weight(sample_weight, len(y), None if self._regression else y)
        if self._regression and explicit["class_weight"] is not None:
            raise ConfigError(f"class_weight weighs classes; a regressor has none (got "
                              f"{plain(explicit['class_weight'])!r}): give sample_weight to fit")
        if not self._regression:
            _check_class_weight(explicit["class_weight"], y)
        eval_set, eval_X = fit_params.get("eval_set"), fit_params.get("eval_X")  # checked before any training
        if eval_set is not None:
            pairs = [eval_set] if isinstance(eval_set, tuple) else eval_set
            fit_params["eval_set"] = [(self._frame(X_eval), y_eval) for X_eval, y_eval in pairs]
        if eval_X is not None:
            fit_params["eval_X"] = tuple(map(self._frame, eval_X)) if isinstance(eval_X, tuple) else self._frame(eval_X)
        explicit["random_state"] = _drawn_seed(random_state)
        candidates = [_override({**params, **explicit}, given)
                      for params in self._recommend(dataset, "lightgbm", random_state)]
        if self.rounds == "holdout":
            seed = explicit["random_state"] if explicit["random_state"] is not None else 0
            threads = -1 if n_jobs is None or n_jobs < 0 else max(1, int(n_jobs))  # LightGBM's meaning
            default = _override({**default_params(int(seed)), **explicit}, given)
            self.params_: dict[str, Any] = self._held_out(candidates, default, dataset, sample_weight, int(seed),
                                                          threads)
        else:
            self.params_ = self._at_rank(candidates)
        self.model_ = (lgb.LGBMRegressor if self._regression else lgb.LGBMClassifier)(**self.params_)
        self.model_.fit(dataset.X, y, sample_weight=sample_weight, **fit_params)
        return self._with_classes()

    def predict(self, X: Any, **predict_params: Any) -> np.ndarray:
        """Predict with the trained LightGBM model; ``predict_params`` are LightGBM's
        (``raw_score``, ``num_iteration``, ``pred_contrib``, ...)."""
        check_is_fitted(self, "model_")
        return self.model_.predict(self._frame(X), **predict_params)


class MetaLGBMClassifier(ClassifierMixin, _MetaLGBM):
    """LightGBM classifier configured zero-shot from the knowledge base, a drop-in replacement
    for ``lightgbm.LGBMClassifier``.

    Every LightGBM parameter given replaces the recommended value of that parameter alone,
    whichever of LightGBM's aliases names it; the rest stay as recommended. It is trained, and
    ``params_`` holds it, under its scikit-learn name (``eta=0.05`` as ``learning_rate=0.05``):
    ``LGBMClassifier`` passes its own arguments, defaults included, and LightGBM prefers some of
    them to an alias.

    Parameters
    ----------
    knowledge_base : KnowledgeBase or path, optional
        Default: the shipped knowledge base.
    strategy : str
        Recommendation strategy (see :func:`metahpo.recommend`).
    metric : str, optional
        The scikit-learn metric the recommendation optimizes; default by task. (LightGBM's own
        evaluation metric is ``fit``'s ``eval_metric``, or the keyword argument ``metrics``.)
    rank : int
        Which recommendation to train (0 = the top one), counted in the list ``recommend`` hands
        out (with ``rounds="holdout"``, LightGBM's defaults may head it; see ``rounds``); ``fit``
        raises a ConfigError if the knowledge base recommends fewer configurations.
    rounds : {"holdout", "recommended"}
        Where ``n_estimators`` comes from: the data
        (:func:`~metahpo.holdout.holdout_rounds`: early stopping on a hold-out of the
        training rows, then the model trained on all of them; on data of at least
        :data:`~metahpo.holdout.SELECT_MIN_ROWS` rows, the ten configurations ``recommend``
        lists are held out and ``rank`` counts in their order by validation score, as
        ``recommend`` orders them; on smaller data the top one is cross-validated against
        LightGBM's defaults, with your own settings, which take its place where they are clearly
        better), or the knowledge base (the rounds its nearest datasets needed:
        no training before the model's, but on held-out dev data better than the hold-out's on 22
        of 97 datasets and worse on 66; the hold-out's fit took a median 1.3 times longer on PMLB
        data, ten of them 10 to 19 times on real-world data of 10,000 rows or more;
        docs/benchmarks.md). Either way ``params_`` holds the rounds.
        ``n_estimators`` given by hand needs ``rounds="recommended"``.
    random_state : int, numpy RandomState or Generator, or None
        LightGBM's seed, as LightGBM takes it; an integer also seeds the meta-features'
        landmarkers (seed 0 otherwise). A RandomState or Generator gives one integer seed, drawn
        as LightGBM draws it, to the hold-outs and the model alike, and ``params_`` holds it. A
        LightGBM alias given (``seed``) takes the place of the default; beside a ``random_state``
        of your own it is a ConfigError (two names of one parameter).
    n_jobs : int, optional
        LightGBM threads: one by default; None (LightGBM's default) takes them all. The hold-outs
        of ``rounds="holdout"`` train that many at a time, each on one thread. A LightGBM alias
        (``num_threads``) given takes the place of the default; beside an ``n_jobs`` of your own it
        is a ConfigError.
    class_weight : dict, "balanced" or None
        As LightGBM's.
    importance_type : {"split", "gain"}
        What ``feature_importances_`` counts.
    **kwargs
        Any other LightGBM parameter (``n_estimators``, ``learning_rate``, ``num_leaves``,
        ``objective``, ...), or any of its LightGBM aliases (``eta``, ``num_leaf``, ``lambda_l2``,
        ...). A name LightGBM does not accept, or two names of one parameter, is a
        :class:`~metahpo.exceptions.ConfigError` at ``fit``.

    Attributes
    ----------
    recommendation_ : Recommendation
        The list ``metahpo.recommend`` hands out for these data, up to ``rank`` (with
        ``rounds="holdout"``: rounds from the hold-outs; on data of at least
        :data:`~metahpo.holdout.SELECT_MIN_ROWS` rows all ten, in the order the hold-outs give;
        below that LightGBM's defaults first where the check prefers them), with your parameters
        in every configuration:
        ``recommendation_.configs[rank].params`` is ``params_``, and ``recommendation_.explain()``
        says why.
    params_ : dict
        The LightGBM parameters trained with, each under its scikit-learn name (an alias given,
        ``eta``, as ``learning_rate``; a parameter the estimators take no argument for under
        LightGBM's main name): ``lightgbm.LGBMClassifier(**params_)`` is the model.
    model_ : lightgbm.LGBMClassifier
        The trained model, which ``predict`` and ``predict_proba`` use.
    classes_ : ndarray
    n_classes_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray
        When ``X`` was a DataFrame.
    booster_, feature_importances_, feature_name_, n_features_, objective_
        Those of ``model_``.
    best_iteration_, best_score_, evals_result_, n_estimators_, n_iter_
        Those of ``model_``: how training went (early stopping on ``fit``'s ``eval_X``).
    """

    def predict_proba(self, X: Any, **predict_params: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``; ``predict_params`` as in
        :meth:`predict`."""
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(self._frame(X), **predict_params)


class MetaLGBMRegressor(RegressorMixin, _MetaLGBM):
    """LightGBM regressor configured zero-shot from the knowledge base, a drop-in replacement for
    ``lightgbm.LGBMRegressor``.

    Parameters and attributes are those of :class:`MetaLGBMClassifier`, without ``classes_`` and
    ``n_classes_``; ``class_weight`` (which ``LGBMRegressor`` takes too, and reads the target's
    values as classes) must be None: weigh rows with ``fit``'s ``sample_weight``.
    """

    _regression = True


class _MetaModel(_TabularInput, BaseEstimator):
    """Shared machinery of the zero-shot estimators of any family."""

    def __init__(self, family: str = "auto",
                 knowledge_base: KnowledgeSource | Sequence[KnowledgeSource] | None = None, strategy: str = "auto",
                 metric: str | None = None, rank: int = 0, rounds: str = "holdout",
                 random_state: int | None = 0) -> None:
        self.family = family
        self.knowledge_base = knowledge_base
        self.strategy = strategy
        self.metric = metric
        self.rank = rank
        self.rounds = rounds
        self.random_state = random_state

    @_as_before_if_it_raises
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> _MetaModel:
        """Choose the family (with ``family="auto"``), recommend its configuration for ``(X, y)``
        and train the family's model with it.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Text and ``category`` columns are categorical features.
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), optional
            Finite non-negative weights, not all zero, for the model's training and LightGBM's
            hold-out (the recommendation and the check against LightGBM's defaults do not see
            them).

        Returns
        -------
        self
        """
        seed = check_seed(self.random_state)
        check_rounds(self.rounds)
        dataset, y = self._dataset(X, y)
        sample_weight = _check_sample_weight(sample_weight, len(y), None if self._regression else y)
        candidates = [{**params, "random_state": seed} for params in self._recommend(dataset, self.family, seed)]
        self.family_: str = self.recommendation_.family
        if self.family_ == "lightgbm" and self.rounds == "holdout":
            self.params_: dict[str, Any] = self._held_out(candidates, default_params(seed), dataset, sample_weight,
                                                          seed)
        else:
            self.params_ = self._at_rank(candidates)
        family = get_family(self.family_)
        self.model_ = family.make_estimator(self.params_, dataset.task)
        weights = {} if sample_weight is None else {family.sample_weight_arg: sample_weight}
        with family.training():
            self.model_.fit(dataset.X, y, **weights)
        return self._with_classes()

    def predict(self, X: Any) -> np.ndarray:
        """Predict with the trained model."""
        check_is_fitted(self, "model_")
        return self.model_.predict(self._frame(X))


class MetaClassifier(ClassifierMixin, _MetaModel):
    """A classifier of the family that suits the data, configured zero-shot from the knowledge bases.

    With ``family="auto"`` it fits the family that did best on the most similar datasets every
    family's knowledge base ran (:func:`metahpo.recommendations.choose_family`), among the
    families that have a knowledge base; otherwise the family named.

    Parameters
    ----------
    family : {"auto", "lightgbm", "linear"}
    knowledge_base : KnowledgeBase or path, or a sequence of them, optional
        Runs of one family, or of several (one per family); the others' knowledge bases are the
        shipped ones.
    strategy, metric, rank
        As :class:`MetaLGBMClassifier`'s.
    rounds : {"holdout", "recommended"}
        As :class:`MetaLGBMClassifier`'s, when the family trained is LightGBM (the family with rounds).
    random_state : int or None
        The model's seed, the landmarkers' and the hold-out's (None: 0).

    Attributes
    ----------
    family_ : str
        The family trained.
    recommendation_ : Recommendation
        The list ``metahpo.recommend`` hands out for these data and the family, up to ``rank``
        (as :class:`MetaLGBMClassifier`'s), with the seed in every configuration:
        ``recommendation_.configs[rank].params`` is ``params_``.
    params_ : dict
        The family's parameters: ``get_family(family_).make_estimator(params_, task)`` is the model.
    model_
        The trained model (for LightGBM an ``LGBMClassifier``, for linear a scikit-learn pipeline).
    classes_ : ndarray
    n_classes_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray
        When ``X`` was a DataFrame.
    """

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(self._frame(X))


class MetaRegressor(RegressorMixin, _MetaModel):
    """A regressor of the family that suits the data, configured zero-shot from the knowledge bases.

    Parameters and attributes are those of :class:`MetaClassifier`, without ``classes_`` and
    ``n_classes_``.
    """

    _regression = True

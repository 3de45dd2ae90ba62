"""The linear family: logistic regression and ridge regression behind a preprocessing pipeline.

The pipeline handles what LightGBM handles natively:

* numeric columns: missing values imputed by the training median, with a missing-indicator
  column for every column that had missing values; then, as a searched choice (``expansion``),
  kept as they are (``"none"``), expanded into cubic B-splines with knots at quantiles
  (``"spline"``), or mapped through their quantiles to normal scores (``"quantile"``); then
  standardized;
* categorical columns (pandas categoricals, which :func:`metahpo.load` makes of text): one-hot,
  missing values as a level of their own, at most :data:`MAX_LEVELS` columns per column, levels
  seen in fewer than :data:`MIN_LEVEL_ROWS` training rows grouped into one "infrequent" column,
  levels never seen in training (a missing value included) put in that column where there is one,
  else ignored (all zeros).

The model is scikit-learn's :class:`~sklearn.linear_model.LogisticRegression` (binary, or
multinomial for more classes) or :class:`~sklearn.linear_model.Ridge`. The searched
regularization strength ``alpha`` is Ridge's ``alpha`` and ``1 / C`` for logistic regression, so
that both minimize ``sum of losses + alpha * penalty``. Classification also searches the L1 ratio
(0 is L2 with the fast lbfgs solver, above 0 is the elastic net with saga) and class weighting.

The parameters metahpo hands out rebuild the evaluated model with
``get_family("linear").make_estimator(params, task)``, a scikit-learn
:class:`~sklearn.pipeline.Pipeline`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from metahpo.exceptions import ConfigError
from metahpo.families.base import FitTimeout, ModelFamily
from metahpo.progress import plural
from metahpo.spaces import Config, Param, SearchSpace
from metahpo.threads import single_threaded

MAX_LEVELS = 20
"""One-hot columns per categorical column at most (the rarest levels share the last one)."""

MIN_LEVEL_ROWS = 5
"""Training rows a level needs for a one-hot column of its own."""

SPLINE_KNOTS = 5
"""Knots of the ``"spline"`` expansion (cubic B-splines: ``SPLINE_KNOTS + 2`` columns per column)."""

QUANTILES = 100
"""Quantiles the ``"quantile"`` expansion interpolates between."""

_ALPHA = Param("alpha", 1e-4, 1e4, log=True, valid_low=1e-12, valid_high=1e12)
_EXPANSION = Param("expansion", choices=("none", "spline", "quantile"))

VERSION = "linear-3"
"""The family's space version: ``linear-1`` solved every classification to ``tol=1e-6``; ``linear-3``
stops binary fits at ``tol=1e-3`` (docs/results/rules_2026-12-06.md)."""

CONVERGED_TOL = 1e-6
"""The tolerance the hypergradient's fits are solved to: the formula is exact at the minimizer only."""

CLASSIFICATION = SearchSpace(
    family="linear",
    version=VERSION,
    params=(
        _ALPHA,
        Param("l1_ratio", choices=(0.0, 0.5, 1.0)),
        _EXPANSION,
        Param("class_weight", choices=("none", "balanced")),
    ),
    fixed={"tol": CONVERGED_TOL, "max_iter": 1000},
    default={"alpha": 1.0, "l1_ratio": 0.0, "expansion": "none", "class_weight": "none"},
    max_rounds=None,
)
"""Multinomial logistic regression's space (the family's full space): ``alpha`` is ``1 / C``."""

BINARY = dataclasses.replace(CLASSIFICATION, fixed={"tol": 1e-3, "max_iter": 1000})
"""Binary logistic regression's space: :data:`CLASSIFICATION`'s, solved to ``tol=1e-3``, where the
saga solver's elastic-net fits stop after a fraction of their passes with the same scores (on the
binary datasets of the linear knowledge base, each one's best ROC AUC within 0.002 on 101 of 103,
mean -0.00003, in 39% of the time); multiclass log loss moved more, so multiclass keeps ``1e-6``."""

REGRESSION = SearchSpace(
    family="linear",
    version=VERSION,
    params=(_ALPHA, _EXPANSION),
    fixed={},
    default={"alpha": 1.0, "expansion": "none"},
    max_rounds=None,
)
"""Ridge regression's space: an L2 penalty alone, no classes to weight."""


class LinearFamily(ModelFamily):
    """Logistic regression (classification) and ridge regression behind a preprocessing pipeline.

    The hypergradient (:meth:`hypergradient`) is with respect to ``log(alpha)``: exact for ridge
    (:func:`~metahpo.families.linear_gradient.ridge_hypergradient`), by implicit
    differentiation of the optimality condition for logistic regression
    (:func:`~metahpo.families.linear_gradient.logistic_hypergradient`).
    """

    name = "linear"
    sample_weight_arg = "model__sample_weight"  # the pipeline routes weights to its last step
    space = CLASSIFICATION
    gradient_params = ("alpha",)

    def space_for(self, task: str) -> SearchSpace:
        return {"regression": REGRESSION, "binary": BINARY}.get(task, CLASSIFICATION)

    def make_estimator(self, params: dict[str, Any], task: str, *, n_jobs: int = 1) -> Any:
        """The :class:`~sklearn.pipeline.Pipeline` (``"features"``, then ``"model"``) that
        ``params`` describe; ``n_jobs`` is unused (the solvers run in one thread)."""
        from sklearn.linear_model import LogisticRegression, Ridge
        from sklearn.pipeline import Pipeline

        space = self.space_for(task)
        if not isinstance(params, dict):
            raise ConfigError(f"the linear family's parameters must be a dict, got {type(params).__name__}")
        unknown = set(params) - set(space.names) - set(space.fixed) - {"random_state"}
        if unknown:
            raise ConfigError(f"{plural(len(unknown), 'unknown linear parameter')} ({', '.join(sorted(unknown))}) for "
                              f"{task}; expected "
                              f"{', '.join([*space.names, *space.fixed, 'random_state'])}")
        config = space.validate({k: v for k, v in params.items() if k in space.names})
        solver_settings = {k: params.get(k, v) for k, v in space.fixed.items()}  # the space's, unless given
        seed = 0 if params.get("random_state") is None else int(params["random_state"])
        if task == "regression":
            model = Ridge(alpha=config["alpha"], solver="cholesky")
        else:
            l1_ratio = config["l1_ratio"]
            model = LogisticRegression(
                C=1.0 / config["alpha"], l1_ratio=l1_ratio, solver="lbfgs" if l1_ratio == 0 else "saga",
                class_weight=None if config["class_weight"] == "none" else config["class_weight"],
                random_state=seed, **solver_settings)
        return Pipeline([("features", make_preprocessor(config["expansion"], seed)), ("model", model)])

    def fit(self, model: Any, X_train: Any, y_train: np.ndarray, X_valid: Any, y_valid: np.ndarray, *,
            config: Config, deadline: float, early_stopping_rounds: int | None = None) -> None:
        if early_stopping_rounds is not None:
            raise ConfigError("the linear family does not stop early; early_stopping_rounds is for boosted families")
        from sklearn.base import is_classifier
        from sklearn.dummy import DummyClassifier

        if is_classifier(model) and len(np.unique(y_train)) == 1:  # a rare class, the folds unstratified:
            model.set_params(model=DummyClassifier(strategy="prior"))  # certain of the one, as LightGBM's model is
        with self.training():
            model.fit(X_train, y_train)
        if time.perf_counter() > deadline:
            raise FitTimeout

    @contextlib.contextmanager
    def training(self) -> Iterator[None]:
        """One native thread and a capped solver's and few quantiles' warnings ignored (process-wide,
        :func:`~metahpo.threads.single_threaded`), and scikit-learn's metadata routing off: a user
        who turned it on would have the pipeline refuse :attr:`sample_weight_arg`."""
        from sklearn import config_context

        with single_threaded(*_quiet()), config_context(enable_metadata_routing=False):  # scikit-learn's: per thread
            yield

    def hypergradient(self, model: Any, X_train: Any, y_train: np.ndarray, X_valid: Any, y_valid: np.ndarray, *,
                      config: Config, n_classes: int) -> tuple[float, dict[str, float]]:
        """The fold's validation loss (log loss; for regression, the mean squared error over the
        training part's target variance, so that a descent's tolerance does not depend on the
        target's scale) and its derivative with respect to ``log(alpha)``, the other parameters held
        where they are."""
        with single_threaded(*_quiet()):
            return self._hypergradient(model, X_train, y_train, X_valid, y_valid, n_classes)

    def _hypergradient(self, model: Any, X_train: Any, y_train: np.ndarray, X_valid: Any, y_valid: np.ndarray,
                       n_classes: int) -> tuple[float, dict[str, float]]:
        from metahpo.families.linear_gradient import logistic_hypergradient, ridge_hypergradient

        features, fitted = model[:-1], model[-1]  # the settings are read off the fitted model
        if len(fitted.classes_ if n_classes else ()) == 1:  # certain of its one class: alpha plays no part
            from metahpo.families.linear_gradient import EPS

            return float(np.mean(np.where(y_valid == fitted.classes_[0], 0.0, -np.log(EPS)))), {"alpha": 0.0}
        Z, Z_valid = features.transform(X_train), features.transform(X_valid)
        if n_classes == 0:
            loss, grad = ridge_hypergradient(Z, y_train, Z_valid, y_valid, fitted.alpha)
            scale = float(np.var(y_train)) or 1.0
            return loss / scale, {"alpha": grad / scale}
        if fitted.tol > CONVERGED_TOL:  # the formula holds at the minimizer; binary fits stop short of it
            from sklearn.base import clone

            fitted = clone(fitted).set_params(tol=CONVERGED_TOL).fit(Z, y_train)  # a capped solver: quiet
        classes = fitted.classes_  # the codes this fold's training part holds
        weights = None
        if fitted.class_weight is not None:
            from sklearn.utils.class_weight import compute_class_weight

            weights = compute_class_weight(fitted.class_weight, classes=classes, y=y_train)[
                np.searchsorted(classes, y_train)]
        codes = np.searchsorted(classes, y_valid)
        known = np.isin(y_valid, classes)
        loss, grad = logistic_hypergradient(
            Z, np.searchsorted(classes, y_train), Z_valid, np.where(known, codes, -1), fitted.coef_,
            fitted.intercept_, alpha=1.0 / fitted.C, l1_ratio=fitted.l1_ratio, sample_weight=weights)
        return loss, {"alpha": grad}


def _quiet() -> tuple[tuple[type[Warning], str], ...]:
    """The warnings training ignores: a capped solver's (its model is the one evaluated, and the one
    handed out) and small data's few quantiles'."""
    from sklearn.exceptions import ConvergenceWarning

    return (ConvergenceWarning, ""), (UserWarning, "n_quantiles")


def make_preprocessor(expansion: str, random_state: int = 0) -> Any:
    """The pipeline's ``"features"`` step: a :class:`~sklearn.compose.ColumnTransformer` of
    numeric columns (an infinite value taken as missing, as LightGBM's trees can place it but a
    linear model cannot; imputed, expanded as ``expansion`` says, standardized), missing
    indicators, and one-hot categorical columns, giving a dense array."""
    from sklearn.compose import ColumnTransformer, make_column_selector
    from sklearn.impute import MissingIndicator, SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import (FunctionTransformer, OneHotEncoder, QuantileTransformer, SplineTransformer,
                                       StandardScaler)

    expansions = {
        "none": [],
        "spline": [SplineTransformer(n_knots=SPLINE_KNOTS, degree=3, knots="quantile", extrapolation="linear")],
        "quantile": [QuantileTransformer(n_quantiles=QUANTILES, output_distribution="normal",
                                         random_state=random_state)],
    }
    if expansion not in expansions:
        raise ConfigError(f"unknown expansion {expansion!r}; choose one of {', '.join(expansions)}")
    finite = FunctionTransformer(_infinite_as_missing, feature_names_out="one-to-one")
    numeric = make_column_selector(dtype_exclude="category")
    categorical = make_column_selector(dtype_include="category")
    return ColumnTransformer(
        [
            # a column without a value (in a fold) stays, as zeros: no warning from the imputer, none at predict
            ("numeric", make_pipeline(finite, SimpleImputer(strategy="median", keep_empty_features=True),
                                      *expansions[expansion], StandardScaler()), numeric),
            ("missing", make_pipeline(finite, MissingIndicator(features="missing-only", error_on_new=False)), numeric),
            ("categorical", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=MIN_LEVEL_ROWS,
                                          max_categories=MAX_LEVELS, sparse_output=False), categorical),
        ],
        sparse_threshold=0.0,
    )


def _infinite_as_missing(X: Any) -> np.ndarray:
    """Numeric columns as floats, an infinite value as NaN."""
    values = np.asarray(X, dtype=float)
    return np.where(np.isinf(values), np.nan, values)


FAMILY = LinearFamily()

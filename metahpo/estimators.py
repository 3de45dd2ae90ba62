"""Zero-shot drop-in estimators: LightGBM configured by the knowledge base at ``fit`` time.

``MetaLGBMClassifier().fit(X, y)`` extracts the meta-features of ``(X, y)``, asks the knowledge
base for the best configuration, and trains LightGBM with it, like FLAML's ``flaml.default``
estimators. They are ordinary scikit-learn estimators: ``get_params``, ``set_params``, ``clone``,
pipelines and ``cross_val_score`` work.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.utils import Tags
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, column_or_1d, validate_data

from metahpo.datasets import from_arrays
from metahpo.evaluation import make_estimator
from metahpo.exceptions import ConfigError
from metahpo.knowledge_base import KnowledgeBase
from metahpo.recommendations import Recommendation, recommend


class _MetaLGBM(BaseEstimator):
    """Shared machinery of the zero-shot estimators."""

    _regression: bool = False

    def __init__(
        self,
        knowledge_base: KnowledgeBase | str | None = None,
        strategy: str = "auto",
        metric: str | None = None,
        rank: int = 0,
        random_state: int = 0,
        n_jobs: int = 1,
    ) -> None:
        self.knowledge_base = knowledge_base
        self.strategy = strategy
        self.metric = metric
        self.rank = rank
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __sklearn_tags__(self) -> Tags:
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # LightGBM handles missing values itself
        return tags

    def fit(self, X: Any, y: Any) -> _MetaLGBM:
        """Recommend a configuration for ``(X, y)`` and train LightGBM with it."""
        if not isinstance(self.rank, (int, np.integer)) or self.rank < 0:
            raise ConfigError(f"rank must be a non-negative integer, got {self.rank!r}")
        X, y = self._validate(X, y, reset=True)
        if self._regression:
            task = "regression"
        else:
            check_classification_targets(y)
            task = "binary" if len(np.unique(y)) <= 2 else "multiclass"
        dataset = from_arrays(X, y, task=task, name=type(self).__name__)
        self.recommendation_: Recommendation = recommend(
            dataset, n=self.rank + 1, knowledge_base=self.knowledge_base, strategy=self.strategy,
            metric=self.metric, random_state=self.random_state,
        )
        self.params_: dict[str, Any] = self.recommendation_.configs[min(self.rank, len(self.recommendation_) - 1)].params
        self.columns_ = list(dataset.X.columns)
        self.categorical_ = list(dataset.categorical)
        self.model_ = make_estimator(self.params_, task, random_state=self.random_state, n_jobs=self.n_jobs)
        self.model_.fit(dataset.X, y)
        return self

    def _validate(self, X: Any, y: Any = None, reset: bool = False) -> tuple[Any, Any]:
        """scikit-learn's input checks; a DataFrame keeps its columns (and categorical dtypes)."""
        with_y = {} if y is None and not reset else {"y": y}
        if isinstance(X, pd.DataFrame):
            validate_data(self, X, reset=reset, skip_check_array=True, **with_y)
            check_array(X, dtype=None, ensure_all_finite=False, ensure_min_samples=2 if reset else 1)
            return X, (column_or_1d(y, warn=True) if reset else None)
        checks = dict(accept_sparse=False, ensure_all_finite="allow-nan", reset=reset)
        if reset:
            return validate_data(self, X, ensure_min_samples=2, y_numeric=self._regression, **with_y, **checks)
        return validate_data(self, X, **checks), None

    def _frame(self, X: Any) -> pd.DataFrame:
        check_is_fitted(self, "model_")
        X, _ = self._validate(X)
        frame = X.copy() if isinstance(X, pd.DataFrame) else pd.DataFrame(X)
        frame.columns = self.columns_
        for col in frame.columns:
            frame[col] = frame[col].astype("category") if col in self.categorical_ else pd.to_numeric(frame[col])
        return frame

    def predict(self, X: Any) -> np.ndarray:
        """Predict with the trained LightGBM model."""
        frame = self._frame(X)
        return self.model_.predict(frame)


class MetaLGBMClassifier(ClassifierMixin, _MetaLGBM):
    """LightGBM classifier configured zero-shot from the knowledge base.

    Parameters
    ----------
    knowledge_base : KnowledgeBase or path, optional
        Default: the shipped knowledge base.
    strategy : str
        Recommendation strategy (see :func:`metahpo.recommend`).
    metric : str, optional
        The metric recommendations optimize; default by task.
    rank : int
        Which recommendation to train (0 = the top one).
    random_state : int
    n_jobs : int
        LightGBM threads.

    Attributes
    ----------
    recommendation_ : Recommendation
    params_ : dict
        The LightGBM parameters trained with.
    model_ : lightgbm.LGBMClassifier
    classes_ : ndarray
    """

    def fit(self, X: Any, y: Any) -> MetaLGBMClassifier:
        super().fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        frame = self._frame(X)
        return self.model_.predict_proba(frame)


class MetaLGBMRegressor(RegressorMixin, _MetaLGBM):
    """LightGBM regressor configured zero-shot from the knowledge base.

    Parameters and attributes are those of :class:`MetaLGBMClassifier`, without ``classes_``.
    """

    _regression = True

"""The model-family interface: a search space, an estimator factory, and how a fold is fitted."""

from __future__ import annotations

import contextlib
import time
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from metahpo.datasets import TASKS
from metahpo.exceptions import ConfigError
from metahpo.spaces import Config, SearchSpace


class FitTimeout(Exception):
    """Raised by :meth:`ModelFamily.fit` when the evaluation's deadline has passed."""


class ModelFamily(ABC):
    """A model family: its search space, its estimator factory and its fixed settings.

    The parameters metahpo hands out for a family are ``space.estimator_params(config)`` (the
    configuration, the space's fixed settings and the seed); :meth:`make_estimator` turns them
    into the very estimator metahpo evaluated.

    Attributes
    ----------
    name : str
        The family's name, as :func:`metahpo.families.get_family` knows it.
    space : SearchSpace
        The family's full search space (what a knowledge base of the family holds).
    stops_early : bool
        Whether :meth:`fit` picks the number of iterations on the validation part.
    gradient_params : tuple of str
        The parameters :meth:`hypergradient` differentiates with respect to (their logs); empty
        when the family has no hypergradient.
    sample_weight_arg : str
        The keyword under which the estimator's ``fit`` takes per-row weights.
    """

    name: ClassVar[str]
    space: ClassVar[SearchSpace]
    stops_early: ClassVar[bool] = False
    gradient_params: ClassVar[tuple[str, ...]] = ()
    sample_weight_arg: ClassVar[str] = "sample_weight"

    def space_for(self, task: str) -> SearchSpace:
        """The space searched for ``task`` (``"binary"``, ``"multiclass"``, ``"regression"``);
        :attr:`space` unless some parameters apply to some tasks only."""
        return self.space

    def validate(self, config: Config) -> Config:
        """``config`` if it is a configuration of the space of some task (a knowledge base of
        the family holds every task's), else the :class:`~metahpo.exceptions.ConfigError` of
        :attr:`space`."""
        for task in TASKS:
            if self.space_for(task).contains(config):
                return config
        return self.space.validate(config)

    @abstractmethod
    def make_estimator(self, params: dict[str, Any], task: str, *, n_jobs: int = 1) -> Any:
        """The unfitted scikit-learn estimator that ``params`` (as
        :meth:`SearchSpace.estimator_params <metahpo.spaces.SearchSpace.estimator_params>`
        returns them) describe for ``task``."""

    def training(self) -> contextlib.AbstractContextManager[None]:
        """The context every model of the family trains in, a fold's or a final one: nothing by
        default; a family may limit threads or silence warnings its evaluations expect."""
        return contextlib.nullcontext()

    def fit(self, model: Any, X_train: Any, y_train: np.ndarray, X_valid: Any, y_valid: np.ndarray, *,
            config: Config, deadline: float, early_stopping_rounds: int | None = None) -> None:
        """Fit ``model`` on one fold's training part (class codes for classification).

        A family that stops early (:attr:`stops_early`) watches the validation part; this
        default fits on the training part alone. Raises :class:`FitTimeout` once
        ``time.perf_counter()`` passes ``deadline``.
        """
        model.fit(X_train, y_train)
        if time.perf_counter() > deadline:
            raise FitTimeout

    def hypergradient(self, model: Any, X_train: Any, y_train: np.ndarray, X_valid: Any, y_valid: np.ndarray, *,
                      config: Config, n_classes: int) -> tuple[float, dict[str, float]]:
        """The fitted model's validation loss and its derivatives with respect to the log of each
        of :attr:`gradient_params`."""
        raise ConfigError(f"the {self.name} family has no hypergradient (its gradient_params are empty)")

    def __repr__(self) -> str:
        return f"<model family {self.name!r}>"

"""Gradient-based search: quasi-Newton descent of the cross-validated loss along its hypergradient.

A family with a hypergradient (``gradient_params``, e.g. the linear family's ``alpha``) gives, with
``evaluate(..., hypergradient=True)``, each trial's validation loss summed over the same folds as
every other strategy and its derivative with respect to the log of each such parameter; the study
keeps them as ``trial.user_attrs["loss"]`` and ``trial.user_attrs["gradient"]``.
:class:`GradientSampler` follows them.
"""

from __future__ import annotations

import logging
import math
from typing import TYPE_CHECKING

import numpy as np

from metahpo.evaluation import check_number
from metahpo.exceptions import ConfigError
from metahpo.search.base import BaseSampler, Proposal, RandomState
from metahpo.spaces import Config, SearchSpace

if TYPE_CHECKING:
    from metahpo.search.study import Study, Trial

logger = logging.getLogger(__name__)

ARMIJO = 1e-4
"""A step is accepted when the loss falls by at least this share of the decrease its gradient promised."""

GRADIENT_TOLERANCE = 1e-4
"""Converged when no derivative of the loss with respect to a log-parameter exceeds this (a change of
the loss under 1e-4 per e-fold change of the parameter)."""

STEP_TOLERANCE = 1e-3
"""Converged when a step moves no parameter by more than this share of its encoded range."""

FIRST_STEP = math.log(10)
"""The first step's length, in log units of the parameter: one decade."""

MAX_BACKTRACKS = 10
"""Halvings of a step that did not decrease the loss enough before the search gives up."""

RESTEP = 0.99
"""A step that lands on a trial the study holds without a gradient (a resumed or prior one, whose loss
is unknown) is shortened by this factor: the point just short of it is evaluated instead."""


class GradientSampler(BaseSampler):
    """Quasi-Newton descent of the validation loss along the hypergradient (source ``"gradient"``).

    The descent starts from the trial with the lowest loss among those that carry a gradient (the
    warm start's: a recommendation, or the family's default), or first proposes ``start`` (the
    space's default unless given) when the study has none. It moves the differentiable parameters
    only, in the unit cube of :meth:`SearchSpace.encode`; every other parameter (for the linear
    family: the expansion, the L1 ratio and the class weighting) stays at the start's value.

    Each step goes along ``-B g``, with ``g`` the gradient and ``B`` the BFGS approximation of the
    inverse Hessian (before any curvature is known, the step moves one decade, :data:`FIRST_STEP`;
    then L-BFGS's initial scaling; in one dimension this is L-BFGS's secant step), projected onto
    the cube's box and shortened to ``max_step``. A step is kept when the loss falls enough (Armijo's condition),
    else halved; one that lands on an ok trial without a gradient (a resumed or prior one, whose loss is
    unknown) goes to the point just short of it (:data:`RESTEP`). Once the projected gradient or the step is
    negligible (:data:`GRADIENT_TOLERANCE`, :data:`STEP_TOLERANCE`) the sampler proposes nothing more and
    the study stops. Trials are evaluated one at a time: each step needs the last one's gradient.

    Parameters
    ----------
    start : dict, optional
        The configuration to start from when no trial carries a gradient.
    max_step : float
        The longest step, as a share of each parameter's encoded range.
    random_state : int, numpy.random.Generator or None
        Unused (the descent is deterministic); accepted as every sampler's.
    """

    def __init__(self, start: Config | None = None, max_step: float = 0.25, random_state: RandomState = None) -> None:
        if start is not None and not isinstance(start, dict):
            raise ConfigError(f"start must be a configuration (a dict) or None, got {type(start).__name__}")
        self.start = None if start is None else dict(start)
        self.max_step = check_number(max_step, "max_step", 0, 1, above=True)
        super().__init__(random_state)

    def _reset(self) -> None:
        self._base: Config | None = None  # the start's configuration: what the descent does not move
        self._names: list[str] = []  # the differentiable parameters
        self._widths = np.empty(0)  # their encoded ranges in log units: d/du = width * d/dlog
        self._x = self._g = self._inverse_hessian = np.empty(0)
        self._updates = 0  # curvature pairs taken into the inverse Hessian
        self._f = math.inf
        self._pending: tuple[Proposal, np.ndarray] | None = None  # the proposed point and its cube position
        self._shrink, self._backtracks, self._done = 1.0, 0, False

    @property
    def converged(self) -> bool:
        """Whether the descent has ended (a negligible gradient or step, or no acceptable step)."""
        return self._done

    def ask(self, study: Study, space: SearchSpace, n: int = 1) -> list[Proposal]:
        if self._base is None:
            anchor = _lowest_loss(study)
            if anchor is None:
                start = space.validate(dict(self.start if self.start is not None else space.default))
                tried = study.get(start)
                if tried is None:
                    return [Proposal(start, "gradient")]
                if tried.ok:  # the objective gives no hypergradient: a descent cannot begin
                    raise ConfigError("no trial carries a loss and hypergradient; the gradient search needs an "
                                      "objective evaluate(..., hypergradient=True) of a family that has one "
                                      "(e.g. 'linear')")
                logger.warning("the gradient search's start failed (%s); no descent", tried.error or tried.status)
                self._done = True
                return []
            self._begin(anchor, space)
        while not self._done:
            if self._pending is not None:
                trial = study.get(self._pending[0].config)
                if trial is None:  # proposed, not evaluated yet
                    return [self._pending[0]]
                self._tell(trial)
            if self._done:
                break
            self._pending = self._step(space)
            if self._pending is None:
                break
            held = study.get(self._pending[0].config)
            if held is None:
                return [self._pending[0]]
            if held.ok and "gradient" not in held.user_attrs:  # no loss to judge the step by: evaluate next to it
                self._pending, self._shrink = None, self._shrink * RESTEP
        return []

    def _begin(self, anchor: Trial, space: SearchSpace) -> None:
        params = {p.name: p for p in space.params}
        self._names = [name for name in anchor.user_attrs["gradient"] if name in params]
        for name in self._names:
            if not params[name].log:
                raise ConfigError(f"the gradient search moves log-scaled parameters; {name} is not one")
        self._widths = np.array([math.log(params[n].high) - math.log(params[n].low) for n in self._names])
        self._base = dict(anchor.config)
        self._x = np.array([params[name].encode(anchor.config[name]) for name in self._names])
        self._f, self._g = self._loss_and_gradient(anchor)
        self._inverse_hessian = self._scaled_identity()

    def _scaled_identity(self) -> np.ndarray:
        """The inverse Hessian before any curvature is known: the gradient's step is :data:`FIRST_STEP` long."""
        step = FIRST_STEP / self._widths  # in cube coordinates
        return np.diag(step) / max(float(np.abs(self._g).max()), 1e-12)

    def _loss_and_gradient(self, trial: Trial) -> tuple[float, np.ndarray]:
        """The trial's loss and its gradient in cube coordinates (``inf`` for a trial without them)."""
        if not trial.ok or "gradient" not in trial.user_attrs:
            return math.inf, np.zeros(len(self._names))
        gradient = np.array([trial.user_attrs["gradient"][n] for n in self._names])
        return float(trial.user_attrs["loss"]), gradient * self._widths

    def _step(self, space: SearchSpace) -> tuple[Proposal, np.ndarray] | None:
        """The next point along the quasi-Newton direction, or None once converged."""
        free = ~(((self._x <= 0.0) & (self._g > 0)) | ((self._x >= 1.0) & (self._g < 0)))  # not pushed out of the box
        if not free.any() or np.abs(self._g[free] / self._widths[free]).max() < GRADIENT_TOLERANCE:
            self._done = True
            return None
        direction = -self._inverse_hessian @ self._g
        if direction @ self._g >= 0:  # not a descent direction: forget the curvature
            self._inverse_hessian, self._updates = self._scaled_identity(), 0
            direction = -self._inverse_hessian @ self._g
        direction = np.where(free, direction, 0.0)
        direction *= min(1.0, self.max_step / np.abs(direction).max()) * self._shrink
        x = np.clip(self._x + direction, 0.0, 1.0)
        if np.abs(x - self._x).max() < STEP_TOLERANCE:
            self._done = True
            return None
        params = {p.name: p for p in space.params}
        config = {**self._base, **{n: params[n].decode(u) for n, u in zip(self._names, x)}}
        return Proposal(space.validate(config), "gradient"), x

    def _tell(self, trial: Trial) -> None:
        """Accept the pending point (and update the curvature) or halve the step."""
        _, x = self._pending
        self._pending = None
        f, g = self._loss_and_gradient(trial)
        if f <= self._f + ARMIJO * self._g @ (x - self._x):
            s, y = x - self._x, g - self._g
            if s @ y > 1e-12:  # positive curvature: a BFGS update (Nocedal & Wright, eq. 6.17)
                if self._updates == 0:  # L-BFGS's initial scaling (eq. 6.20)
                    self._inverse_hessian = np.eye(len(s)) * (s @ y) / (y @ y)
                rho, eye = 1.0 / (s @ y), np.eye(len(s))
                self._inverse_hessian = ((eye - rho * np.outer(s, y)) @ self._inverse_hessian
                                         @ (eye - rho * np.outer(y, s)) + rho * np.outer(s, s))
                self._updates += 1
            self._x, self._f, self._g = x, f, g
            self._shrink, self._backtracks = 1.0, 0
        else:
            self._shrink /= 2
            self._backtracks += 1
            self._done = self._backtracks > MAX_BACKTRACKS


def _lowest_loss(study: Study) -> Trial | None:
    """The ok trial with the lowest loss among those carrying a gradient (the earliest among ties)."""
    with_gradient = [t for t in study.trials if t.ok and "gradient" in t.user_attrs]
    return min(with_gradient, key=lambda t: t.user_attrs["loss"]) if with_gradient else None

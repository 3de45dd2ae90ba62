"""Bayesian optimization: a Gaussian process on the unit cube, expected improvement in a trust region.

The surrogate is scikit-learn's :class:`~sklearn.gaussian_process.GaussianProcessRegressor` with a
Matern 5/2 kernel with one length scale per parameter (ARD) plus white noise, on the encodings of
the study's scored trials (complete, or pruned with their estimated score). Optionally it starts
from a prior mean, the knowledge base's learned surrogate: the GP then models what the prior gets
wrong. Expected improvement is maximized over random candidates in a trust region around the
incumbent (TuRBO, Eriksson et al. 2019), plus a few global candidates so that the search never stops
exploring. With ``cost_exponent > 0`` it is divided by the predicted cost of a candidate (a second
GP on the log seconds the completed trials took), expected improvement per second (Snoek et al.
2012).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import minimize
from scipy.special import ndtr
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Kernel, Matern, WhiteKernel

from metahpo.evaluation import check_number, check_whole
from metahpo.exceptions import ConfigError
from metahpo.search.base import BaseSampler, Proposal, RandomState, observations, propose
from metahpo.search.random import LocalRandomSampler
from metahpo.spaces import SearchSpace
from metahpo.threads import single_threaded

if TYPE_CHECKING:
    from metahpo.search.study import Study

PriorMean = Callable[[np.ndarray], np.ndarray]

GLOBAL_SHARE = 0.1
"""Share of the candidates drawn in the whole cube rather than in the trust region."""

MAX_OPTIMIZER_ITERATIONS = 20
"""Cap on L-BFGS iterations when fitting the kernel's hyperparameters (warm-started from the last fit,
so a few steps suffice)."""

REFIT_GROWTH = 1.1
"""The kernel's hyperparameters are refitted once the points grew by this factor since the last
fit (every point while there are fewer than ten); in between, only the GP's weights are updated."""

MIN_IMPROVEMENT = 1e-3
"""A trust-region step succeeds when the best new score beats the incumbent by this relative margin."""


@dataclass
class TrustRegion:
    """TuRBO's trust region: a box around the incumbent whose side adapts to progress.

    The side starts at :attr:`INIT`, doubles after :attr:`TOLERANCE` consecutive successes (up to
    :attr:`MAX`), halves after as many consecutive failures, and restarts at :attr:`INIT` when it
    falls below :attr:`MIN`.
    """

    INIT = 0.4
    MIN = 1 / 64
    MAX = 1.0
    TOLERANCE = 3

    length: float = INIT
    successes: int = 0
    failures: int = 0

    def update(self, improved: bool) -> None:
        """Count one step (a batch of new trials) that did or did not improve on the incumbent."""
        if improved:
            self.successes, self.failures = self.successes + 1, 0
        else:
            self.successes, self.failures = 0, self.failures + 1
        if self.successes == self.TOLERANCE:
            self.length, self.successes = min(2 * self.length, self.MAX), 0
        elif self.failures == self.TOLERANCE:
            self.length, self.failures = self.length / 2, 0
            if self.length < self.MIN:
                self.length = self.INIT

    def bounds(self, center: np.ndarray, length_scales: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The box around ``center``: longer along dimensions with longer length scales, of
        volume ``length ** dim`` before clipping to the cube."""
        weights = length_scales / np.exp(np.mean(np.log(length_scales)))
        half = weights * self.length / 2
        return np.clip(center - half, 0.0, 1.0), np.clip(center + half, 0.0, 1.0)


class BayesSampler(BaseSampler):
    """Gaussian-process Bayesian optimization with a trust region (source ``"bayes"``).

    Until the study has ``n_startup`` scored trials (complete or pruned) it proposes Gaussian
    perturbations of the best configurations (:class:`LocalRandomSampler`; uniformly random before
    any scored trial). Failed trials are left out of the GP. The trust region takes a step at every
    ask that follows new trials, a success when the best new score beats the incumbent by
    :data:`MIN_IMPROVEMENT`.

    Parameters
    ----------
    n_startup : int
        Ok trials needed before the GP is used.
    prior_mean : callable, optional
        ``prior_mean(X) -> scores`` for an array of unit-cube points, e.g. the knowledge base's
        learned surrogate. The GP is fitted to ``y - b * prior_mean(X)``, with the scale ``b >= 0``
        fitted by least squares (so an unhelpful prior gets ``b = 0``), and predicts
        ``b * prior_mean(x)`` plus the GP's mean.
    n_candidates : int
        Points where expected improvement is evaluated per ask, 10 % of them global.
    cost_exponent : float
        Candidates are chosen by expected improvement divided by ``(cost / median cost) **
        cost_exponent``, the cost predicted by a GP on the log seconds of the completed trials
        (failed, pruned and prior ones carry no cost) relative to their median. 0 (default)
        ignores cost; 1 is expected improvement per second. After ``tune``'s five recommended
        trials, 1 shortened ten-trial searches by a median 6.5% (13% on real-world data),
        cross-validated scores as good but test scores lower on real-world data: not the default
        (docs/benchmarks.md, "Expected improvement per second"). ``tune(data,
        sampler=BayesSampler(cost_exponent=1))`` searches with it. The proposals then depend on
        the seconds measured, so a seeded search does not repeat exactly.
    random_state : int, numpy.random.Generator or None

    Attributes
    ----------
    trust_region : TrustRegion
        The trust region's current state.
    """

    def __init__(
        self,
        n_startup: int = 3,
        prior_mean: PriorMean | None = None,
        n_candidates: int = 1024,
        cost_exponent: float = 0.0,
        random_state: RandomState = None,
    ) -> None:
        check_whole(n_startup, "n_startup", 1, " of trials")
        check_whole(n_candidates, "n_candidates", 10, " of candidates")
        if prior_mean is not None and not callable(prior_mean):
            raise ConfigError("prior_mean must be a function of an array of unit-cube points")
        self.n_startup, self.prior_mean, self.n_candidates = int(n_startup), prior_mean, int(n_candidates)
        self.cost_exponent = check_number(cost_exponent, "cost_exponent", 0)
        super().__init__(random_state)

    def _reset(self) -> None:
        self.trust_region = TrustRegion()
        self._fallback = LocalRandomSampler(random_state=self._rng)
        self._seen: tuple[int, float] | None = None  # (trials, best score) at the last ask
        self._score_gp, self._cost_gp = _WarmGP(), _WarmGP()

    def ask(self, study: Study, space: SearchSpace, n: int = 1) -> list[Proposal]:
        self._update_trust_region(study)
        X, y = observations(study, space)
        if len(y) < self.n_startup:
            return self._fallback.ask(study, space, n)
        with single_threaded((ConvergenceWarning, "")):  # the GP's optimizer capped: its best is kept
            return self._ask_gp(study, space, X, y, n)

    def _ask_gp(self, study: Study, space: SearchSpace, X: np.ndarray, y: np.ndarray, n: int) -> list[Proposal]:
        """Maximize expected improvement (per second, with a cost exponent) over candidates in the
        trust region and a few global ones."""
        gp, scale = self._fit(X, y)
        length_scales = gp.kernel_.k1.k2.length_scale
        lower, upper = self.trust_region.bounds(X[np.argmax(y)], length_scales)
        n_global = max(1, int(GLOBAL_SHARE * self.n_candidates))
        local = lower + (upper - lower) * self._rng.random((self.n_candidates - n_global, space.dim))
        candidates = np.vstack([local, self._rng.random((n_global, space.dim))])
        mean, std = gp.predict(candidates, return_std=True)
        if scale:
            mean = mean + scale * self._prior(candidates)
        improvement = expected_improvement(mean, std, y.max())
        if self.cost_exponent:
            improvement = improvement / self._relative_cost(study, space, candidates) ** self.cost_exponent
        order = np.lexsort((-mean, -improvement))  # by expected improvement, then by mean
        return propose(study, space, candidates[order], "bayes", n)

    def _relative_cost(self, study: Study, space: SearchSpace, candidates: np.ndarray) -> np.ndarray:
        """Each candidate's predicted seconds over the completed trials' median (ones while fewer
        than two trials have a cost)."""
        timed = [t for t in study.trials if t.ok and t.fit_time > 0]
        if len(timed) < 2:
            return np.ones(len(candidates))
        X = np.array([space.encode(t.config) for t in timed], dtype=float).reshape(len(timed), space.dim)
        log_cost = np.log([t.fit_time for t in timed])
        predicted = self._cost_gp.fit(X, log_cost).predict(candidates)
        return np.exp(predicted - np.median(log_cost))

    def _update_trust_region(self, study: Study) -> None:
        """One trust-region step if trials arrived since the last ask."""
        best = study.best_score
        if self._seen is not None and len(study.trials) > self._seen[0]:
            new = [t.score for t in study.trials[self._seen[0] :] if t.ok]
            before = self._seen[1]
            threshold = before + MIN_IMPROVEMENT * abs(before) if np.isfinite(before) else -np.inf
            self.trust_region.update(bool(new) and max(new) > threshold)
        self._seen = (len(study.trials), best)

    def _fit(self, X: np.ndarray, y: np.ndarray) -> tuple[GaussianProcessRegressor, float]:
        """The GP on the residuals of the prior mean, and the prior's fitted scale."""
        scale = 0.0
        if self.prior_mean is not None:
            m = self._prior(X)
            if np.var(m) > 0:  # least squares slope of y on m, never negative
                scale = max(0.0, float(np.cov(m, y, bias=True)[0, 1] / np.var(m)))
            y = y - scale * m
        return self._score_gp.fit(X, y), scale

    def _prior(self, X: np.ndarray) -> np.ndarray:
        """The prior mean at ``X``, checked."""
        m = np.asarray(self.prior_mean(X), dtype=float).reshape(-1)
        if m.shape != (len(X),) or not np.isfinite(m).all():
            raise ConfigError(
                f"prior_mean must return one finite score per point ({len(X)}), got shape {m.shape}"
            )
        return m


class _WarmGP:
    """Fits a GP of :func:`default_kernel`, its hyperparameters warm-started from the last fit and
    refitted only once the points grew by :data:`REFIT_GROWTH` (in between, only the weights)."""

    def __init__(self) -> None:
        self.theta: np.ndarray | None = None  # the last fitted kernel hyperparameters
        self.theta_n = 0  # how many points they were fitted on

    def fit(self, X: np.ndarray, y: np.ndarray) -> GaussianProcessRegressor:
        kernel = default_kernel(X.shape[1])
        optimizer: Callable | None = _lbfgs
        if self.theta is not None and len(self.theta) == len(kernel.theta):
            kernel = kernel.clone_with_theta(self.theta)  # warm start: few optimizer iterations
            if len(X) < REFIT_GROWTH * self.theta_n:  # few new points: keep the hyperparameters
                optimizer = None
        gp = GaussianProcessRegressor(kernel, alpha=1e-8, optimizer=optimizer, normalize_y=True)
        gp.fit(X, y)  # in single_threaded: a capped optimizer is quiet
        if optimizer is not None:
            self.theta, self.theta_n = gp.kernel_.theta, len(X)
        return gp


def default_kernel(dim: int) -> Kernel:
    """Amplitude times Matern 5/2 with one length scale per dimension, plus white noise."""
    amplitude = ConstantKernel(1.0, (1e-2, 1e2))
    return amplitude * Matern(np.full(dim, 0.5), (5e-3, 2.0), nu=2.5) + WhiteKernel(1e-3, (1e-6, 1e-1))


def expected_improvement(mean: np.ndarray, std: np.ndarray, best: float) -> np.ndarray:
    """Expected improvement over ``best`` of a Gaussian prediction (maximization)."""
    std = np.maximum(std, 1e-12)
    z = (mean - best) / std
    return (mean - best) * ndtr(z) + std * np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi)


def _lbfgs(objective: Callable, theta: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, float]:
    """scikit-learn's default optimizer with a cap on iterations."""
    options = {"maxiter": MAX_OPTIMIZER_ITERATIONS}
    result = minimize(objective, theta, method="L-BFGS-B", jac=True, bounds=bounds, options=options)
    return result.x, result.fun

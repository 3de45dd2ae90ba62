"""A (mu + lambda) evolution strategy in the unit cube, with the 1/5th success rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from metahpo.evaluation import check_number, check_whole
from metahpo.search.base import BaseSampler, Proposal, RandomState, observations, propose, random_proposals
from metahpo.spaces import SearchSpace

if TYPE_CHECKING:
    from metahpo.search.study import Study

SIGMA_BOUNDS = (1e-3, 0.5)
"""The step size stays within these bounds."""

SIGMA_FACTOR = 0.85
"""The step size is multiplied by this after a generation with under 1/5 successes, divided after over 1/5."""


class EvolutionSampler(BaseSampler):
    """A (mu + lambda) evolution strategy (source ``"evolution"``).

    Every trial of the study, whoever proposed it, is in the population: the parents of a generation
    are the ``mu`` best scored trials so far (pruned ones by their estimated score). Each of the
    ``lam`` offspring takes every coordinate from one of two random parents (uniform crossover),
    adds Gaussian noise of standard deviation :attr:`step_size`, and is clipped to the cube. An
    offspring succeeds when it beats the worst parent; after each generation the step size grows if
    more than 1/5 of its evaluated offspring succeeded and shrinks if fewer did. Before any scored
    trial, a generation is uniformly random.

    Parameters
    ----------
    mu : int
        Parents per generation.
    lam : int
        Offspring per generation.
    sigma : float
        Initial step size in the unit cube.
    random_state : int, numpy.random.Generator or None

    Attributes
    ----------
    step_size : float
        The current step size.
    """

    def __init__(self, mu: int = 4, lam: int = 8, sigma: float = 0.15, random_state: RandomState = None) -> None:
        check_whole(mu, "mu", 1, " of parents")
        check_whole(lam, "lam", 1, " of offspring")
        self.mu, self.lam, self.sigma = int(mu), int(lam), check_number(sigma, "sigma", *SIGMA_BOUNDS)
        super().__init__(random_state)

    def _reset(self) -> None:
        self.step_size = self.sigma
        self._queue: list[Proposal] = []
        self._offspring: list[Proposal] = []  # the last generation
        self._threshold = -np.inf  # its worst parent's score

    def ask(self, study: Study, space: SearchSpace, n: int = 1) -> list[Proposal]:
        while len(self._queue) < n:
            self._adapt(study)
            generation = self._breed(study, space)
            if not generation:
                break
            self._queue += generation
        proposals, self._queue = self._queue[:n], self._queue[n:]
        return proposals

    def _adapt(self, study: Study) -> None:
        """The 1/5th success rule over the evaluated offspring of the last generation."""
        evaluated = [t for t in (study.get(p.config) for p in self._offspring) if t is not None]
        if not evaluated:
            return
        success_rate = np.mean([t.ok and t.score > self._threshold for t in evaluated])
        if success_rate > 0.2:
            self.step_size /= SIGMA_FACTOR
        elif success_rate < 0.2:
            self.step_size *= SIGMA_FACTOR
        self.step_size = float(np.clip(self.step_size, *SIGMA_BOUNDS))

    def _breed(self, study: Study, space: SearchSpace) -> list[Proposal]:
        X, y = observations(study, space)
        if not len(y):
            self._offspring = []  # a random start is no generation of offspring
            return random_proposals(study, space, self._rng, self.lam)
        best = np.argsort(-y, kind="stable")[: self.mu]
        parents, self._threshold = X[best], float(y[best].min())
        pairs = self._rng.integers(len(parents), size=(self.lam, 2))
        mask = self._rng.random((self.lam, space.dim)) < 0.5
        children = np.where(mask, parents[pairs[:, 0]], parents[pairs[:, 1]])
        children += self.step_size * self._rng.standard_normal(children.shape)
        self._offspring = propose(study, space, np.clip(children, 0.0, 1.0), "evolution", self.lam)
        return self._offspring

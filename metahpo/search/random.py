"""Random samplers: uniform in the whole cube, and Gaussian perturbations of the best so far."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from metahpo.evaluation import check_number, check_whole
from metahpo.search.base import (BaseSampler, Proposal, RandomState, best_points, check_configs, propose,
                                 random_proposals)
from metahpo.spaces import Config, SearchSpace

if TYPE_CHECKING:
    from metahpo.search.study import Study


class RandomSampler(BaseSampler):
    """Configurations drawn uniformly in the unit cube (log-uniform where a parameter is on a log scale).

    Parameters
    ----------
    random_state : int, numpy.random.Generator or None
    """

    def ask(self, study: Study, space: SearchSpace, n: int = 1) -> list[Proposal]:
        return random_proposals(study, space, self._rng, n)


class LocalRandomSampler(BaseSampler):
    """Gaussian perturbations, in the unit cube, of the best configurations so far (source ``"local"``).

    Each proposal perturbs one of the ``n_best`` best scored trials (pruned ones by their estimated
    score), chosen at random; before any scored trial it perturbs one of ``centers``, and without
    centers it samples uniformly.

    Parameters
    ----------
    scale : float
        Standard deviation of the perturbation in the unit cube (clipped to the cube).
    centers : sequence of dict
        Configurations to search around while the study has no ok trial, e.g. recommendations.
    n_best : int
        How many of the best trials to perturb.
    random_state : int, numpy.random.Generator or None
    """

    def __init__(
        self,
        scale: float = 0.1,
        centers: Sequence[Config] = (),
        n_best: int = 3,
        random_state: RandomState = None,
    ) -> None:
        check_whole(n_best, "n_best", 1, " of best trials")
        self.scale, self.n_best = check_number(scale, "scale", 0, above=True), int(n_best)
        self.centers = check_configs(centers, "centers")
        super().__init__(random_state)

    def ask(self, study: Study, space: SearchSpace, n: int = 1) -> list[Proposal]:
        centers = best_points(study, space, self.n_best)
        if not len(centers) and self.centers:
            centers = np.array([space.encode(c) for c in self.centers])
        if not len(centers):
            return random_proposals(study, space, self._rng, n)
        picked = centers[self._rng.integers(len(centers), size=n)]
        points = np.clip(picked + self.scale * self._rng.standard_normal(picked.shape), 0.0, 1.0)
        return propose(study, space, points, "local", n)

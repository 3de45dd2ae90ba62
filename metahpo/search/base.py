"""The sampler interface, and the few operations every sampler shares.

A sampler proposes configurations; a :class:`~metahpo.search.study.Study` evaluates them and
records the outcome. Samplers work in the unit cube of :meth:`SearchSpace.encode` and decode their
points with :func:`propose`, which also drops configurations the study already holds, so that no
sampler wastes a proposal on a duplicate.
"""

from __future__ import annotations

import weakref
from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from metahpo.evaluation import check_seed
from metahpo.exceptions import ConfigError
from metahpo.spaces import Config, SearchSpace, config_id

if TYPE_CHECKING:
    from metahpo.search.study import Study

RandomState = int | np.random.Generator | None


class Proposal(NamedTuple):
    """A configuration to evaluate, and the strategy that proposed it.

    Attributes
    ----------
    config : dict
        The configuration.
    source : str
        ``"recommended"``, ``"default"``, ``"random"``, ``"local"``, ``"bayes"``, ``"grid"``,
        ``"evolution"`` or ``"gradient"``.
    """

    config: Config
    source: str


class BaseSampler(ABC):
    """Proposes configurations from what a study has recorded so far.

    Parameters
    ----------
    random_state : int, numpy.random.Generator or None
        Seed of every random choice. A sampler with an integer seed, fresh or restarted by
        :meth:`reseed`, proposes the same configurations whenever it sees the same study (its
        state moves on as it proposes; ``tune`` restarts its copy of a sampler it is given).
        Another seed is a :class:`ConfigError`.
    """

    def __init__(self, random_state: RandomState = None) -> None:
        self.reseed(random_state)

    def reseed(self, random_state: RandomState = None) -> None:
        """Restart the sampler with a new seed, forgetting its internal state (:meth:`Study.optimize`
        forgets it by itself for a new study, and keeps the random stream going)."""
        if random_state is not None and not isinstance(random_state, np.random.Generator):
            random_state = check_seed(random_state)
        self.random_state = random_state
        self._rng = np.random.default_rng(random_state)
        self._study: weakref.ref[Study] | None = None
        self._reset()

    def _serve(self, study: Study) -> None:
        """Called by :meth:`Study.optimize`: a sampler that served another study forgets what it
        learned there (its trust region, population or descent) and goes on with its random stream."""
        served = getattr(self, "_study", None)  # a subclass need not call BaseSampler.__init__
        if served is not None and served() is not study:  # another study, alive or not
            self._reset()
        self._study = weakref.ref(study)

    def _reset(self) -> None:
        """Clear internal state; samplers that keep some override this."""

    @property
    def converged(self) -> bool:
        """Whether the sampler has finished its search (it then proposes nothing); a sampler that
        can run out of proposals by design (a converged descent) overrides this."""
        return False

    @abstractmethod
    def ask(self, study: Study, space: SearchSpace, n: int = 1) -> list[Proposal]:
        """Propose up to ``n`` configurations the study has not evaluated.

        Parameters
        ----------
        study : Study
            The trials so far.
        space : SearchSpace
            The space to propose in.
        n : int
            How many configurations (a batch evaluated in parallel).

        Returns
        -------
        list of Proposal
            Distinct configurations new to the study; fewer than ``n`` when the sampler could not
            find more (the study asks again).
        """


def check_space(space: Any) -> SearchSpace:
    """``space`` if it is a :class:`SearchSpace`, else a :class:`ConfigError`."""
    if not isinstance(space, SearchSpace):
        raise ConfigError(f"space must be a SearchSpace, got {type(space).__name__} {space!r}; e.g. "
                          f"metahpo.spaces.LIGHTGBM, or metahpo.families.get_family('linear').space_for('regression')")
    return space


def check_configs(configs: Any, name: str) -> list[Config]:
    """Copies of the configurations of ``configs``, an iterable of dicts (not one dict), else a
    :class:`ConfigError` naming ``name``."""
    listed = list(configs) if isinstance(configs, Iterable) and not isinstance(configs, dict) else None
    if listed is None or not all(isinstance(c, dict) for c in listed):
        raise ConfigError(f"{name} must be a list of configurations (dicts), got {configs!r}"[:200])
    return [dict(c) for c in listed]


def observations(study: Study, space: SearchSpace) -> tuple[np.ndarray, np.ndarray]:
    """Unit-cube encodings and scores of the study's scored trials (completed or pruned, the
    latter with their mean over the folds they completed), in trial order.

    Returns
    -------
    X : numpy.ndarray of shape (n_scored, space.dim)
    y : numpy.ndarray of shape (n_scored,)
    """
    ok = [t for t in study.trials if t.scored]
    X = np.array([space.encode(t.config) for t in ok], dtype=float).reshape(len(ok), space.dim)
    return X, np.array([t.score for t in ok], dtype=float)


def best_points(study: Study, space: SearchSpace, k: int) -> np.ndarray:
    """Encodings of the ``k`` best successful trials, best first (earlier first among ties)."""
    X, y = observations(study, space)
    return X[np.argsort(-y, kind="stable")[:k]]


def new_proposals(study: Study, configs: Iterable[Config], source: str, n: int) -> list[Proposal]:
    """The first (at most) ``n`` of ``configs`` new to the study and to each other, as proposals
    of ``source``; ``configs`` is read no further than the last one taken."""
    proposals: list[Proposal] = []
    seen: set[str] = set()
    for config in configs if n > 0 else ():
        cid = config_id(config)
        if cid not in seen and not study.has(config):
            seen.add(cid)
            proposals.append(Proposal(config, source))
            if len(proposals) == n:
                break
    return proposals


def propose(study: Study, space: SearchSpace, points: np.ndarray, source: str, n: int) -> list[Proposal]:
    """Decode ``points`` in order into at most ``n`` configurations new to the study and to each other."""
    return new_proposals(study, (space.decode(u) for u in points), source, n)


def random_proposals(study: Study, space: SearchSpace, rng: np.random.Generator, n: int) -> list[Proposal]:
    """``n`` configurations drawn uniformly in the unit cube (source ``"random"``)."""
    return propose(study, space, rng.random((n, space.dim)), "random", n)

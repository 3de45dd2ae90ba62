"""Warm start: the knowledge base's recommendations first, then another sampler."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from metahpo.exceptions import ConfigError
from metahpo.search.base import BaseSampler, Proposal, RandomState, check_configs, new_proposals
from metahpo.spaces import Config, SearchSpace

if TYPE_CHECKING:
    from metahpo.search.study import Study


class WarmStartSampler(BaseSampler):
    """Propose ``configs`` in order (source ``source``), then whatever ``then`` proposes.

    A recommendation the study already holds (e.g. as a prior result) is skipped.

    Parameters
    ----------
    configs : iterable of dict
        Configurations of the study's space to try first, best first, e.g.
        ``[space.config_of(c.params) for c in recommendation.configs]`` (a recommendation's
        ``params`` also hold its rounds, fixed settings and seed, which a configuration does not).
    then : BaseSampler
        The sampler that takes over once the recommendations are used up. Its seed is the warm
        start's (:meth:`reseed` reseeds both).
    source : str
        The source the trials of ``configs`` are recorded with: ``"recommended"`` for the
        knowledge base's recommendations, ``"default"`` for a family's defaults.
    """

    def __init__(self, configs: Iterable[Config], then: BaseSampler, source: str = "recommended") -> None:
        if not isinstance(then, BaseSampler):
            raise ConfigError(f"then must be a BaseSampler, got {type(then).__name__}")
        self.configs = check_configs(configs, "configs")
        self.then, self.source = then, source
        super().__init__(then.random_state)

    def reseed(self, random_state: RandomState = None) -> None:
        self.then.reseed(random_state)
        super().reseed(random_state)

    def _reset(self) -> None:  # for a new study: ``then`` forgets its state too, and its random stream goes on
        self._next = 0
        self.then._reset()

    @property
    def used_up(self) -> bool:
        """Whether every configuration was proposed: ``then`` proposes from here on."""
        return self._next >= len(self.configs)

    @property
    def converged(self) -> bool:
        return self.used_up and self.then.converged

    def ask(self, study: Study, space: SearchSpace, n: int = 1) -> list[Proposal]:

        def remaining() -> Iterator[Config]:
            while self._next < len(self.configs):
                config = dict(space.validate(self.configs[self._next]))  # not used up if not valid
                self._next += 1
                yield config

        proposals = new_proposals(study, remaining(), self.source, n)
        if len(proposals) < n:
            proposals += self.then.ask(study, space, n - len(proposals))
        return proposals

"""Hyperparameter search: a :class:`Study` that records every trial, and interchangeable samplers.

A sampler (:class:`BaseSampler`) proposes configurations; :meth:`Study.optimize` evaluates them,
never the same configuration twice, and records each outcome as a :class:`Trial`. The samplers:

* :class:`WarmStartSampler`: given configurations (the knowledge base's recommendations) first,
  then another sampler;
* :class:`RandomSampler`, :class:`LocalRandomSampler`: uniform, and around the best so far;
* :class:`BayesSampler`: a Gaussian process with a trust region, optionally around the knowledge
  base's learned surrogate as prior mean;
* :class:`GridSampler`: a shuffled grid;
* :class:`EvolutionSampler`: a (mu + lambda) evolution strategy;
* :class:`GradientSampler`: quasi-Newton descent along the hypergradient of the cross-validated
  loss, for families that have one.

:func:`make_sampler` builds one by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from metahpo.exceptions import ConfigError
from metahpo.search.base import BaseSampler, Proposal, RandomState
from metahpo.search.bayes import BayesSampler, PriorMean, TrustRegion
from metahpo.search.evolution import EvolutionSampler
from metahpo.search.gradient import GradientSampler
from metahpo.search.grid import GridSampler
from metahpo.search.random import LocalRandomSampler, RandomSampler
from metahpo.search.study import Study, Trial
from metahpo.search.warm_start import WarmStartSampler
from metahpo.spaces import Config, SearchSpace

_FACTORIES: dict[str, Callable[[list[Config], RandomState, PriorMean | None], BaseSampler]] = {
    "bayes": lambda configs, seed, prior: BayesSampler(prior_mean=prior, random_state=seed),
    "random": lambda configs, seed, prior: RandomSampler(random_state=seed),
    "local": lambda configs, seed, prior: LocalRandomSampler(centers=configs, random_state=seed),
    "grid": lambda configs, seed, prior: GridSampler(random_state=seed),
    "evolution": lambda configs, seed, prior: EvolutionSampler(random_state=seed),
    "gradient": lambda configs, seed, prior: GradientSampler(random_state=seed),
}

SAMPLERS = tuple(_FACTORIES)
"""The names :func:`make_sampler` knows (and None, the cold start)."""


def make_sampler(
    name: str | None,
    *,
    space: SearchSpace,
    warm_start_configs: Iterable[Config] = (),
    random_state: RandomState = None,
    prior_mean: PriorMean | None = None,
    warm_start_source: str = "recommended",
) -> BaseSampler:
    """A sampler by name, warm-started from ``warm_start_configs`` when some are given.

    Parameters
    ----------
    name : {"bayes", "random", "local", "grid", "evolution", "gradient"} or None
        The search strategy. None is the cold start: plain random search that ignores
        ``warm_start_configs`` (the baseline that knows nothing of the knowledge base).
    space : SearchSpace
        The space searched; ``warm_start_configs`` are validated against it.
    warm_start_configs : iterable of dict
        Configurations to evaluate first, in order (e.g. the knowledge base's recommendations).
        The ``"local"`` sampler also searches around them until the study has an ok trial; the
        ``"gradient"`` sampler descends from the one with the lowest loss.
    random_state : int, numpy.random.Generator or None
    prior_mean : callable, optional
        For ``"bayes"``: the knowledge base's surrogate as the GP's prior mean (see
        :class:`BayesSampler`); the other samplers ignore it.
    warm_start_source : str
        The source of the warm start's trials (``"recommended"``, or ``"default"`` for a
        family's defaults).

    Returns
    -------
    BaseSampler
    """
    if name is None:
        return RandomSampler(random_state=random_state)
    key = name.strip().lower() if isinstance(name, str) else name
    if key not in _FACTORIES:
        raise ConfigError(f"unknown sampler {name!r}; choose one of {', '.join(SAMPLERS)} (or None for a cold start)")
    configs = [space.validate(dict(c)) for c in warm_start_configs]
    sampler = _FACTORIES[key](configs, random_state, prior_mean)
    return WarmStartSampler(configs, then=sampler, source=warm_start_source) if configs else sampler


__all__ = [
    "SAMPLERS",
    "BaseSampler",
    "BayesSampler",
    "EvolutionSampler",
    "GradientSampler",
    "GridSampler",
    "LocalRandomSampler",
    "Proposal",
    "RandomSampler",
    "Study",
    "Trial",
    "TrustRegion",
    "WarmStartSampler",
    "make_sampler",
]

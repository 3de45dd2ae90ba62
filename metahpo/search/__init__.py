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

:func:`make_sampler` builds one by name (or copies one given).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable

from metahpo.exceptions import ConfigError
from metahpo.search.base import BaseSampler, Proposal, RandomState, check_configs, check_space
from metahpo.search.bayes import BayesSampler, PriorMean, TrustRegion
from metahpo.search.evolution import EvolutionSampler
from metahpo.search.gradient import GradientSampler
from metahpo.search.grid import GridSampler
from metahpo.search.random import LocalRandomSampler, RandomSampler
from metahpo.search.study import Study, Trial
from metahpo.search.warm_start import WarmStartSampler
from metahpo.spaces import Config, SearchSpace

_CLASSES: dict[str, type[BaseSampler]] = {
    "bayes": BayesSampler, "random": RandomSampler, "local": LocalRandomSampler, "grid": GridSampler,
    "evolution": EvolutionSampler, "gradient": GradientSampler,
}

SAMPLERS = tuple(_CLASSES)
"""The names :func:`make_sampler` knows (and None, the cold start)."""


def check_sampler(sampler: str | BaseSampler | None) -> str | None:
    """The name of a sampler: one of :data:`SAMPLERS` (case and spaces aside), the name of a
    sampler instance's class (``"bayes"`` for a :class:`BayesSampler`, ...; ``"custom"`` for
    another :class:`BaseSampler`), or None for the cold start.

    Raises
    ------
    ConfigError
        For anything else.
    """
    if sampler is None:
        return None
    if isinstance(sampler, BaseSampler):
        return next((name for name, cls in _CLASSES.items() if isinstance(sampler, cls)), "custom")
    key = sampler.strip().lower() if isinstance(sampler, str) else None
    if key not in _CLASSES:
        raise ConfigError(f"unknown sampler {sampler!r}; choose one of {', '.join(SAMPLERS)}, a sampler "
                          "(a metahpo.search.BaseSampler), or None for a cold start")
    return key


def make_sampler(
    name: str | BaseSampler | None,
    *,
    space: SearchSpace,
    warm_start_configs: Iterable[Config] = (),
    random_state: RandomState = None,
    prior_mean: PriorMean | None = None,
    warm_start_source: str = "recommended",
) -> BaseSampler:
    """A sampler by name (or a copy of one given), warm-started from ``warm_start_configs`` when some
    are given.

    Parameters
    ----------
    name : {"bayes", "random", "local", "grid", "evolution", "gradient"}, BaseSampler or None
        The sampler. None is the cold start: plain random search that ignores
        ``warm_start_configs`` (the baseline that knows nothing of the knowledge base). A sampler
        instance is copied, so that the caller's object is never advanced (it must support
        :func:`copy.deepcopy`); the copy keeps the instance's seed, or takes ``random_state`` if it
        has none.
    space : SearchSpace
        The space searched; ``warm_start_configs`` are validated against it.
    warm_start_configs : iterable of dict
        Configurations to evaluate first, in order (e.g. the knowledge base's recommendations).
        The ``"local"`` sampler also searches around them until the study has an ok trial; the
        ``"gradient"`` sampler descends from the one with the lowest loss.
    random_state : int, numpy.random.Generator or None
        The seed of a sampler made by name, or of a copy of an instance without one.
    prior_mean : callable, optional
        For ``"bayes"``, or a :class:`BayesSampler` given without one: the knowledge base's
        surrogate as the GP's prior mean (see :class:`BayesSampler`); other samplers ignore it.
    warm_start_source : str
        The source of the warm start's trials (``"recommended"``, or ``"default"`` for a
        family's defaults).

    Returns
    -------
    BaseSampler

    Raises
    ------
    ConfigError
        For an unknown name, a sampler instance that cannot be copied, or another argument of the wrong kind.
    """
    check_space(space)
    key = check_sampler(name)
    if key is None:
        return RandomSampler(random_state=random_state)
    configs = [space.validate(c) for c in check_configs(warm_start_configs, "warm_start_configs")]
    if isinstance(name, BaseSampler):
        try:
            sampler = copy.deepcopy(name)
        except Exception as exc:
            raise ConfigError(f"the sampler {type(name).__name__} cannot be copied ({type(exc).__name__}: {exc}); "
                              f"tune searches with a copy of a sampler given (one per family), so it must "
                              f"support copy.deepcopy") from exc
        # a fresh start from its own seed, however far the user's went; from random_state if it has none
        seed = getattr(sampler, "random_state", None)  # a subclass need not call BaseSampler.__init__
        sampler.reseed(random_state if seed is None else seed)
        if isinstance(sampler, BayesSampler) and sampler.prior_mean is None:
            sampler.prior_mean = prior_mean
    elif key == "bayes":
        sampler = BayesSampler(prior_mean=prior_mean, random_state=random_state)
    elif key == "local":
        sampler = LocalRandomSampler(centers=configs, random_state=random_state)
    else:
        sampler = _CLASSES[key](random_state=random_state)
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
    "check_sampler",
    "make_sampler",
]

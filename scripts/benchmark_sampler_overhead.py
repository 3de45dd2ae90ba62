"""The optimizer's own overhead per trial: time in ``sampler.ask`` with a growing study.

Target (issue: tune): under 50 ms per trial at 100 trials. The objective is a cheap synthetic
function of the unit-cube encoding, so only the sampler's work is timed; the median over the
trials 91-100 of five seeds is reported, with LightGBM's search space (8 dimensions). ``bayes+kb``
is the sampler as ``tune`` runs it: its prior mean is the shipped knowledge base's learned
surrogate for scikit-learn's breast cancer data.

Usage::

    python scripts/benchmark_sampler_overhead.py
"""

import time

import numpy as np

from metahpo.evaluation import Evaluation
from metahpo.search import BayesSampler, EvolutionSampler, LocalRandomSampler, RandomSampler, Study
from metahpo.spaces import LIGHTGBM

TARGET = np.linspace(0.2, 0.8, LIGHTGBM.dim)


def objective(config):
    value = -float(np.sum((LIGHTGBM.encode(config) - TARGET) ** 2))
    return Evaluation(config=config, metric="m", scores={"m": value})


def ask_times(sampler_factory, n_trials=100, seed=0):
    study, sampler, times = Study(LIGHTGBM), sampler_factory(seed), []
    for _ in range(n_trials):
        start = time.perf_counter()
        proposal = sampler.ask(study, LIGHTGBM, 1)[0]
        times.append(time.perf_counter() - start)
        study.add_prior([proposal.config], [objective(proposal.config).score])
    return np.array(times)


def kb_prior_mean():
    """The shipped knowledge base's surrogate as a prior mean, for the breast cancer data."""
    from metahpo import load, metafeatures
    from metahpo.knowledge_base import load_shipped
    from metahpo.recommendations import get_recommender

    dataset = load("sklearn:breast_cancer")
    return get_recommender(load_shipped(), dataset.task, "surrogate").prior_mean(metafeatures.extract(dataset))


def main():
    prior_mean = kb_prior_mean()
    samplers = {
        "bayes": lambda s: BayesSampler(random_state=s),
        "bayes+kb": lambda s: BayesSampler(prior_mean=prior_mean, random_state=s),
        "random": lambda s: RandomSampler(random_state=s),
        "local": lambda s: LocalRandomSampler(random_state=s),
        "evolution": lambda s: EvolutionSampler(random_state=s),
    }
    for name, factory in samplers.items():
        late = np.concatenate([ask_times(factory, seed=seed)[90:] for seed in range(5)])
        print(f"{name:>10}: median ask at trials 91-100: {np.median(late) * 1000:.1f} ms "
              f"(p90 {np.percentile(late, 90) * 1000:.1f} ms; target 50 ms)")


if __name__ == "__main__":
    main()

"""Compare two knowledge bases' pools on the datasets both hold, from their stored CV scores alone.

A pool configuration is scored on the datasets it did not come from (its producers, every version
of them, are masked out, as a leave-dataset-out benchmark would drop them). For each dataset and
each pool, summaries over its members are taken: the best, the mean of the best five, the median
and the lower quartile. The second knowledge base is compared with the first per dataset on each:
wins / ties / losses (ties within ``--tol``) and the median and mean difference, in the task's
first metric. Runs nothing: it reads the two folders.

Usage::

    python scripts/compare_pools.py knowledge_base docs/results/knowledge_base_v4
"""

from __future__ import annotations

import argparse

import pandas as pd

from metahpo.knowledge_base import KnowledgeBase, base_id

SUMMARIES = {
    "best": lambda scores: scores.max(axis=1),
    "mean of the best five": lambda scores: scores.apply(lambda row: row.nlargest(5).mean(), axis=1),
    "median": lambda scores: scores.median(axis=1),
    "lower quartile": lambda scores: scores.quantile(0.25, axis=1),
}


def pool_scores(kb: KnowledgeBase) -> pd.DataFrame:
    """Datasets x pool configurations: each one's CV score, masked on the datasets it came from."""
    pool, producers = kb.pool_ids(), kb.producers()
    scores = kb.matrix().reindex(columns=pool)  # a member without an ok run scores nowhere
    produced = {c: {base_id(d) for d in producers[c]} for c in pool}
    own = pd.DataFrame({c: [base_id(d) in produced[c] for d in scores.index] for c in pool}, index=scores.index)
    return scores.mask(own)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("first")
    parser.add_argument("second")
    parser.add_argument("--tol", type=float, default=1e-4, help="differences within this are ties")
    args = parser.parse_args()
    first, second = (pool_scores(KnowledgeBase.load(path)) for path in (args.first, args.second))
    shared = first.index.intersection(second.index)
    print(f"{args.second} against {args.first}: {len(shared)} datasets, pools of {first.shape[1]} and "
          f"{second.shape[1]}, each member scored on the datasets it did not come from")
    for name, summary in SUMMARIES.items():
        diff = (summary(second.loc[shared]) - summary(first.loc[shared])).dropna()
        print(f"  {name:22s} W / T / L {(diff > args.tol).sum()} / {(diff.abs() <= args.tol).sum()} / "
              f"{(diff < -args.tol).sum()}, median {diff.median():+.4f}, mean {diff.mean():+.4f}")


if __name__ == "__main__":
    main()

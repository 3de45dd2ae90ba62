"""Two knowledge bases of the same runs compared run by run (after ``metahpo kb build --reevaluate``).

Per task, in its primary metric: how many runs of both were "ok" in one and not the other, the
summed ``total_time`` of each, the per-run score difference (candidate minus reference), and
each dataset's best score difference (its best run in each), with the share within ``--tol``.

Usage::

    python scripts/compare_knowledge_bases.py knowledge_base/linear docs/results/knowledge_base_linear2
"""

from __future__ import annotations

import argparse

import pandas as pd

from metahpo.evaluation import default_metric
from metahpo.knowledge_base import KnowledgeBase


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reference")
    parser.add_argument("candidate")
    parser.add_argument("--tol", type=float, default=0.002, help="differences within this count as within")
    args = parser.parse_args()
    ref, cand = KnowledgeBase.load(args.reference), KnowledgeBase.load(args.candidate)
    tasks = ref.datasets.set_index("dataset_id")["task"]
    pairs = ["dataset_id", "config_id"]
    both = ref.runs.merge(cand.runs, on=pairs, suffixes=("_ref", "_cand")).set_index(pairs)
    print(f"{args.reference} ({ref.space_version}) against {args.candidate} ({cand.space_version}): "
          f"{len(both)} runs in both")
    for task, runs in both.groupby(both.index.get_level_values("dataset_id").map(tasks)):
        score = f"score_{default_metric(task)}"
        ok_ref, ok_cand = runs["status_ref"] == "ok", runs["status_cand"] == "ok"
        hours = [pd.to_numeric(runs[f"total_time_{s}"], errors="coerce").sum() / 3600 for s in ("ref", "cand")]
        diff = (runs[f"{score}_cand"] - runs[f"{score}_ref"])[ok_ref & ok_cand]
        best = (runs[f"{score}_cand"].where(ok_cand).groupby(level=0).max()
                - runs[f"{score}_ref"].where(ok_ref).groupby(level=0).max()).dropna()
        print(f"{task} ({score[6:]}): {len(runs)} runs; ok only in the reference {(ok_ref & ~ok_cand).sum()}, only in "
              f"the candidate {(~ok_ref & ok_cand).sum()}; {hours[0]:.2f} against {hours[1]:.2f} CPU-hours")
        print(f"  per run: median {diff.median():+.2e}, within {args.tol:g} {(diff.abs() <= args.tol).mean():.1%}, "
              f"within 1e-9 {(diff.abs() <= 1e-9).mean():.1%}, largest |difference| {diff.abs().max():.2g}")
        print(f"  per dataset's best: {len(best)} datasets, at least -{args.tol:g} on {(best >= -args.tol).sum()} "
              f"({(best >= -args.tol).mean():.1%}), mean {best.mean():+.5f}, lowest {best.min():+.4f}")


if __name__ == "__main__":
    main()

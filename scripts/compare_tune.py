"""Compare warm-started searches at one budget, in the folders of ``benchmark_tune.py``: each method
against a reference, on the cross-validated score the searches maximize and on the test score.

For every folder (a set of datasets) and every method: wins / ties / losses against the reference
on CV score and on test score (ties within ``--tol``), and the mean difference of normalized test
scores (the benchmark's normalization: 0 = LightGBM's defaults, 1 = the best compared method); then the same pooled over
the folders. A method or the reference may name replicate runs joined by ``+`` (the same search with other seeds, say):
its score on a dataset is their mean, on the datasets where all of them ran. ``--task`` keeps one task's datasets.

Usage::

    python scripts/compare_tune.py --reference metahpo --methods metahpo_local,metahpo_evolution \\
        --budget 10 docs/results/tune_strategy/pmlb_dev docs/results/tune_strategy/realworld_dev
    python scripts/compare_tune.py --reference metahpo+metahpo_s1 --methods metahpo_mf+metahpo_mf_s1 \\
        docs/results/metafeature_seeds/merged/*
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark_tune import score_tables  # noqa: E402


def replicates(table: pd.DataFrame, name: str, suffix: str = "") -> pd.Series:
    """Per dataset, the mean of the ``+``-joined runs ``name`` (each a column ``run + suffix``); NaN
    where one of them is missing."""
    return table[[run + suffix for run in name.split("+")]].mean(axis=1, skipna=False)


def compare(runs: pd.DataFrame, reference: str, methods: list[str], budget: int, tol: float) -> pd.DataFrame:
    """One row per method: CV and test W / T / L against ``reference`` and the normalized difference."""
    scored = runs[runs["budget"] == budget]
    cv = scored.pivot_table(index="dataset_id", columns="method", values="cv_score")
    _, norm, _, _ = score_tables(runs)
    test = scored.pivot_table(index="dataset_id", columns="method", values="test_score")
    at = f"@{budget}"
    rows = []
    for m in methods:
        d_cv = (replicates(cv, m) - replicates(cv, reference)).dropna()
        both = d_cv.index
        d_test = replicates(test, m).loc[both] - replicates(test, reference).loc[both]
        d_norm = replicates(norm, m, at).loc[both] - replicates(norm, reference, at).loc[both]
        rows.append({"method": m, "datasets": len(both),
                     "cv_w": int((d_cv > tol).sum()), "cv_t": int((d_cv.abs() <= tol).sum()),
                     "cv_l": int((d_cv < -tol).sum()),
                     "test_w": int((d_test > tol).sum()), "test_t": int((d_test.abs() <= tol).sum()),
                     "test_l": int((d_test < -tol).sum()),
                     "norm_diff_sum": float(d_norm.sum())})
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+")
    parser.add_argument("--reference", default="metahpo")
    parser.add_argument("--methods", required=True, help="comma-separated")
    parser.add_argument("--budget", type=int, default=10)
    parser.add_argument("--tol", type=float, default=1e-4, help="differences within this are ties")
    parser.add_argument("--task", choices=("binary", "multiclass", "regression"),
                        help="only the datasets of this task")
    args = parser.parse_args()
    methods = [m.strip() for m in args.methods.split(",")]
    tables = []
    for folder in args.folders:
        runs = pd.read_csv(Path(folder) / "tune_runs.csv")
        if args.task:
            runs = runs[runs["task"] == args.task]
            if runs.empty:
                continue
        table = compare(runs, args.reference, methods, args.budget, args.tol).assign(set=Path(folder).name)
        tables.append(table)
    every = pd.concat(tables)
    pooled = every.groupby("method", sort=False).sum(numeric_only=True).reset_index().assign(set="pooled")
    every = pd.concat([every, pooled])
    every["norm_diff_mean"] = every["norm_diff_sum"] / every["datasets"]
    print(f"against {args.reference}@{args.budget}: CV and test wins / ties / losses (ties within {args.tol:g}), "
          "mean normalized test difference")
    for r in every.itertuples():
        print(f"{r.set:>16} {r.method:<20} n={r.datasets:<3} CV {r.cv_w} / {r.cv_t} / {r.cv_l}   "
              f"test {r.test_w} / {r.test_t} / {r.test_l}   normalized {r.norm_diff_mean:+.3f}")


if __name__ == "__main__":
    main()

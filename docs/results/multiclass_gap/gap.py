"""Diagnostic (Session 46, no decision): where tune@10 (main as shipped: the mean of its two
surrogate seeds) trails TPE@30 over the 123 dev datasets, from the merged folders of the rule of
18:47 (docs/results/copula/merged, ``merge.py`` there). Per task: the mean normalized test
difference (0 = LightGBM's defaults, 1 = the best method), the same without the task's two
largest losses and without its two largest wins, CV and test wins / ties / losses (ties within
1e-4), and the Spearman correlation over datasets of the CV and test differences. Then, from the
trials' CV scores that each row of tune keeps (both seeds), how the five Bayesian trials after
the five recommendations fare: the share that beat the best score so far, and their median
distance below it in units of the recommendations' spread. Run from the repository's root::

    python docs/results/multiclass_gap/gap.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT / "scripts"), str(ROOT / "docs/results/copula")]
from benchmark_tune import mean_with_interval  # noqa: E402
from by_task import table  # noqa: E402

TIE = 1e-4
WARM = 5


def wtl(diff: pd.Series) -> str:
    return f"{(diff > TIE).sum()} / {(diff.abs() <= TIE).sum()} / {(diff < -TIE).sum()}"


def bayes_trials(folder: Path) -> pd.DataFrame:
    """One row per Bayesian trial of each tune row at 10 trials (both seeds): its task, whether it
    beat the best score before it, and its distance to that best over the recommendations' spread."""
    runs = pd.read_csv(folder / "tune_runs.csv")
    tuned = runs[runs["method"].isin(["metahpo", "metahpo_s1"]) & (runs["budget"] == 10)]
    rows = []
    for _, run in tuned.iterrows():
        scores = pd.to_numeric(pd.Series(str(run["trial_scores"]).split()), errors="coerce").to_numpy()
        best, spread = np.nanmax(scores[:WARM]), np.nanmax(scores[:WARM]) - np.nanmin(scores[:WARM])
        for score in scores[WARM:]:
            rows.append({"task": run["task"], "improved": score > best + TIE * abs(best),
                         "below": (best - score) / spread if spread > 0 else np.nan})
            best = np.nanmax([best, score])
    return pd.DataFrame(rows)


def main() -> None:
    scores = table()
    for task, group in [("all", scores), *scores.groupby("task")]:
        diff = group["old"] - group["tpe30"]
        worst, best = diff.nsmallest(2).index, diff.nlargest(2).index
        cv, test = group["cv_old"] - group["cv_tpe30"], group["test_old"] - group["test_tpe30"]
        print(f"{task} ({len(group)}): tune@10 - TPE@30 normalized {mean_with_interval(diff)}; without its two "
              f"largest losses ({', '.join(worst)}) {diff.drop(worst).mean():+.3f}, without its two largest wins "
              f"{diff.drop(best).mean():+.3f}; CV {wtl(cv)}, test {wtl(test)}; "
              f"Spearman CV-test {cv.corr(test, method='spearman'):.2f}")
    trials = pd.concat([bayes_trials(folder) for folder in sorted((ROOT / "docs/results/copula/merged").iterdir())])
    for task, group in trials.groupby("task"):
        print(f"{task}: {len(group)} Bayesian trials; {group['improved'].mean():.0%} beat the best before them; "
              f"median {group['below'].median():.3f} of the recommendations' spread below it; "
              f"{(group['below'] > 1).mean():.1%} more than the whole spread below")


if __name__ == "__main__":
    main()

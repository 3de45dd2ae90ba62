"""By task, the rule of 18:47's figures (Session 45): over the merged folders (merge.py), the mean
normalized test score of tune's NEW run (``metahpo_copula``) minus OLD's seed mean (``metahpo`` and
``metahpo_s1``), and each side minus TPE@30, with 95% bootstrap intervals (datasets resampled).

Usage, from the repository's root::

    python docs/results/copula/by_task.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "scripts"))
from benchmark_tune import mean_with_interval, score_tables  # noqa: E402


def table() -> pd.DataFrame:
    """Per dataset: its set, task and the normalized test scores this report compares."""
    frames = []
    for folder in sorted((HERE / "merged").iterdir()):
        runs = pd.read_csv(folder / "tune_runs.csv")
        _, norm, _, _ = score_tables(runs)
        tasks = runs.groupby("dataset_id")["task"].first()
        frames.append(pd.DataFrame({"set": folder.name, "task": tasks,
                                    "old": norm[["metahpo@10", "metahpo_s1@10"]].mean(axis=1, skipna=False),
                                    "new": norm["metahpo_copula@10"], "tpe30": norm["optuna_tpe@30"]}))
    return pd.concat(frames)


def main() -> None:
    scores = table()
    for task, group in [("all", scores), *scores.groupby("task")]:
        print(f"{task} ({len(group)}): NEW - OLD {mean_with_interval(group['new'] - group['old'])}; "
              f"OLD - TPE@30 {mean_with_interval(group['old'] - group['tpe30'])}; "
              f"NEW - TPE@30 {mean_with_interval(group['new'] - group['tpe30'])}")


if __name__ == "__main__":
    main()

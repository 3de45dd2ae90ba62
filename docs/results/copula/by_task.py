"""By task, the rule of 18:47's figures (Session 45): over the merged folders (merge.py), the mean
normalized test score of tune's NEW run (``metahpo_copula``) minus OLD's seed mean (``metahpo`` and
``metahpo_s1``), and each side minus TPE@30, with 95% bootstrap intervals (datasets resampled); then,
on multiclass data, whether a lead on CV carries to test: the Spearman correlation over datasets of
the CV and test differences, NEW minus OLD and TPE@30 minus OLD.

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


ENTRIES = {"old": ["metahpo@10", "metahpo_s1@10"], "new": ["metahpo_copula@10"], "tpe30": ["optuna_tpe@30"]}
"""Each side's entries (method@budget), averaged."""


def table() -> pd.DataFrame:
    """Per dataset: its set, task, each side's normalized test score, and its raw CV and test scores
    (columns ``cv_SIDE``, ``test_SIDE``)."""
    frames = []
    for folder in sorted((HERE / "merged").iterdir()):
        runs = pd.read_csv(folder / "tune_runs.csv")
        wide, norm, _, _ = score_tables(runs)
        runs = runs.assign(entry=runs["method"] + "@" + runs["budget"].astype(str))
        cv = runs.pivot_table(index="dataset_id", columns="entry", values="cv_score")
        frame = pd.DataFrame({"set": folder.name, "task": runs.groupby("dataset_id")["task"].first()})
        for side, entries in ENTRIES.items():
            frame[side] = norm[entries].mean(axis=1, skipna=False)
            frame[f"cv_{side}"] = cv[entries].mean(axis=1, skipna=False)
            frame[f"test_{side}"] = wide[entries].mean(axis=1, skipna=False)
        frames.append(frame)
    return pd.concat(frames)


def main() -> None:
    scores = table()
    for task, group in [("all", scores), *scores.groupby("task")]:
        print(f"{task} ({len(group)}): NEW - OLD {mean_with_interval(group['new'] - group['old'])}; "
              f"OLD - TPE@30 {mean_with_interval(group['old'] - group['tpe30'])}; "
              f"NEW - TPE@30 {mean_with_interval(group['new'] - group['tpe30'])}")
    multiclass = scores[scores["task"] == "multiclass"]
    for side in ("new", "tpe30"):
        lead = multiclass[f"cv_{side}"] - multiclass["cv_old"]
        gain = multiclass[f"test_{side}"] - multiclass["test_old"]
        print(f"multiclass, {side} - old: median CV lead {lead.median():+.4f} (|lead| {lead.abs().median():.4f}), "
              f"Spearman of CV lead and test gain {lead.corr(gain, method='spearman'):.2f}")


if __name__ == "__main__":
    main()

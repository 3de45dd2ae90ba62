"""Merge the two runs of a rule of 7 December 2026 (docs/results/rules_2026-12-07.md) on LightGBM's
defaults in tune's warm start: ``RUNS/old/SET`` (metahpo as it was) and ``RUNS/new/SET`` (with the
candidate, its rows renamed NAME) into ``RUNS/merged/SET``, the rivals' rows as copied from the
earlier folder once, on the earlier folder's datasets (the reserve's run drew a 15th, which no rival
ran on).

Checks the rules' controls first. LightGBM's defaults score the same (within 1e-9) in the old run,
the new one and the earlier folder, on every dataset, else it exits 1 naming the datasets. With
``--first N`` (the rules of 08:00, N = 5, and of 10:23, N = 3, whose rows keep their trials),
metahpo's first N trials' CV scores must be the same in both runs: a dataset where they differ is
left out and named with its trials, and more than three such datasets make the run void (exit 1).

Usage, from the repository's root::

    python docs/results/tune_defaults/merge.py              # the rule of 05:30: RUNS = this folder
    python scripts/compare_tune.py --reference metahpo --methods metahpo_defaults docs/results/tune_defaults/merged/*
    python docs/results/tune_defaults/merge.py --runs docs/results/tune_defaults/rerun --name metahpo_defaults6 \\
        --first 5                                          # the rule of 08:00
    python docs/results/tune_defaults/merge.py --runs docs/results/tune_warm3 --name metahpo_warm3 \
        --first 3                                          # the rule of 10:23 (Session 42)
    python docs/results/tune_defaults/merge.py --runs docs/results/metafeature_fixes/seed1 --name metahpo_seed1 \
        --first 5 --sets pmlb_dev,realworld_dev,fresh,reserve    # the diagnostic of 14:31 (Session 43)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
EARLIER = {"pmlb_dev": "tune_auto/pmlb_dev", "realworld_dev": "tune_auto/realworld_dev", "fresh": "tune_unseen/fresh",
           "reserve": "tune_unseen/reserve", "reserve2": "tune_unseen/reserve2", "reserve3": "tune_reserve3",
           "reserve4": "tune_reserve4"}
"""Each dev set's earlier folder (under docs/results), whose rivals' rows both runs started from."""
MAX_DIFFERING = 3
"""Datasets whose first trials may differ between the runs (left out) before the run is void."""


def merged(runs: Path, name: str, renamed: str, first: int) -> tuple[pd.DataFrame, list[str]]:
    """The set's merged rows, and the datasets left out because their first ``first`` trials differ."""
    old = pd.read_csv(runs / "old" / name / "tune_runs.csv")
    new = pd.read_csv(runs / "new" / name / "tune_runs.csv")
    earlier = pd.read_csv(HERE.parent / EARLIER[name] / "tune_runs.csv")
    kept = set(earlier["dataset_id"])  # the rule's datasets: those the copied rivals ran on
    old, new = old[old["dataset_id"].isin(kept)], new[new["dataset_id"].isin(kept)]
    defaults = {label: frame[frame["method"] == "lightgbm_default"].set_index("dataset_id")["test_score"]
                for label, frame in (("old", old), ("new", new), ("earlier", earlier))}
    table = pd.DataFrame(defaults)
    broken = table.index[~((table.sub(table["earlier"], axis=0).abs() <= 1e-9).all(axis=1))]
    if len(broken):
        sys.exit(f"{name}: LightGBM's defaults scored otherwise in {', '.join(broken)}: the run is void")
    differing = []
    if first:
        trials = {label: frame[(frame["method"] == "metahpo") & (frame["budget"] == 10)].set_index("dataset_id")
                  ["trial_scores"].str.split().str[:first] for label, frame in (("old", old), ("new", new))}
        for dataset in trials["old"].index.intersection(trials["new"].index):
            if trials["old"][dataset] != trials["new"][dataset]:
                differing.append(dataset)
                print(f"{name}: {dataset}'s first {first} trials differ, left out\n  old {trials['old'][dataset]}\n"
                      f"  new {trials['new'][dataset]}")
    ours = new[new["method"].str.startswith("metahpo")].assign(
        method=lambda frame: frame["method"].str.replace("metahpo", renamed, n=1, regex=False))
    rows = pd.concat([old, ours], ignore_index=True)
    return rows[~rows["dataset_id"].isin(differing)], differing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=Path, default=HERE, help="the folder holding old/ and new/")
    parser.add_argument("--name", default="metahpo_defaults", help="the new run's metahpo rows renamed so")
    parser.add_argument("--first", type=int, default=0, help="check that the first N trials are the same")
    parser.add_argument("--sets", default=",".join(EARLIER), help="the sets to merge, comma-separated (all)")
    args = parser.parse_args()
    left_out = []
    for name in args.sets.split(","):
        out = args.runs / "merged" / name
        out.mkdir(parents=True, exist_ok=True)
        rows, differing = merged(args.runs, name, args.name, args.first)
        left_out += differing
        rows.to_csv(out / "tune_runs.csv", index=False)
        print(f"{name}: {rows['dataset_id'].nunique()} datasets, control holds")
    if len(left_out) > MAX_DIFFERING:
        sys.exit(f"the first {args.first} trials differ on {len(left_out)} datasets, more than {MAX_DIFFERING}: "
                 "the run is void")
    print(f"left out, their first trials differing: {', '.join(left_out) or 'none'}")


if __name__ == "__main__":
    main()

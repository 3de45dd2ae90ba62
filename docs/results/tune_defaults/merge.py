"""Merge the two runs of the rule of 7 December 2026, 05:30 UTC (docs/results/rules_2026-12-07.md):
``old/SET`` (metahpo without LightGBM's defaults among tune's warm start) and ``new/SET`` (with them,
renamed ``metahpo_defaults``) into ``merged/SET``, the rivals' rows as copied from the earlier folder
once, on the earlier folder's datasets (the reserve's run drew a 15th, which no rival ran on). Checks the rule's control first: LightGBM's defaults score the same (within 1e-9) in the old
run, the new one and the earlier folder, on every dataset; exits 1 naming the datasets where not.

Usage, from the repository's root::

    python docs/results/tune_defaults/merge.py
    python scripts/compare_tune.py --reference metahpo --methods metahpo_defaults docs/results/tune_defaults/merged/*
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
EARLIER = {"pmlb_dev": "tune_auto/pmlb_dev", "realworld_dev": "tune_auto/realworld_dev", "fresh": "tune_unseen/fresh",
           "reserve": "tune_unseen/reserve", "reserve2": "tune_unseen/reserve2", "reserve3": "tune_reserve3",
           "reserve4": "tune_reserve4"}
"""Each dev set's earlier folder (under docs/results), whose rivals' rows both runs started from."""


def merged(name: str) -> pd.DataFrame:
    old = pd.read_csv(HERE / "old" / name / "tune_runs.csv")
    new = pd.read_csv(HERE / "new" / name / "tune_runs.csv")
    earlier = pd.read_csv(HERE.parent / EARLIER[name] / "tune_runs.csv")
    kept = set(earlier["dataset_id"])  # the rule's datasets: those the copied rivals ran on
    old, new = old[old["dataset_id"].isin(kept)], new[new["dataset_id"].isin(kept)]
    defaults = {label: runs[runs["method"] == "lightgbm_default"].set_index("dataset_id")["test_score"]
                for label, runs in (("old", old), ("new", new), ("earlier", earlier))}
    table = pd.DataFrame(defaults)
    broken = table.index[~((table.sub(table["earlier"], axis=0).abs() <= 1e-9).all(axis=1))]
    if len(broken):
        sys.exit(f"{name}: LightGBM's defaults scored otherwise in {', '.join(broken)}: the run is void")
    ours = new[new["method"].str.startswith("metahpo")].assign(
        method=lambda frame: frame["method"].str.replace("metahpo", "metahpo_defaults", n=1, regex=False))
    return pd.concat([old, ours], ignore_index=True)


def main() -> None:
    for name in EARLIER:
        out = HERE / "merged" / name
        out.mkdir(parents=True, exist_ok=True)
        runs = merged(name)
        runs.to_csv(out / "tune_runs.csv", index=False)
        print(f"{name}: {runs['dataset_id'].nunique()} datasets, control holds")


if __name__ == "__main__":
    main()

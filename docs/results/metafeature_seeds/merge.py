"""Merge the four runs of the rule of 15:30 (Session 44, docs/results/rules_2026-12-07.md): tune as
on main (OLD) and with the meta-feature fixes (NEW, cand-mf2), each with the knowledge base's
surrogate fitted with seed 0 and with seed 1, into ``merged/SET`` beside the rivals' rows, metahpo's
rows named ``metahpo``, ``metahpo_s1``, ``metahpo_mf`` and ``metahpo_mf_s1``.

Checks the rule's controls first: LightGBM's defaults score the same (within 1e-9) in every run and
in the earlier folder, else the set is void (exit 1); each side's first five trials (the
recommendations, which do not use the surrogate) are the same under both seeds, and a dataset where
they differ is left out and named; more than three in a set make it void.

Usage, from the repository's root::

    python docs/results/metafeature_seeds/merge.py
    python scripts/compare_tune.py --reference metahpo+metahpo_s1 --methods metahpo_mf+metahpo_mf_s1 \\
        docs/results/metafeature_seeds/merged/*
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parent
_spec = importlib.util.spec_from_file_location("tune_defaults_merge", RESULTS / "tune_defaults" / "merge.py")
_earlier = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_earlier)
EARLIER = _earlier.EARLIER
RUNS = {"metahpo": "tune_warm3/old", "metahpo_s1": "metafeature_seeds/old_s1",
        "metahpo_mf": "metafeature_fixes/tune/new", "metahpo_mf_s1": "metafeature_seeds/new_s1"}
"""Each run's folder under docs/results, by the name its metahpo rows take."""
SEEDS = (("metahpo", "metahpo_s1"), ("metahpo_mf", "metahpo_mf_s1"))
"""The runs of one side: seed 0, seed 1."""
FIRST, MAX_DIFFERING = 5, 3


def first_trials(run: pd.DataFrame) -> pd.Series:
    """Per dataset, the CV scores of metahpo's first ``FIRST`` trials."""
    ten = run[(run["method"] == "metahpo") & (run["budget"] == 10)].set_index("dataset_id")
    return ten["trial_scores"].str.split().str[:FIRST]


def merge_set(name: str, folders: dict[str, str] = RUNS,
              pairs: tuple[tuple[str, str], ...] = SEEDS) -> pd.DataFrame:
    """The set's merged rows, its controls checked (``SystemExit`` if the set is void): ``folders``
    maps each run's name to its folder under docs/results (the first run's rivals are kept), and
    each of ``pairs`` names two runs whose first trials must agree."""
    earlier = pd.read_csv(RESULTS / EARLIER[name] / "tune_runs.csv")
    kept = set(earlier["dataset_id"])  # the rule's datasets: those the copied rivals ran on
    runs = {}
    for label, folder in folders.items():
        frame = pd.read_csv(RESULTS / folder / name / "tune_runs.csv")
        runs[label] = frame[frame["dataset_id"].isin(kept)]
    defaults = pd.DataFrame({label: frame[frame["method"] == "lightgbm_default"].set_index("dataset_id")["test_score"]
                             for label, frame in {**runs, "earlier": earlier}.items()})
    broken = defaults.index[~(defaults.sub(defaults["earlier"], axis=0).abs() <= 1e-9).all(axis=1)]
    if len(broken):
        sys.exit(f"{name}: LightGBM's defaults scored otherwise in {', '.join(broken)}: the set is void")
    differing = set()
    for seed0, seed1 in pairs:
        a, b = first_trials(runs[seed0]), first_trials(runs[seed1])
        for dataset in a.index.intersection(b.index):
            if a[dataset] != b[dataset]:
                differing.add(dataset)
                print(f"{name}: {dataset}'s first {FIRST} trials differ between {seed0} and {seed1}, left out")
    if len(differing) > MAX_DIFFERING:
        sys.exit(f"{name}: the first {FIRST} trials differ on {len(differing)} datasets: the set is void")
    ours = [frame[frame["method"].str.startswith("metahpo")].assign(
                method=lambda frame, label=label: frame["method"].str.replace("metahpo", label, n=1, regex=False))
            for label, frame in runs.items()]
    first = runs[next(iter(folders))]
    rivals = first[~first["method"].str.startswith("metahpo")]
    rows = pd.concat([rivals, *ours], ignore_index=True)
    return rows[~rows["dataset_id"].isin(differing)]


def main(folders: dict[str, str] = RUNS, pairs: tuple[tuple[str, str], ...] = SEEDS,
         out: Path = HERE / "merged") -> None:
    """Write each set's merged rows to ``out/SET/tune_runs.csv`` (see :func:`merge_set`)."""
    for name in EARLIER:
        rows = merge_set(name, folders, pairs)
        (out / name).mkdir(parents=True, exist_ok=True)
        rows.to_csv(out / name / "tune_runs.csv", index=False)
        print(f"{name}: {rows['dataset_id'].nunique()} datasets, controls hold")


if __name__ == "__main__":
    main()

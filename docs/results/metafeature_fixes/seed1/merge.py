"""Merge the diagnostic of 14:31 (docs/results/rules_2026-12-07.md): for each of its four dev sets, the rows of
docs/results/tune_warm3/old/SET (tune as shipped) with the diagnostic's metahpo rows (the surrogate's seed 1) renamed
metahpo_seed1, into merged/SET, after its controls (LightGBM's defaults and the first five trials the same).
Run from the repository's root: ``python docs/results/metafeature_fixes/seed1/merge.py``.
"""
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE.parents[1]
EARLIER = {"pmlb_dev": "tune_auto/pmlb_dev", "realworld_dev": "tune_auto/realworld_dev", "fresh": "tune_unseen/fresh",
           "reserve": "tune_unseen/reserve"}

for name, earlier in EARLIER.items():
    old = pd.read_csv(RESULTS / "tune_warm3" / "old" / name / "tune_runs.csv")
    new = pd.read_csv(HERE / "new" / name / "tune_runs.csv")
    kept = set(pd.read_csv(RESULTS / earlier / "tune_runs.csv")["dataset_id"])
    old, new = old[old["dataset_id"].isin(kept)], new[new["dataset_id"].isin(kept)]
    defaults = pd.DataFrame({label: frame[frame["method"] == "lightgbm_default"].set_index("dataset_id")["test_score"]
                             for label, frame in (("old", old), ("new", new))})
    if not ((defaults["old"] - defaults["new"]).abs() <= 1e-9).all():
        raise SystemExit(f"{name}: LightGBM's defaults scored otherwise: the run is void")
    first = {label: frame[(frame["method"] == "metahpo") & (frame["budget"] == 10)].set_index("dataset_id")
             ["trial_scores"].str.split().str[:5] for label, frame in (("old", old), ("new", new))}
    differ = [d for d in first["old"].index if first["old"][d] != first["new"][d]]
    print(f"{name}: {len(defaults)} datasets, defaults equal, first five trials differ on {differ or 'none'}")
    ours = new[new["method"].str.startswith("metahpo")].assign(
        method=lambda frame: frame["method"].str.replace("metahpo", "metahpo_seed1", n=1, regex=False))
    out = HERE / "merged" / name
    out.mkdir(parents=True, exist_ok=True)
    pd.concat([old, ours], ignore_index=True).to_csv(out / "tune_runs.csv", index=False)

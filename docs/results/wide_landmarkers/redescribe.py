"""Describe again the datasets of more than 250 columns in the knowledge bases named, from their
sources, at the rows each was built with, and append their new rows as a datasets part (the newest
row of a dataset wins on load); without --write, print what would change.

Since 7 December 2026 the landmarkers of such data choose their 250 columns inside each fold, from
its training part; before, they chose them on all rows, which leaked the target into the scores.
Run from the project's root (the sources' paths are relative to it), with ../shared beside it:

    python docs/results/wide_landmarkers/redescribe.py knowledge_base knowledge_base/linear --write
"""
import sys
from pathlib import Path

import pandas as pd

from metahpo import knowledge_base as kbm
from metahpo.build import _describe, find_sources
from metahpo.metafeatures import _LANDMARK_FEATURES


def redescribed(root: str) -> pd.DataFrame:
    kb = kbm.KnowledgeBase.load(root)
    wide = kb.datasets[kb.datasets["n_features"] > _LANDMARK_FEATURES]
    rows = []
    for _, old in wide.iterrows():
        folder = Path(old["source"]).parent if old["source"].endswith(".parquet") else Path(old["source"])
        source = next(s for s in find_sources([str(folder)]) if s.dataset_id == old["dataset_id"])
        row = _describe(source, kb.provenance["max_rows"])
        if int(row["n_rows"]) != int(old["n_rows"]) or row["source"] != old["source"]:
            raise SystemExit(f"{old['dataset_id']}: not the data {root} was built on")
        changed = {c: (round(old[c], 4), round(float(row[c]), 4)) for c in wide.columns
                   if c.startswith("mf_") and not pd.isna(old[c]) and abs(old[c] - float(row[c])) > 1e-9}
        print(root, old["dataset_id"], changed)
        rows.append({c: row.get(c, old[c]) for c in kb.datasets.columns})
    return pd.DataFrame(rows, columns=kb.datasets.columns)


if __name__ == "__main__":
    for root in (a for a in sys.argv[1:] if a != "--write"):
        part = kbm.KnowledgeBase.empty(kbm.read_manifest(Path(root))["family"])
        part.datasets = redescribed(root)
        if "--write" in sys.argv and len(part.datasets):
            kbm.append(root, part)

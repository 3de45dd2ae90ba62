"""Landmark meta-features recomputed by metahpo's NumPy learners against those a knowledge base holds.

The knowledge bases' landmarkers were computed with scikit-learn's estimators; ``metahpo.landmarkers``
replaces them so that describing a dataset needs no scikit-learn. This script recomputes the five
landmark meta-features of every dataset of a knowledge base, from the same data and subsample as its
build, and writes both (one row per dataset) plus a summary of their differences per meta-feature;
with ``--update`` it then stores the recomputed values in the knowledge base, as a new part of its
datasets table (the newest row of a dataset is the one loaded), so that the knowledge base and the
datasets it is asked about are described by the same code::

    python scripts/compare_landmarkers.py --kb docs/results/knowledge_base_v2 \\
        ../shared/datasets/realworld ../shared/datasets/pmlb --out docs/results/landmarkers/v2 --update
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import pandas as pd

from metahpo import knowledge_base as kbm
from metahpo import metafeatures
from metahpo.build import find_sources
from results import append_rows

NAMES = [name for name, (group, _) in metafeatures.METAFEATURES.items() if group == "landmarker"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", help="the inputs the knowledge base was built from")
    parser.add_argument("--kb", required=True)
    parser.add_argument("--max-rows", type=int, default=2000, help="the build's --max-rows")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--update", action="store_true", help="store the recomputed values in the knowledge base")
    args = parser.parse_args()
    stored = kbm.KnowledgeBase.load(args.kb).datasets.set_index("dataset_id")
    sources = {s.dataset_id: s for s in find_sources(args.inputs)}
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "landmarkers.csv"
    done = set(pd.read_csv(path)["dataset_id"]) if path.exists() else set()
    for dataset_id in stored.index.difference(sorted(done)):
        base, _, rows = dataset_id.partition(kbm.VERSION_SEP)
        source = replace(sources[base], dataset_id=dataset_id, max_rows=int(rows) if rows else None)
        dataset = source.load(args.max_rows)
        new = metafeatures.extract(dataset)
        row = {"dataset_id": dataset_id, "task": dataset.task}
        for name in NAMES:
            row[f"stored_{name}"], row[f"numpy_{name}"] = stored.at[dataset_id, f"mf_{name}"], new[name]
        append_rows(path, [row])
    table = pd.read_csv(path)
    summary = pd.DataFrame({name: (table[f"numpy_{name}"] - table[f"stored_{name}"]).abs().describe(
        percentiles=[0.5, 0.9, 0.99]) for name in NAMES}).T
    summary.to_csv(args.out / "summary.csv")
    print(summary.round(4).to_string())
    if args.update:
        kb = kbm.KnowledgeBase.load(args.kb)
        rows = kb.datasets.set_index("dataset_id")
        for name in NAMES:
            rows[f"mf_{name}"] = table.set_index("dataset_id")[f"numpy_{name}"].reindex(rows.index)
        kbm.append(args.kb, replace(kbm.KnowledgeBase.empty(kb.family), datasets=rows.reset_index()))
        kbm.compact(args.kb)
        print(f"stored the recomputed landmarkers of {len(rows)} datasets in {args.kb}")


if __name__ == "__main__":
    main()

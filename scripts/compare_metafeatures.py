"""Meta-features recomputed by the current code against those a knowledge base holds.

Recomputes the meta-features of every dataset of a knowledge base (or those of the groups named)
from the same data and subsample as its build, and writes both, one row per dataset, with a summary
of their differences per meta-feature. With ``--update`` it then stores the recomputed values of the
datasets that changed in the knowledge base, as a new part of its datasets table (the newest row of a
dataset is the one loaded), so that the knowledge base and the datasets it is asked about are
described by the same code. Rows are written as each dataset ends: a killed run resumes::

    python scripts/compare_metafeatures.py --kb knowledge_base \\
        ../shared/datasets/realworld ../shared/datasets/pmlb --out docs/results/metafeature_fixes/kb --update

The landmarkers alone (``--groups landmarker``) were compared this way when NumPy learners replaced
scikit-learn's (docs/results/landmarkers/v2, written by this script's earlier version, whose columns
were named ``numpy_`` where they are now ``new_``).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

from metahpo import knowledge_base as kbm
from metahpo import metafeatures
from metahpo.build import Source, find_sources
from results import append_rows

GROUPS = sorted({group for group, _ in metafeatures.METAFEATURES.values()})


def _recomputed(source: Source, max_rows: int, names: list[str]) -> dict:
    dataset = source.load(max_rows)
    new = metafeatures.extract(dataset)
    return {"dataset_id": source.dataset_id, "task": dataset.task, **{f"new_{name}": new[name] for name in names}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+", help="the inputs the knowledge base was built from")
    parser.add_argument("--kb", required=True)
    parser.add_argument("--max-rows", type=int, default=2000, help="the build's --max-rows")
    parser.add_argument("--groups", nargs="+", choices=GROUPS, default=GROUPS,
                        help="the groups of meta-features to compare (default: all)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--update", action="store_true", help="store the changed values in the knowledge base")
    args = parser.parse_args()
    names = [name for name, (group, _) in metafeatures.METAFEATURES.items() if group in args.groups]
    stored = kbm.KnowledgeBase.load(args.kb).datasets.set_index("dataset_id")
    sources = {s.dataset_id: s for s in find_sources(args.inputs)}
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "metafeatures.csv"
    done = set(pd.read_csv(path)["dataset_id"]) if path.exists() else set()
    todo = []
    for dataset_id in stored.index.difference(sorted(done)):
        base, _, rows = dataset_id.partition(kbm.VERSION_SEP)
        todo.append(replace(sources[base], dataset_id=dataset_id, max_rows=int(rows) if rows else None))
    jobs = (delayed(_recomputed)(source, args.max_rows, names) for source in todo)
    for row in Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs):
        for name in names:
            row[f"stored_{name}"] = stored.at[row["dataset_id"], f"mf_{name}"]
        append_rows(path, [row])
        print(row["dataset_id"], flush=True)
    table = pd.read_csv(path).set_index("dataset_id")
    new = table[[f"new_{name}" for name in names]].set_axis(names, axis=1)
    old = table[[f"stored_{name}" for name in names]].set_axis(names, axis=1)
    same = np.isclose(new, old, rtol=1e-9, atol=1e-12) | (new.isna() & old.isna())
    difference = (new - old).abs().where(~same, 0.0)
    summary = pd.DataFrame({"changed": (~same).sum(), "median": difference.median(),
                            "p90": difference.quantile(0.9), "max": difference.max(),
                            "largest on": difference.idxmax().where((~same).any())})
    summary.to_csv(args.out / "summary.csv")
    changed = table.index[(~same).any(axis=1)]
    print(summary[summary["changed"] > 0].round(4).to_string())
    print(f"{len(changed)} of {len(table)} datasets changed")
    if args.update and len(changed):
        kb = kbm.KnowledgeBase.load(args.kb)
        rows = kb.datasets.set_index("dataset_id").loc[changed]
        rows[[f"mf_{name}" for name in names]] = new.loc[changed].to_numpy()
        kbm.append(args.kb, replace(kbm.KnowledgeBase.empty(kb.family), datasets=rows.reset_index()))
        print(f"stored the recomputed meta-features of {len(changed)} datasets in {args.kb}")


if __name__ == "__main__":
    main()

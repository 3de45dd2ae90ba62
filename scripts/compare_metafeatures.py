"""Meta-features recomputed by the current code against those a knowledge base holds.

Recomputes the meta-features of every dataset of a knowledge base (or those of the groups named)
from the same data and subsample as its build, and writes both, one row per dataset, with a summary
of their differences per meta-feature. With ``--update`` it then stores the recomputed values of the
datasets that changed in the knowledge base, as a new part of its datasets table (the newest row of a
dataset is the one loaded), so that the knowledge base and the datasets it is asked about are
described by the same code. Rows are written as each dataset ends: a killed run resumes, and describes
again the datasets that failed (say, that could not be loaded)::

    python scripts/compare_metafeatures.py --kb knowledge_base \\
        ../shared/datasets/realworld ../shared/datasets/pmlb --out docs/results/metafeature_fixes/kb --update

The landmarkers alone (``--groups landmarker``) were compared this way when NumPy learners replaced
scikit-learn's (docs/results/landmarkers/v2, written by this script's earlier version, whose columns
were named ``numpy_`` where they are now ``new_``).
"""

from __future__ import annotations

import argparse
import warnings
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
    """The dataset's recomputed meta-features, or the error that kept them from being computed."""
    try:
        dataset = source.load(max_rows)
        with warnings.catch_warnings(record=True) as shown:
            warnings.simplefilter("always")
            new = metafeatures.extract(dataset)
    except Exception as exc:  # recorded, and the other datasets go on
        return {"dataset_id": source.dataset_id, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"dataset_id": source.dataset_id, "task": dataset.task, **{f"new_{name}": new[name] for name in names},
            "warnings": "; ".join(sorted({f"{w.category.__name__}: {w.message}" for w in shown}))[:300] or None}


def _same(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """Where two tables of meta-features agree: to rounding, or both missing."""
    return np.isclose(new, old, rtol=1e-9, atol=1e-12) | (new.isna() & old.isna())


def _latest(rows: pd.DataFrame) -> pd.DataFrame:
    """The last row written of each dataset (a failure described again on a resumed run), by id."""
    return rows.drop_duplicates("dataset_id", keep="last").set_index("dataset_id")


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
    done = set(_latest(pd.read_csv(path)).query("error.isna()").index) if path.exists() else set()  # failures again
    columns = ["dataset_id", "task", "error", "warnings",
               *(f"{kind}_{name}" for name in names for kind in ("stored", "new"))]
    todo, unfound = [], []
    for dataset_id in stored.index.difference(sorted(done)):
        base, _, rows = dataset_id.partition(kbm.VERSION_SEP)
        if base in sources:
            todo.append(replace(sources[base], dataset_id=dataset_id, max_rows=int(rows) if rows else None))
        else:
            unfound.append(dataset_id)
    if unfound:
        print(f"{len(unfound)} datasets of {args.kb} are in none of the inputs, and are not compared: "
              f"{', '.join(unfound[:10])}{', ...' if len(unfound) > 10 else ''}")
    jobs = (delayed(_recomputed)(source, args.max_rows, names) for source in todo)
    for row in Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs):
        for name in names:
            row[f"stored_{name}"] = stored.at[row["dataset_id"], f"mf_{name}"]
        append_rows(path, [row], columns)
        print(row["dataset_id"], flush=True)
    table = _latest(pd.read_csv(path))
    failed = table["error"].dropna()
    if len(failed):
        print(f"{len(failed)} datasets could not be described again, and keep their stored values:")
        print(failed.to_string())
        table = table[table["error"].isna()]
    if table["warnings"].notna().any():
        print("warnings of meta-feature extraction:")
        print(table["warnings"].dropna().to_string())
    new = table[[f"new_{name}" for name in names]].set_axis(names, axis=1)
    old = table[[f"stored_{name}" for name in names]].set_axis(names, axis=1)
    same = _same(new, old)
    difference = (new - old).abs().where(~same, 0.0)
    summary = pd.DataFrame({"changed": (~same).sum(), "median": difference.median(),
                            "p90": difference.quantile(0.9), "max": difference.max(),
                            "largest on": difference.idxmax().where((~same).any())})
    summary.to_csv(args.out / "summary.csv")
    changed = table.index[(~same).any(axis=1)]
    print(summary[summary["changed"] > 0].round(4).to_string())
    print(f"{len(changed)} of {len(table)} datasets changed")
    if args.update:
        kb = kbm.KnowledgeBase.load(args.kb)  # as it is now: a rerun after an update stores nothing again
        stored_now = kb.datasets.set_index("dataset_id")
        now = stored_now.loc[new.index, [f"mf_{name}" for name in names]].set_axis(names, axis=1)
        stale = new.index[(~_same(new, now)).any(axis=1)]
        if len(stale):
            rows = stored_now.loc[stale]
            rows[[f"mf_{name}" for name in names]] = new.loc[stale].to_numpy()
            kbm.append(args.kb, replace(kbm.KnowledgeBase.empty(kb.family), datasets=rows.reset_index()))
        print(f"stored the recomputed meta-features of {len(stale)} datasets in {args.kb}")


if __name__ == "__main__":
    main()

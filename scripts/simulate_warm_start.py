"""Simulate ``tune``'s warm start from knowledge bases' stored CV scores: no model is trained.

For every dataset of the first knowledge base, each knowledge base named is rebuilt without the
dataset's leave-out group (every size of it, its twins, its synthetic family, and the configurations
they produced), asked for the first ``--n`` recommendations on the dataset's stored meta-features, as
``tune`` asks (strategy ``"auto"``, the training rows of a 3-fold split), and each recommendation is
scored by the CV score stored for it on the dataset. The knowledge bases must hold their pools'
scores on every dataset (a dense cross-evaluation), so that any of them can score any other's picks;
``--merge`` adds a knowledge base that is the union of the named ones (their pools side by side).

Reported per corpus split (dev and final apart), for the best of the first 1 and the first ``--n``:
the mean score normalized on each dataset between the worst and best pool member of the merged
knowledge base, and wins / ties / losses of each knowledge base against the first. Rows are written
to ``OUT/warm_start.csv`` as each dataset finishes, and a re-run skips the datasets done.

Usage::

    python scripts/simulate_warm_start.py knowledge_base docs/results/knowledge_base_v4 --merge \\
        --n-jobs 2 --out docs/results/warm_start_sim
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402
from results import append_rows  # noqa: E402

from metahpo.knowledge_base import KnowledgeBase, base_id  # noqa: E402
from metahpo.recommendations import POOL_COVERAGE, Recommender  # noqa: E402

TIE = 1e-4
COLUMNS = ["dataset_id", "split", "task", "kb", "rank", "config_id", "score"]


def merged(kbs: list[KnowledgeBase]) -> KnowledgeBase:
    """One knowledge base holding every dataset, configuration and run of ``kbs`` (the first's row
    where two hold the same one)."""
    first = kbs[0]
    return KnowledgeBase(
        datasets=first.datasets,
        configurations=pd.concat([kb.configurations for kb in kbs]).drop_duplicates("config_id").reset_index(drop=True),
        runs=pd.concat([kb.runs for kb in kbs]).drop_duplicates(["dataset_id", "config_id"]).reset_index(drop=True),
        family=first.family, space_version=first.space_version, provenance=first.provenance)


def simulate_one(kbs: dict[str, KnowledgeBase], dataset_id: str, leave_out: set[str], n: int, split: str,
                 truth: pd.Series) -> list[dict]:
    """The first ``n`` recommendations of each knowledge base for one left-out dataset, scored by ``truth``."""
    warnings.filterwarnings("ignore")
    rows = []
    for name, kb in kbs.items():
        info = kb.datasets.set_index("dataset_id").loc[dataset_id]
        mf = kb.metafeatures(info["task"]).loc[dataset_id]
        rec = Recommender(kb.without(leave_out), info["task"], "auto").recommend(
            mf, n, dataset_id, train_rows=int(info["n_rows"] * 2 / 3))
        rows += [{"dataset_id": dataset_id, "split": split, "task": info["task"], "kb": name, "rank": i,
                  "config_id": c.config_id, "score": truth.get(c.config_id, np.nan)}
                 for i, c in enumerate(rec.configs, 1)]
    return rows


def pool_matrix(kb: KnowledgeBase) -> pd.DataFrame:
    """Datasets x pool configurations (those a recommender draws from: run on nearly every dataset):
    the stored CV score in each dataset's default metric."""
    scores = kb.matrix()
    return scores.loc[:, scores.notna().mean() >= POOL_COVERAGE]


def report(rows: pd.DataFrame, truth: pd.DataFrame, n: int) -> str:
    """Per split: each knowledge base's mean normalized best-of-1 and best-of-n (0 the worst pool
    member of ``truth``, 1 the best), and W / T / L against the first."""
    names = list(dict.fromkeys(rows["kb"]))
    lo, hi = truth.min(axis=1), truth.max(axis=1)
    lines = []
    for split, part in rows.groupby("split"):
        lines += [f"\n{split} ({part['dataset_id'].nunique()} datasets)", "",
                  f"| knowledge base | best of 1 | best of {n} | W / T / L vs {names[0]}, best of 1 | best of {n} |",
                  "|---|---|---|---|---|"]
        best = {name: {b: part[(part["kb"] == name) & (part["rank"] <= k)].groupby("dataset_id")["score"].max()
                       for b, k in (("1", 1), ("n", n))} for name in names}
        for name in names:
            cells = []
            for b in ("1", "n"):
                s = best[name][b]
                cells.append(f"{((s - lo[s.index]) / (hi - lo)[s.index]).mean():.3f}")
            wtl = []
            for b in ("1", "n"):
                d = (best[name][b] - best[names[0]][b]).dropna()
                wtl.append(f"{(d > TIE).sum()} / {(d.abs() <= TIE).sum()} / {(d < -TIE).sum()}")
            lines.append(f"| {name} | {cells[0]} | {cells[1]} | {wtl[0]} | {wtl[1]} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kbs", nargs="+", help="knowledge base folders; the first is the reference")
    parser.add_argument("--merge", action="store_true", help="add the union of the knowledge bases as 'merged'")
    parser.add_argument("--n", type=int, default=5, help="recommendations per dataset (tune's warm start: 5)")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    loaded = [KnowledgeBase.load(p) for p in args.kbs]
    kbs = {Path(p).name: kb for p, kb in zip(args.kbs, loaded)}
    union = merged(loaded)
    if args.merge:
        kbs["merged"] = union
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "warm_start.csv"
    done = set(pd.read_csv(path)["dataset_id"]) if path.exists() else set()
    ids = loaded[0].datasets["dataset_id"]
    groups = corpora.leave_out_ids(ids)  # every size of its group and of all removed with it
    group_of = corpora.shared_groups()
    split_of = {d: corpora.split(group_of[base_id(d)]) for d in ids}
    todo = [d for d in loaded[0].datasets["dataset_id"] if d not in done]
    truth = pool_matrix(union)  # every pool's score on every dataset
    jobs = (delayed(simulate_one)(kbs, d, groups[d], args.n, split_of[d], truth.loc[d]) for d in todo)
    for i, rows in enumerate(Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs), 1):
        append_rows(path, rows, COLUMNS)
        print(f"warm-start simulation: {i}/{len(todo)} {rows[0]['dataset_id']}", file=sys.stderr, flush=True)
    print(report(pd.read_csv(path), truth, args.n))


if __name__ == "__main__":
    main()

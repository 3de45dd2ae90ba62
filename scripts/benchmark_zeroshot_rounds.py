"""How many rounds should a zero-shot recommendation train on data larger than its neighbours'?

A recommendation's ``n_estimators`` is the median of the rounds early stopping chose on the nearest
knowledge-base datasets that ran it, each on its own (cross-validation training) rows. On data many
times larger the same learning rate needs more rounds. For each ``dev`` dataset of the chosen corpus
(never ``final``), the top-1 recommendation (knowledge base without the dataset's group) is fitted on
a 75% training part with its rounds scaled by ``(training rows / neighbours' training rows) ** a``
for each exponent ``a``, at most ``--max-rounds``, and scored on the rest.

Usage::

    python scripts/benchmark_zeroshot_rounds.py --kb knowledge_base --corpus realworld --out docs/results/zeroshot_rounds
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402
from benchmark_zeroshot import leave_out  # noqa: E402

from metahpo import metafeatures  # noqa: E402
from metahpo.evaluation import METRICS, encode_target, make_estimator, predict_aligned, score_predictions  # noqa: E402
from metahpo.knowledge_base import KnowledgeBase  # noqa: E402
from metahpo.recommendations import Recommender  # noqa: E402

EXPONENTS = (0.0, 0.25, 0.5, 0.75, 1.0)


def run_one(entry: corpora.Entry, group: frozenset[str], kb: KnowledgeBase, max_rows: int, max_rounds: int) -> list[dict]:
    from sklearn.model_selection import train_test_split

    warnings.filterwarnings("ignore")
    data = entry.source.load(max_rows)
    y, n_classes = encode_target(data)
    strat = y if data.is_classification and np.bincount(y).min() >= 2 else None
    tr, te = train_test_split(np.arange(data.n_rows), test_size=0.25, random_state=0, stratify=strat)
    rest = leave_out(kb, group)
    rec = Recommender(rest, data.task).recommend(metafeatures.extract(data.take(tr)), n=1, train_rows=len(tr))
    top = rec.configs[0]
    cv = rest.provenance.get("cv", 3) if rest.provenance else 3
    kb_rows = rest.datasets.set_index("dataset_id").loc[top.support, "n_rows"].to_numpy(float) * (cv - 1) / cv
    ratio = len(tr) / float(np.median(kb_rows))
    rows = []
    for a in EXPONENTS:
        rounds = int(min(max_rounds, round(top.params["n_estimators"] * max(ratio, 1.0) ** a)))
        model = make_estimator(top.params, data.task, n_estimators=rounds).fit(data.X.iloc[tr], y[tr])
        score = score_predictions(data.task, y[te], predict_aligned(model, data.X.iloc[te], n_classes), n_classes)
        rows.append({"dataset": entry.name, "task": data.task, "n_rows": data.n_rows, "ratio": ratio, "exponent": a,
                     "rounds": rounds, "score": score[METRICS[data.task][0]]})
    return rows


def main() -> None:
    from joblib import Parallel, delayed

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", default="knowledge_base")
    parser.add_argument("--corpus", default="realworld")
    parser.add_argument("--max-rows", type=int, default=20_000)
    parser.add_argument("--max-rounds", type=int, default=5000)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", default="docs/results/zeroshot_rounds")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    kb = KnowledgeBase.load(args.kb)
    es = corpora.entries(args.corpus)
    group_of = corpora.groups(args.corpus, [e.name for e in es])
    dev = [e for e in es if corpora.split(group_of[e.name]) == "dev"]
    per = Parallel(n_jobs=args.n_jobs)(delayed(run_one)(e, group_of[e.name], kb, args.max_rows, args.max_rounds)
                                       for e in dev)
    runs = pd.DataFrame([r for rows in per for r in rows])
    runs.to_csv(out / "zeroshot_rounds.csv", index=False)
    wide = runs.pivot_table(index="dataset", columns="exponent", values="score")
    lo, hi = wide.min(axis=1), wide.max(axis=1)
    norm = wide.sub(lo, axis=0).div((hi - lo).where(hi - lo > 1e-4), axis=0).fillna(1.0)
    d = wide.sub(wide[0.0], axis=0)
    lines = [f"{len(wide)} dev datasets of {args.corpus}; median rows ratio "
             f"{runs.drop_duplicates('dataset')['ratio'].median():.1f}\n",
             "| exponent | mean normalized | W / T / L vs unscaled | median rounds |", "|---|---|---|---|"]
    for a in wide.columns:
        lines.append(f"| {a:g} | {norm[a].mean():.3f} | {(d[a] > 1e-4).sum()} / {(d[a].abs() <= 1e-4).sum()} / "
                     f"{(d[a] < -1e-4).sum()} | {runs.loc[runs['exponent'] == a, 'rounds'].median():.0f} |")
    text = "\n".join(lines)
    (out / "zeroshot_rounds.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

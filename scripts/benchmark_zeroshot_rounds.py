"""How many rounds should a zero-shot recommendation train? Measured on held-out test, dev only.

A recommendation's ``n_estimators`` is the median of the rounds early stopping chose on the nearest
knowledge-base datasets that ran it, each on its own (cross-validation training) rows. Two rules
that change it are compared, each on its own run (``--rule``):

* ``exponent``: on data many times larger the same learning rate needs more rounds. The
  recommendation's rounds, unscaled, times ``(training rows / neighbours' training rows) ** a``
  for each exponent ``a`` of :data:`EXPONENTS`;
* ``floor``: rounds chosen on neighbours whose best was a few trees (noise-like data) leave a model
  that cannot learn a signal needing many (parity, epistasis). The recommendation's rounds as
  shipped with the adopted exponent applied but no floor, raised to at least ``ceil(B / learning_rate)`` for each
  learning budget ``B`` of :data:`FLOORS` (LightGBM's defaults: 100 rounds at 0.1, a budget of 10).

For each ``dev`` dataset of the corpus (never ``final``), the top-1
recommendation (knowledge base without the dataset's group) is fitted on a 75% training part with
each variant's rounds, at most ``--max-rounds``, and scored on the rest; LightGBM's defaults are
fitted beside it. Rows stream into ``OUT/zeroshot_rounds_<rule>.csv`` (a failing dataset is a
``failed`` row); a re-run skips the datasets recorded. The report, ``OUT/zeroshot_rounds_<rule>.md``,
gives per task the mean normalized test score of each variant (0 = the worst variant on the
dataset, 1 = the best), its wins, ties and losses against the unchanged rounds, and the share of
datasets where it is at least as good as LightGBM's defaults.

Usage::

    python scripts/benchmark_zeroshot_rounds.py --kb knowledge_base --corpus realworld --rule exponent \\
        --out docs/results/zeroshot_rounds
    python scripts/benchmark_zeroshot_rounds.py --kb knowledge_base --corpus pmlb --max-rows 2000 --rule floor \\
        --out docs/results/zeroshot_rounds
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402
from benchmark_tune import wtl_text  # noqa: E402
from benchmark_zeroshot import leave_out, models  # noqa: E402
from results import append_rows, run_and_report  # noqa: E402

from metahpo import metafeatures  # noqa: E402
from metahpo.evaluation import METRICS, encode_target, make_estimator, predict_aligned, score_predictions  # noqa: E402
from metahpo.knowledge_base import KnowledgeBase  # noqa: E402
from metahpo.holdout import ROUNDS_EXPONENT  # noqa: E402
from metahpo.recommendations import ROUNDS_FLOOR, Recommender, budget_rounds  # noqa: E402

EXPONENTS = (0.0, 0.25, 0.5, 0.75, 1.0)
FLOORS = (0.0, 2.5, 5.0, 10.0, 20.0)
TIE = 1e-4
COLUMNS = ["dataset", "corpus", "task", "n_rows", "ratio", "learning_rate", "variant", "rounds", "score", "status",
           "error"]


def rounds_of(rule: str, value: float, shipped: int, unscaled: int, ratio: float, learning_rate: float,
              max_rounds: int) -> int:
    """The rounds variant ``value`` of ``rule`` gives the recommendation (see the module's text)."""
    if rule == "exponent":
        rounds = unscaled * max(ratio, 1.0) ** value
    else:
        rounds = max(shipped, budget_rounds(value, learning_rate))
    return int(min(max_rounds, round(rounds)))


def run_one(entry: corpora.Entry, group: frozenset[str], kb: KnowledgeBase, rule: str, max_rows: int,
            max_rounds: int) -> list[dict]:
    """The rows of one dataset: LightGBM's defaults, then each variant of ``rule``."""
    from sklearn.model_selection import train_test_split

    warnings.filterwarnings("ignore")
    base = {"dataset": entry.name, "corpus": entry.corpus, "task": entry.task}
    try:
        data = entry.source.load(max_rows)
        y, n_classes = encode_target(data)
        strat = y if data.is_classification and np.bincount(y).min() >= 2 else None
        tr, te = train_test_split(np.arange(data.n_rows), test_size=0.25, random_state=0, stratify=strat)
        rest = leave_out(kb, group)
        with mock.patch.dict(ROUNDS_FLOOR, dict.fromkeys(ROUNDS_FLOOR, 0.0)):  # the variants apply their own
            rec = Recommender(rest, data.task).recommend(metafeatures.extract(data.take(tr)), n=1, train_rows=len(tr))
    except Exception as exc:  # recorded; the run goes on
        return [{**base, "variant": "load", "status": "failed", "error": f"{type(exc).__name__}: {exc}"[:300]}]
    top = rec.configs[0]
    cv = rest.provenance.get("cv", 3) if rest.provenance else 3
    kb_rows = rest.datasets.set_index("dataset_id").loc[top.support, "n_rows"].to_numpy(float) * (cv - 1) / cv
    ratio = len(tr) / float(np.median(kb_rows))
    shipped = int(top.params["n_estimators"])
    unscaled = max(1, round(shipped / max(ratio, 1.0) ** ROUNDS_EXPONENT[data.task]))
    lr = float(top.params["learning_rate"])
    variants = [("defaults", None)] + [(f"{v:g}", rounds_of(rule, v, shipped, unscaled, ratio, lr, max_rounds))
                                       for v in (EXPONENTS if rule == "exponent" else FLOORS)]
    rows = []
    for name, rounds in variants:
        row = {**base, "n_rows": data.n_rows, "ratio": ratio, "learning_rate": lr, "variant": name, "rounds": rounds}
        try:
            model = (models(data.task, None)["lightgbm_default"] if rounds is None
                     else make_estimator(top.params, data.task, n_estimators=rounds)).fit(data.X.iloc[tr], y[tr])
            pred = predict_aligned(model, data.X.iloc[te], n_classes)
            row.update(status="ok", score=score_predictions(data.task, y[te], pred, n_classes)[METRICS[data.task][0]])
        except Exception as exc:
            row.update(status="failed", error=f"{type(exc).__name__}: {exc}"[:300])
        rows.append(row)
    return rows


def summarize(runs: pd.DataFrame) -> str:
    """Per corpus and task: each variant's mean normalized score, W / T / L against the unchanged
    rounds (exponent 0 or floor 0) and share at least as good as LightGBM's defaults."""
    ok = runs[runs["status"] == "ok"]
    wide = ok.pivot_table(index=["corpus", "task", "dataset"], columns="variant", values="score").dropna()
    variants = sorted((c for c in wide.columns if c != "defaults"), key=float)
    defaults = wide["defaults"] if "defaults" in wide else None  # the first exponent run fitted none
    scores = wide[variants]
    lo, hi = scores.min(axis=1), scores.max(axis=1)
    norm = scores.sub(lo, axis=0).div((hi - lo).where(hi - lo > TIE), axis=0).fillna(1.0)
    rounds = ok.pivot_table(index=["corpus", "task", "dataset"], columns="variant", values="rounds")
    lines = [f"{len(wide)} dev datasets; median training rows over the neighbours' "
             f"{ok.drop_duplicates('dataset')['ratio'].median():.1f}.", "",
             "| corpus, task | datasets | variant | mean normalized | W / T / L vs unchanged | >= defaults | "
             "median rounds |", "|---|---|---|---|---|---|---|"]
    for (corpus, task), part in list(wide.groupby(level=[0, 1])) + [(("all", "all"), wide)]:
        for v in variants:
            wtl = wtl_text(part[v] - part[variants[0]], TIE)
            lines.append(f"| {corpus}, {task} | {len(part)} | {float(v):g} | {norm.loc[part.index, v].mean():.3f} | {wtl} | "
                         f"{'—' if defaults is None else f'{(part[v] - defaults[part.index] >= -TIE).mean():.0%}'} | "
                         f"{rounds.loc[part.index, v].median():.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", default="knowledge_base")
    parser.add_argument("--corpus", default="realworld", choices=("pmlb", "realworld"))
    parser.add_argument("--rule", default="floor", choices=("exponent", "floor"))
    parser.add_argument("--max-rows", type=int, default=20_000)
    parser.add_argument("--max-rounds", type=int, default=5000)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--report-only", action="store_true", help="run nothing: rewrite the report from OUT")
    parser.add_argument("--out", default="docs/results/zeroshot_rounds")
    args = parser.parse_args()
    run_and_report(Path(args.out), f"zeroshot_rounds_{args.rule}.csv", f"zeroshot_rounds_{args.rule}.md",
                   lambda path: run(args, path), summarize, report_only=args.report_only)


def run(args: argparse.Namespace, path: Path) -> None:
    from joblib import Parallel, delayed

    done = set(pd.read_csv(path)["dataset"]) if path.exists() and path.stat().st_size else set()
    kb = KnowledgeBase.load(args.kb)
    entries = corpora.entries(args.corpus)
    group_of = corpora.groups(args.corpus, [e.name for e in entries])
    todo = [e for e in entries if corpora.split(group_of[e.name]) == "dev" and e.name not in done]
    print(f"zero-shot rounds ({args.rule}): {len(todo)} {args.corpus} dev datasets to run", file=sys.stderr, flush=True)
    jobs = (delayed(run_one)(e, group_of[e.name], kb, args.rule, args.max_rows, args.max_rounds) for e in todo)
    for i, rows in enumerate(Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs), 1):
        append_rows(path, rows, COLUMNS)
        print(f"zero-shot rounds: {i}/{len(todo)} {rows[0]['dataset']}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()

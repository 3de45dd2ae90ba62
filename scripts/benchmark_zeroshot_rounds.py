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
  learning budget ``B`` of :data:`FLOORS` (LightGBM's defaults: 100 rounds at 0.1, a budget of 10);
* ``holdout`` (a diagnostic of what ships since: the estimators' and ``recommend``'s rounds from a
  hold-out, refitted on all rows): the top of the recommendation as ``with_holdout_rounds`` hands
  it out (default check included), refitted with its hold-out rounds times each factor of
  :data:`SCALES`, and, as variant ``norefit``, not refitted: the model trained on the hold-out's
  fitting part and stopped there, as LGBM-TD keeps its own.

For each dataset of the corpus in ``--splits`` (``dev`` unless a diagnostic asks for more), the top-1
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
    python scripts/benchmark_zeroshot_rounds.py --kb knowledge_base,knowledge_base/large --corpus pmlb \\
        --max-rows 2000 --rule holdout --task multiclass --splits dev,final \\
        --out docs/results/zeroshot_rounds/holdout_pmlb
"""

from __future__ import annotations

import argparse
import functools
import sys
import warnings
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402
from benchmark_tune import wtl_text  # noqa: E402
from benchmark_zeroshot import models  # noqa: E402
from results import append_rows, normalized, run_and_report  # noqa: E402

from metahpo import metafeatures  # noqa: E402
from metahpo.evaluation import METRICS, encode_target, make_estimator, predict_aligned, score_predictions  # noqa: E402
from metahpo.families.lightgbm import patience  # noqa: E402
from metahpo.knowledge_base import KnowledgeBase  # noqa: E402
from metahpo.holdout import MAX_ROUNDS, ROUNDS_EXPONENT, VALIDATION_FRACTION, holdout, orders_by_holdout  # noqa: E402
from metahpo.recommendations import (N_RECOMMENDED, ROUNDS_FLOOR, Recommender, budget_rounds,  # noqa: E402
                                     with_holdout_rounds)

EXPONENTS = (0.0, 0.25, 0.5, 0.75, 1.0)
FLOORS = (0.0, 2.5, 5.0, 10.0, 20.0)
SCALES = (0.5, 0.7, 0.85, 1.0, 1.2, 1.5)
UNCHANGED = {"exponent": "0", "floor": "0", "holdout": "1"}
"""Each rule's variant that leaves the rounds as they ship (or shipped)."""
TIE = 1e-4
COLUMNS = ["dataset", "corpus", "split", "task", "n_rows", "ratio", "learning_rate", "variant", "rounds", "score",
           "status", "error"]


def rounds_of(rule: str, value: float, shipped: int, unscaled: int, ratio: float, learning_rate: float,
              max_rounds: int) -> int:
    """The rounds variant ``value`` of ``rule`` gives the recommendation (see the module's text)."""
    if rule == "exponent":
        rounds = unscaled * max(ratio, 1.0) ** value
    else:
        rounds = max(shipped, budget_rounds(value, learning_rate))
    return int(min(max_rounds, round(rounds)))


def run_one(entry: corpora.Entry, split: str, group: frozenset[str], kb: KnowledgeBase, rule: str, max_rows: int,
            max_rounds: int) -> list[dict]:
    """The rows of one dataset: LightGBM's defaults, then each variant of ``rule``."""
    from sklearn.model_selection import train_test_split

    warnings.filterwarnings("ignore")
    base = {"dataset": entry.name, "corpus": entry.corpus, "split": split, "task": entry.task}
    try:
        data = entry.source.load(max_rows)
        y, n_classes = encode_target(data)
        strat = y if data.is_classification and np.bincount(y).min() >= 2 else None
        tr, te = train_test_split(np.arange(data.n_rows), test_size=0.25, random_state=0, stratify=strat)
        rest, train = corpora.leave_out(kb, group), data.take(tr)
        if rule == "holdout":  # as the estimators hand it out (benchmark_zeroshot.py --rounds holdout)
            n = N_RECOMMENDED if orders_by_holdout(len(tr)) else 1
            rec = Recommender(rest, data.task).recommend(metafeatures.extract(train, random_state=0), n=n,
                                                         name=entry.name, train_rows=len(tr))
            top = with_holdout_rounds(rec, train, n=1, random_state=0).configs[0]
        else:
            with mock.patch.dict(ROUNDS_FLOOR, dict.fromkeys(ROUNDS_FLOOR, 0.0)):  # the variants apply their own
                rec = Recommender(rest, data.task).recommend(metafeatures.extract(train), n=1, train_rows=len(tr))
            top = rec.configs[0]
    except Exception as exc:  # recorded; the run goes on
        return [{**base, "variant": "load", "status": "failed", "error": f"{type(exc).__name__}: {exc}"[:300]}]
    cv = rest.provenance.get("cv", 3) if rest.provenance else 3
    support = [s for s in top.support if s in set(rest.datasets["dataset_id"])]  # none for LightGBM's defaults
    kb_rows = rest.datasets.set_index("dataset_id").loc[support, "n_rows"].to_numpy(float) * (cv - 1) / cv
    ratio = len(tr) / float(np.median(kb_rows)) if support else float("nan")
    shipped = int(top.params["n_estimators"])
    lr = float(top.params["learning_rate"])
    if rule == "holdout":
        variants = [("defaults", None)] + [(f"{v:g}", min(max_rounds, max(1, round(shipped * v)))) for v in SCALES]
        variants.append(("norefit", None))
    else:
        unscaled = max(1, round(shipped / max(ratio, 1.0) ** ROUNDS_EXPONENT[data.task]))
        variants = [("defaults", None)] + [(f"{v:g}", rounds_of(rule, v, shipped, unscaled, ratio, lr, max_rounds))
                                           for v in (EXPONENTS if rule == "exponent" else FLOORS)]
    rows = []
    for name, rounds in variants:
        row = {**base, "n_rows": data.n_rows, "ratio": ratio, "learning_rate": lr, "variant": name, "rounds": rounds}
        try:
            if name == "norefit":
                model, row["rounds"] = _holdout_model(top.params, train.X, y[tr], data.task)
            else:
                model = (models(data.task, None, 1)["lightgbm_default"] if rounds is None
                         else make_estimator(top.params, data.task, n_estimators=rounds)).fit(train.X, y[tr])
            pred = predict_aligned(model, data.X.iloc[te], n_classes)
            row.update(status="ok", score=score_predictions(data.task, y[te], pred, n_classes)[METRICS[data.task][0]])
        except Exception as exc:
            row.update(status="failed", error=f"{type(exc).__name__}: {exc}"[:300])
        rows.append(row)
    return rows


def _holdout_model(params: dict, X: pd.DataFrame, y: np.ndarray, task: str) -> tuple[Any, int]:
    """``params`` trained on the fitting part of the hold-out ``holdout_rounds`` draws (seed 0) and
    stopped on its validation part as it stops, kept at its best round: no refit."""
    import lightgbm as lgb

    fit_rows, valid_rows, y_valid = holdout(y, task, VALIDATION_FRACTION, 0)
    if task != "regression" and len(np.unique(y[fit_rows])) < len(np.unique(y)):
        raise ValueError("the hold-out's fitting part lacks a class")
    config = {k: v for k, v in params.items() if k != "n_estimators"}
    model = make_estimator(config, task, n_estimators=MAX_ROUNDS)
    model.fit(X.iloc[fit_rows], y[fit_rows], eval_set=[(X.iloc[valid_rows], y_valid)],
              callbacks=[lgb.early_stopping(patience(config), verbose=False)])
    return model, model.best_iteration_


def summarize(runs: pd.DataFrame, rule: str) -> str:
    """Per corpus, split and task: each variant's mean normalized score, W / T / L against the
    rounds as they ship (or shipped: :data:`UNCHANGED`) and share at least as good as LightGBM's
    defaults."""
    ok = runs[runs["status"] == "ok"].assign(split=runs.get("split", pd.Series("dev", index=runs.index)).fillna("dev"))
    keys = ["corpus", "split", "task", "dataset"]
    wide = ok.pivot_table(index=keys, columns="variant", values="score")
    wide = wide.dropna(subset=[c for c in wide.columns if c != "norefit"])  # norefit fails where a class is rare
    variants = sorted((c for c in wide.columns if c != "defaults"), key=lambda v: float(v) if v[0].isdigit() else 1e9)
    defaults = wide["defaults"] if "defaults" in wide else None  # the first exponent run fitted none
    scores = wide[variants]
    norm = normalized(scores, TIE)
    rounds = ok.pivot_table(index=keys, columns="variant", values="rounds")
    lines = [f"{len(wide)} datasets; median training rows over the neighbours' "
             f"{ok.drop_duplicates('dataset')['ratio'].median():.1f}.", "",
             "| corpus, split, task | datasets | variant | mean normalized | W / T / L vs as shipped | >= defaults | "
             "median rounds |", "|---|---|---|---|---|---|---|"]
    for (corpus, split, task), part in list(wide.groupby(level=[0, 1, 2])) + [(("all", "all", "all"), wide)]:
        for v in variants:
            has = part[part[v].notna()]
            wtl = wtl_text(has[v] - has[UNCHANGED[rule]], TIE)
            lines.append(f"| {corpus}, {split}, {task} | {len(has)} | {v} | {norm.loc[has.index, v].mean():.3f} | "
                         f"{wtl} | "
                         f"{'—' if defaults is None else f'{(has[v] - defaults[has.index] >= -TIE).mean():.0%}'} | "
                         f"{rounds.loc[has.index, v].median():.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", default="knowledge_base", help="knowledge-base folders, comma-separated, merged")
    parser.add_argument("--corpus", default="realworld", choices=("pmlb", "realworld"))
    parser.add_argument("--rule", default="floor", choices=tuple(UNCHANGED))
    parser.add_argument("--splits", default="dev", help="comma-separated: dev, final (final only for a diagnostic)")
    parser.add_argument("--task", choices=("binary", "multiclass", "regression"), help="only this task's datasets")
    parser.add_argument("--max-rows", type=int, default=20_000)
    parser.add_argument("--max-rounds", type=int, default=5000)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--report-only", action="store_true", help="run nothing: rewrite the report from OUT")
    parser.add_argument("--out", default="docs/results/zeroshot_rounds")
    args = parser.parse_args()
    run_and_report(Path(args.out), f"zeroshot_rounds_{args.rule}.csv", f"zeroshot_rounds_{args.rule}.md",
                   lambda path: run(args, path), functools.partial(summarize, rule=args.rule),
                   report_only=args.report_only)


def run(args: argparse.Namespace, path: Path) -> None:
    from joblib import Parallel, delayed

    done = set(pd.read_csv(path)["dataset"]) if path.exists() and path.stat().st_size else set()
    kb = functools.reduce(KnowledgeBase.merge, map(KnowledgeBase.load, args.kb.split(",")))
    entries = corpora.entries(args.corpus)
    group_of = corpora.groups(args.corpus, [e.name for e in entries])
    splits = args.splits.split(",")
    todo = [e for e in entries if corpora.split(group_of[e.name]) in splits and e.name not in done
            and args.task in (None, e.task)]
    print(f"zero-shot rounds ({args.rule}): {len(todo)} {args.corpus} datasets to run", file=sys.stderr, flush=True)
    jobs = (delayed(run_one)(e, corpora.split(group_of[e.name]), group_of[e.name], kb, args.rule, args.max_rows,
                             args.max_rounds) for e in todo)
    for i, rows in enumerate(Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs), 1):
        append_rows(path, rows, COLUMNS)
        print(f"zero-shot rounds: {i}/{len(todo)} {rows[0]['dataset']}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()

"""Zero-shot top-1 on held-out data, refitted as users get it, against the rivals' defaults.

For every dataset of the chosen corpora (``corpora.py``; PMLB and the real-world corpus are reported
apart, and so are the ``dev`` and ``final`` splits), the data (rows capped by a seeded stratified
subsample: 2,000 for PMLB as in its knowledge base, 20,000 for the real-world corpus) is split 75/25 once, and each method trains on the training part and is scored on the
test part with the task's metric (ROC AUC, log loss, R²):

* ``metahpo``: the knowledge base without every dataset of the left-out group (all its sizes), its
  runs and the configurations it produced (``KnowledgeBase.without``); meta-features of the training
  part; ``recommend``'s top-1 fitted exactly as the README says, ``LGBMClassifier(**params)``;
* ``lightgbm_default``: ``LGBMClassifier()``;
* ``lgbm_td``: LightGBM's meta-learned defaults of Holzmüller et al. (NeurIPS 2024): classification
  learning_rate 0.04, num_leaves 50, subsample 0.75 every round, min_child_samples 40,
  min_child_weight 1e-7; regression learning_rate 0.05, num_leaves 100, subsample 0.7,
  min_child_samples 3; up to 1,000 rounds, early stopping after 300 on a 20% validation split of
  the training part, no refit;
* ``flaml_zeroshot``: FLAML's zero-shot LightGBM (``flaml.default``), if FLAML is installed;
* ``autogluon_top1``: the first configuration of AutoGluon's zero-shot LightGBM portfolio
  (``extra_trees`` at learning rate 0.05, LightGBM's defaults otherwise) trained as AutoGluon 1.x
  trains a LightGBM model without bagging: up to 10,000 rounds on a hold-out of
  ``autogluon_holdout_frac`` of the training part, early stopping on the task's metric with
  AutoGluon's adaptive patience (``autogluon_stopping``), no refit. AutoGluon itself is not needed;
  its ``best_quality`` preset would bag 8 such models instead;
* ``metahpo_stopped`` (a diagnostic, not a rival): metahpo's top-1 without its ``n_estimators``,
  trained the way ``autogluon_top1`` is, to tell its configuration from its rounds.

Every model trains on (cores / ``--n-jobs``) threads: LightGBM's ``n_jobs=None`` takes every
physical core whatever the worker's ``OMP_NUM_THREADS``, and two datasets at a time each on both
cores made every fit 14 times slower (median; real-world final split, 5 December 2026).

Rows stream to ``OUT/zeroshot_runs.csv`` (a re-run skips the datasets done; ``--redo metahpo``
drops that method's rows first), the report goes to ``OUT/zeroshot.md``: per corpus and split, the
share of datasets where metahpo is at least as good as each rival (ties within 1e-4), win/tie/loss,
mean rank, mean normalized score (0 = LightGBM's defaults, 1 = the best method on the dataset,
clipped at -1) with 95% bootstrap intervals, the same scaled from the worst method (0) to the best
(1), and the share of recommendations with confidence at least 0.5.

Usage::

    python scripts/benchmark_zeroshot.py --kb knowledge_base --splits dev --out docs/results/zeroshot

Two knowledge bases compare on the same datasets and the same rivals' rows: copy the rivals' rows of
one run into a new folder and run ``--methods metahpo --only-seeded`` there with the other ``--kb``;
strategy settings compare the same way with ``--strategy``, a LightGBM parameter the space
lacks with ``--set extra_trees=true`` (added to metahpo's top-1 before it is fitted), and the
zero-shot estimators' rounds from a hold-out with ``--rounds holdout`` (metahpo's top-1 with
``n_estimators`` from its hold-out, and on training parts of at least ``SELECT_MIN_ROWS`` rows
the best of the ``N_RECOMMENDED`` configurations there, as ``recommend`` orders them, on smaller
ones LightGBM's defaults where 5-fold cross-validation says they beat it clearly, as ``recommend``
checks them; its fit time includes the hold-outs' and the check's).
"""

from __future__ import annotations

import argparse
import functools
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, cpu_count, delayed

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402
from benchmark_tune import AUTOGLUON_GBM  # noqa: E402
from results import append_rows, commits_note, from_defaults, normalized, stamped  # noqa: E402

from metahpo import metafeatures  # noqa: E402
from metahpo.datasets import Dataset  # noqa: E402
from metahpo.evaluation import METRICS, encode_target, predict_aligned, score_predictions  # noqa: E402
from metahpo.knowledge_base import KnowledgeBase  # noqa: E402
from metahpo.holdout import holdout, orders_by_holdout  # noqa: E402
from metahpo.recommendations import (N_RECOMMENDED, ROUNDS, STRATEGIES, BaseStrategy,  # noqa: E402
                                     Recommendation, Recommender, check_strategy, with_holdout_rounds)

TIE = 1e-4
RIVALS = ("lightgbm_default", "lgbm_td", "flaml_zeroshot", "autogluon_top1")
LGBM_TD = {
    "classification": dict(learning_rate=0.04, num_leaves=50, subsample=0.75, subsample_freq=1,
                           min_child_samples=40, min_child_weight=1e-7),
    "regression": dict(learning_rate=0.05, num_leaves=100, subsample=0.7, subsample_freq=1, min_child_samples=3),
}
STOPPING_METRIC = {"binary": "auc", "multiclass": "multi_logloss", "regression": "l2"}
"""LightGBM's metric for the task's test metric (ROC AUC, log loss, R²), which AutoGluon stops on
when it is the ``eval_metric``."""


def models(task: str, recommended: dict | None, threads: int) -> dict:
    """Each method's unfitted model, every one training on ``threads`` threads."""
    import lightgbm as lgb

    cls = functools.partial(lgb.LGBMRegressor if task == "regression" else lgb.LGBMClassifier, n_jobs=threads)
    out = {"lightgbm_default": cls(verbosity=-1),
           "lgbm_td": cls(**LGBM_TD["regression" if task == "regression" else "classification"],
                          n_estimators=1000, verbosity=-1),
           "autogluon_top1": cls(**AUTOGLUON_GBM[0], n_estimators=10_000, metric=STOPPING_METRIC[task], verbosity=-1)}
    if recommended is not None:
        out["metahpo"] = cls(**recommended)  # exactly what a user builds from what metahpo returns
        out["metahpo_stopped"] = cls(**{**recommended, "n_estimators": 10_000, "metric": STOPPING_METRIC[task]})
    try:
        from flaml import default as flaml_default

        out["flaml_zeroshot"] = (flaml_default.LGBMRegressor if task == "regression"
                                 else flaml_default.LGBMClassifier)(verbosity=-1, n_jobs=threads)
    except ImportError:
        pass
    return out


def autogluon_holdout_frac(n_rows: int) -> float:
    """AutoGluon's default hold-out fraction (``default_holdout_frac``): 500 rows, between 10% and
    20%, below 5,000 rows; 2,500 rows, between 1% and 10%, above."""
    if n_rows < 5000:
        return max(0.1, min(0.2, 500.0 / n_rows))
    return max(0.01, min(0.1, 2500.0 / n_rows))


def autogluon_stopping(n_train: int, rate: float = 0.3, offset: int = 20, max_offset: int = 300,
                       min_rows: int = 10_000):
    """AutoGluon's adaptive early stopping (``AdaptiveES`` with the offsets of
    ``get_early_stopping_rounds``) as a LightGBM callback on the first metric: stop once the best
    round is ``max(floor, round(rate * best_round + offset))`` rounds old, the floor
    ``max_offset`` scaled down by ``min_rows / n_train`` above ``min_rows`` (at least ``offset``);
    the model keeps its best round."""
    import lightgbm as lgb

    floor = max(round(max_offset * min(1.0, min_rows / n_train)), offset)
    best = {"score": -np.inf, "round": 0, "results": None}

    def callback(env) -> None:
        _, _, value, higher_better = env.evaluation_result_list[0]
        score = value if higher_better else -value
        if score > best["score"]:
            best.update(score=score, round=env.iteration, results=env.evaluation_result_list)
        patience = max(floor, round(rate * best["round"] + offset))
        if env.iteration - best["round"] >= patience or env.iteration == env.end_iteration - 1:
            raise lgb.callback.EarlyStopException(best["round"], best["results"])

    callback.order = 30
    return callback


def fit(name: str, model, X, y, task: str, seed: int, rounds: str = "recommended",
        recommendation: Recommendation | None = None, train: Dataset | None = None):
    """``model`` fitted as its method trains: LGBM-TD and AutoGluon (and ``metahpo_stopped``) on a
    hold-out with their own early stopping, every other on the whole training part; with
    ``rounds="holdout"``, metahpo's configuration and rounds are the top of ``recommendation``
    as ``recommend(rounds="holdout")`` and the estimators hand it out on ``train`` (the training
    part): rounds from a hold-out, the list ordered by them on large data, its top checked against
    LightGBM's defaults on smaller data, and the model is a new one built from that alone."""
    import lightgbm as lgb

    if name == "metahpo" and rounds == "holdout":  # built from what is handed out, and only that (--set's
        best = with_holdout_rounds(recommendation, train, n=1, random_state=seed).best  # overrides are in it
        model = type(model)(**{**best, "n_jobs": model.n_jobs})  # unless LightGBM's defaults won the check)
    if name == "lgbm_td":
        tr, va, y_va = holdout(y, task, 0.2, seed)
        stop = lgb.early_stopping(300, verbose=False)
    elif name in ("autogluon_top1", "metahpo_stopped"):
        tr, va, y_va = holdout(y, task, autogluon_holdout_frac(len(y)), seed)
        stop = autogluon_stopping(len(tr))
    else:
        return model.fit(X, y)
    return model.fit(X.iloc[tr], y[tr], eval_X=(X.iloc[va],), eval_y=(y_va,), callbacks=[stop])


def _value(text: str) -> int | float | str:
    """A number where ``text`` is one, else the text."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _settings(text: str) -> dict[str, int | float | str]:
    """``key=value,...`` as a dict, numbers as numbers (empty text: no settings)."""
    return {k: _value(v) for k, _, v in (item.partition("=") for item in text.split(",") if item)}


def strategy_of(spec: str) -> BaseStrategy:
    """A strategy from ``NAME`` or ``NAME:key=value,...`` (e.g. ``portfolio:k=10,shrinkage=0.3``)."""
    name, _, settings = spec.partition(":")
    if not settings:
        return check_strategy(name)
    if name not in STRATEGIES:
        raise SystemExit(f"unknown strategy {name!r}; choose {', '.join(STRATEGIES)}")
    return STRATEGIES[name](**_settings(settings))


def run_one(entry: corpora.Entry, split: str, group: frozenset[str], kb: KnowledgeBase, max_rows: int,
            seed: int, methods: set[str], strategy: str = "auto", overrides: dict | None = None,
            rounds: str = "recommended", threads: int = 1) -> list[dict]:
    from sklearn.model_selection import train_test_split

    warnings.filterwarnings("ignore")
    base = {"dataset": entry.name, "corpus": entry.corpus, "split": split, "task": entry.task}
    data, failure = corpora.load_or_failure(entry, max_rows, base)
    if data is None:
        return failure
    y, n_classes = encode_target(data)
    strat = y if data.is_classification and np.bincount(y).min() >= 2 else None
    tr, te = train_test_split(np.arange(data.n_rows), test_size=0.25, random_state=seed, stratify=strat)
    train = data.take(tr)
    rows, recommended, listed, extra = [], None, None, {}
    if methods & {"metahpo", "metahpo_stopped"}:
        start = time.perf_counter()
        try:
            n = N_RECOMMENDED if rounds == "holdout" and orders_by_holdout(len(tr)) else 1  # as recommend orders
            rec = Recommender(corpora.leave_out(kb, group), data.task, strategy_of(strategy)).recommend(
                metafeatures.extract(train, random_state=seed), n=n, name=entry.name, train_rows=len(tr))
            listed = replace(rec, configs=[replace(c, params={**c.params, **(overrides or {})}) for c in rec.configs])
            recommended = listed.best
            extra = {"confidence": rec.confidence, "nearest": str(rec.neighbors["name"].iloc[0]),
                     "recommend_s": time.perf_counter() - start}
        except Exception as exc:
            rows.append({**base, "method": "metahpo", "status": "failed", "error": f"{type(exc).__name__}: {exc}"[:300]})
    metric = METRICS[data.task][0]
    for name, model in models(data.task, recommended, threads).items():
        if name not in methods:
            continue
        start = time.perf_counter()
        try:
            model = fit(name, model, train.X, y[tr], data.task, seed, rounds, listed, train)
            pred = predict_aligned(model, data.X.iloc[te], n_classes)
            score = score_predictions(data.task, y[te], pred, n_classes)[metric]
            row = {"status": "ok", "score": score, "fit_s": time.perf_counter() - start}
        except Exception as exc:
            row = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:300]}
        rows.append({**base, "n_rows": data.n_rows, "metric": metric, "method": name, **row,
                     **(extra if name == "metahpo" else {})})
    return rows


def bootstrap(values: np.ndarray, n: int = 5000, seed: int = 0) -> tuple[float, float]:
    rng = np.random.default_rng(seed)
    means = rng.choice(values, size=(n, len(values))).mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def summarize(runs: pd.DataFrame) -> str:
    ok = runs[runs["status"] == "ok"]
    wide = ok.pivot_table(index=["corpus", "split", "dataset"], columns="method", values="score")
    missing = [c for c in ("metahpo", "lightgbm_default") if c not in wide]
    if missing:
        return (f"No report: the rows lack {' and '.join(missing)}, which every score is compared with (run "
                f"them, or copy their rows in from another run); the rows themselves are in zeroshot_runs.csv.")
    wide = wide.dropna(subset=["metahpo", "lightgbm_default"])
    conf = ok[ok["method"] == "metahpo"].set_index(["corpus", "split", "dataset"])["confidence"]
    tasks = runs.drop_duplicates("dataset").set_index("dataset")["task"]
    parts = [(f"{corpus}, {split}", part) for (corpus, split), part in wide.groupby(level=[0, 1])]
    parts += [(f"{corpus}, dev + final", part) for corpus, part in wide.groupby(level=0)
              if part.index.get_level_values(1).nunique() > 1]  # the fresh corpus has one split
    text = "\n\n".join(table(part, title, conf.reindex(part.index), tasks) for title, part in parts)
    pairs = pd.MultiIndex.from_frame(runs[["dataset", "method"]])
    failed = runs[(runs["status"] == "failed").to_numpy()
                  & ~pairs.isin(pd.MultiIndex.from_frame(ok[["dataset", "method"]]))]
    if len(failed):  # a dataset a compared method failed on is left out of the tables above: said
        pairs = failed.drop_duplicates(["dataset", "method"])
        text += "\n\nFailed, and not in the tables: " + "; ".join(
            f"{m} on {', '.join(g['dataset'])}" for m, g in pairs.groupby("method")) + "."
    note = commits_note(runs)
    return text + (f"\n\n{note}" if note else "")


def table(part: pd.DataFrame, title: str, conf: pd.Series, tasks: pd.Series) -> str:
    methods = [m for m in ("metahpo", *RIVALS) if m in part]
    both = part[methods].dropna()
    default = both["lightgbm_default"]
    best = both.max(axis=1)
    norm = from_defaults(both, default, best, TIE)
    spread = normalized(both, TIE)
    ranks = both.rank(axis=1, ascending=False)
    lines = [f"**{title}** ({len(both)} datasets; recommendation confidence >= 0.5 on "
             f"{(conf >= 0.5).mean():.0%})\n",
             "| method | normalized, 0 = defaults, 1 = best (95% CI) | normalized, 0 = worst, 1 = best | mean rank | "
             "metahpo >= it | metahpo W / T / L |", "|---|---|---|---|---|---|"]
    for m in methods:
        lo, hi = bootstrap(norm[m].to_numpy())
        if m == "metahpo":
            vs = "—", "—"
        else:
            d = both["metahpo"] - both[m]
            vs = (f"{(d >= -TIE).mean():.0%}", f"{(d > TIE).sum()} / {(d.abs() <= TIE).sum()} / {(d < -TIE).sum()}")
        lines.append(f"| {m} | {norm[m].mean():.3f} ({lo:.3f}, {hi:.3f}) | {spread[m].mean():.3f} | "
                     f"{ranks[m].mean():.2f} | {vs[0]} | {vs[1]} |")
    defaults_best = best - default <= TIE
    if defaults_best.any():  # where the first normalization scores every method 0, a loss is hidden: counted here
        lost = both[defaults_best].lt(default[defaults_best] - TIE, axis=0).sum()
        lines.append(f"\nThe defaults are the best on {int(defaults_best.sum())} datasets, where the first "
                     f"normalization scores every method 0; losses to them there: " + ", ".join(
                         f"{m} {int(lost[m])}" for m in methods if m != "lightgbm_default") + ".")
    for task, g in both.groupby(tasks.reindex(both.index.get_level_values(2)).to_numpy()):
        d = g["metahpo"] - g["lightgbm_default"]
        lines.append(f"\n{task}: vs defaults {(d > TIE).sum()} / {(d.abs() <= TIE).sum()} / {(d < -TIE).sum()}, "
                     f"median difference {d.median():+.4f}" + (
                         f"; vs LGBM-TD {((g['metahpo'] - g['lgbm_td']) >= -TIE).mean():.0%} at least as good"
                         if "lgbm_td" in g else ""))
    return "\n".join(lines)

COLUMNS = ["dataset", "corpus", "split", "task", "n_rows", "metric", "method", "status", "error", "score", "fit_s",
           "confidence", "nearest", "recommend_s", "commit"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", default="knowledge_base",
                        help="knowledge-base folders, comma-separated, merged (what recommend reads by default: "
                             "knowledge_base,knowledge_base/large)")
    parser.add_argument("--corpora", default="pmlb,realworld")
    parser.add_argument("--splits", default="dev,final")
    parser.add_argument("--tasks", default="binary,multiclass,regression", help="tasks whose datasets run")
    parser.add_argument("--min-rows", type=int, default=0, help="only datasets with at least this many rows")
    parser.add_argument("--max-rows", default="pmlb=2000,realworld=20000",
                        help="row cap per corpus (a seeded stratified subsample)")
    parser.add_argument("--methods", default="metahpo," + ",".join(RIVALS))
    parser.add_argument("--redo", default="", help="methods whose rows are dropped and run again")
    parser.add_argument("--only-seeded", action="store_true",
                        help="run only datasets that already have rows in OUT (e.g. rivals' rows copied from "
                             "another run, to compare knowledge bases on the same datasets)")
    parser.add_argument("--strategy", default="auto",
                        help="metahpo's strategy: a name, or NAME:key=value,... (portfolio:k=10,shrinkage=0.3)")
    parser.add_argument("--set", default="", help="KEY=VALUE,...: LightGBM parameters set on metahpo's top-1 "
                        "(numbers as numbers, anything else as text, e.g. extra_trees=true)")
    parser.add_argument("--rounds", choices=ROUNDS, default="recommended",
                        help="where metahpo's n_estimators comes from: the recommendation, or a hold-out of the "
                             "training part (the zero-shot estimators' rounds='holdout')")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", default="docs/results/zeroshot")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "zeroshot_runs.csv"
    runs = pd.read_csv(path) if path.exists() else pd.DataFrame(columns=COLUMNS)
    redo = set(filter(None, args.redo.split(",")))
    if redo:
        runs = runs[~runs["method"].isin(redo)]
        runs.to_csv(path, index=False)
    kb = functools.reduce(KnowledgeBase.merge, map(KnowledgeBase.load, args.kb.split(",")))
    overrides = _settings(args.set)
    methods = set(args.methods.split(","))
    caps = {c: int(n) for c, _, n in (item.partition("=") for item in args.max_rows.split(","))}
    threads = max(1, cpu_count() // args.n_jobs)  # per model: LightGBM's n_jobs=None would take every core
    jobs = []
    for corpus in args.corpora.split(","):
        es = corpora.entries(corpus)
        group_of = corpora.groups(corpus, [e.name for e in es])
        for e in es:
            split = corpora.split(group_of[e.name], corpus)
            ran = runs[(runs["dataset"] == e.name) & (runs["status"] == "ok")]  # a failed method runs again
            todo = methods - set(ran["method"])
            seeded = not args.only_seeded or (runs["dataset"] == e.name).any()
            wanted = split in args.splits.split(",") and e.task in args.tasks.split(",") and e.n_rows >= args.min_rows
            if wanted and todo and seeded:
                jobs.append((min(e.n_rows, caps[corpus]), delayed(run_one)(
                    e, split, group_of[e.name], kb, caps[corpus], args.seed, todo, args.strategy, overrides,
                    args.rounds, threads)))
    jobs.sort(key=lambda j: -j[0])  # the dearest first
    print(f"{len(jobs)} datasets to run", file=sys.stderr, flush=True)
    for i, rows in enumerate(Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(j for _, j in jobs), 1):
        append_rows(path, stamped(rows), COLUMNS)
        print(f"{i}/{len(jobs)} {rows[0]['dataset']}", file=sys.stderr, flush=True)
    if not path.exists():
        raise SystemExit(f"no rows in {out}: no dataset of {args.corpora} matches --splits, --tasks and --min-rows")
    runs = pd.read_csv(path)
    text = summarize(runs)
    (out / "zeroshot.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

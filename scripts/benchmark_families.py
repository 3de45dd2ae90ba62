"""Cross-family ensembles against LightGBM-only ones and the single best, on held-out data.

For each dataset of a seeded sample of a corpus split (``corpora.py``: one dataset per leave-out
group, stratified by task, at least 3 per task), the data (rows capped: PMLB 2,000, real-world
5,000) is split 75/25 (seeded, stratified for classification). On the training part, with the
LightGBM knowledge base (``--kb``) and the linear family's (``--linear-kb``) each minus every
dataset of the left-out group (all its sizes, its runs and the configurations it produced), four
searches run on the same 3 folds with the same seed (``--searches`` picks some):

* ``tune(train, n_trials=N, family="lightgbm", ensemble=k)``: N LightGBM trials;
* ``tune(train, n_trials=N, family="auto", ensemble=k)``: the N trials shared by the families as
  ``tune`` shares them (by :func:`~metahpo.recommendations.choose_family`, each family at least
  ``MIN_FAMILY_SHARE``), the greedy ensemble selected over the best k trials of each family, so it
  may mix them;
* the same with the trials shared equally (``MIN_FAMILY_SHARE`` raised to 1 for this search:
  ``tuning._shares``, LightGBM first, 10 + 10 at N = 20), what ``tune`` does when the knowledge
  bases cannot choose;
* ``tune(train, n_trials=None, timeout=T, family="lightgbm", ensemble=k)``: LightGBM alone for the
  wall time ``T`` the ``family="auto"`` search took to its last trial (``tune`` starts no trial
  after ``T``), the comparison at equal time rather than equal trials.

Each is scored on the test part with the task's metric (ROC AUC, log loss, R²):

* ``lightgbm_single``: the LightGBM search's best trial refitted alone (what ``tune`` returns
  without ``ensemble``); wall time = the search up to its last trial + that refit;
* ``lightgbm_ensemble``: the LightGBM search's ensemble (``result.model``, refitted by ``tune``);
* ``mixed_ensemble`` / ``mixed_single``: the ``family="auto"`` search's ensemble, and its best trial
  alone, of whichever family;
* ``equal_ensemble`` / ``equal_single``, ``timed_ensemble`` / ``timed_single``: the same for the
  equal-shares search and the LightGBM search timed like the mixed one.

The ensembles' wall time is the whole ``tune`` call (meta-features, search, selection, refit on the
training part); an untimed one-trial search first fits the knowledge bases' recommenders, which
``tune`` caches per knowledge base, so that no timed search pays for them.
Rows stream into ``OUT/family_runs.csv`` (one row per dataset and method; a failing dataset is a
``failed`` row and the run goes on); a re-run runs only the searches a dataset has no rows of
(the timed one reads the mixed search's time from them; ``--retry-failed`` runs the failed
datasets again). The report, per corpus and split, goes to ``OUT/families.md``: the share
of datasets where the mixed ensemble is at least as good as the LightGBM-only one (ties within
1e-4), W / T / L, the mean normalized gain (0 = the LightGBM-only ensemble, divided by the best
minus the worst of ``lightgbm_single``, ``lightgbm_ensemble`` and ``mixed_ensemble`` on the
dataset; 0 where they are within 1e-4) with a 95% bootstrap interval, and wall-time medians and
median ratios; then the choice's shares against equal shares, and the mixed ensemble against
LightGBM's at equal wall time. Datasets run smallest first
(``--n-jobs`` through joblib), so a run cut short has done the cheap ones.

Usage::

    python scripts/benchmark_families.py --corpus pmlb --split dev --n-datasets 32 \\
        --linear-kb knowledge_base/linear --out docs/results/families_shares
    python scripts/benchmark_families.py --corpus realworld --split final --n-datasets 15 \\
        --out docs/results/families
    python scripts/benchmark_families.py --report-only --out docs/results/families
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
import zlib
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402
from benchmark_tune import fit_score, now, split, wtl_text  # noqa: E402
from benchmark_zeroshot import bootstrap  # noqa: E402
from results import append_rows, run_and_report  # noqa: E402

from metahpo import tuning  # noqa: E402
from metahpo.datasets import Dataset  # noqa: E402
from metahpo.evaluation import METRICS, encode_target, make_estimator, score_predictions  # noqa: E402
from metahpo.knowledge_base import KnowledgeBase, of_families  # noqa: E402
from metahpo.tuning import TuneResult, tune  # noqa: E402

TIE = 1e-4
MAX_ROWS = {"pmlb": 2000, "realworld": 5000}
SEARCHES = {"lightgbm": "lightgbm", "mixed": "auto", "equal": "auto", "timed": "lightgbm"}
"""Each search's name (the prefix of its methods) and the family it tunes; "timed" after "mixed"."""
METHODS = tuple(f"{name}_{kind}" for name in SEARCHES for kind in ("single", "ensemble"))
COLUMNS = ["dataset", "corpus", "split", "task", "n_rows", "metric", "method", "status", "error", "test_score",
           "cv_score", "search_s", "fit_s", "wall_s", "n_members", "linear_weight", "best_family",
           "trials_lightgbm", "trials_linear", "kb_removed", "n_trials", "ensemble"]


def sample(corpus: str, split_name: str, n: int, seed: int) -> pd.DataFrame:
    """A seeded sample of ``corpus``'s ``split_name`` split, one dataset per leave-out group,
    stratified by task (proportional, at least 3 per task), as ``benchmark_tune.py --corpus`` draws."""
    table = corpora.table(corpus)
    table = table[table["split"] == split_name].drop_duplicates("group")
    return pd.concat(g.sample(min(len(g), max(3, round(n * len(g) / len(table)))), random_state=seed)
                     for _, g in table.groupby("task"))


def test_predictions(result: TuneResult, dataset: Dataset, test: np.ndarray) -> np.ndarray:
    """``result``'s predictions for the test rows as :func:`score_predictions` takes them (the model
    ``tune`` refitted on the raw labels; its classes mapped to the full dataset's class codes)."""
    X = dataset.X.iloc[test]
    if dataset.task == "regression":
        return result.predict(X)
    proba = np.zeros((len(test), len(dataset.classes)))
    proba[:, np.searchsorted(dataset.classes, result.model.classes_)] = result.predict_proba(X)
    return proba


def search_seconds(result: TuneResult, started: Any) -> float:
    """Seconds from the ``tune`` call's start to the end of its last trial (every family's)."""
    last = max(t.finished for study in result.studies.values() for t in study.trials if t.finished)
    return (last - started).total_seconds()


def searched(name: str, dataset: Dataset, train: np.ndarray, test: np.ndarray, kbs: list[KnowledgeBase],
             n_trials: int | None, timeout: float | None, k: int, seed: int) -> list[dict[str, Any]]:
    """The search ``name`` (:data:`SEARCHES`), ``tune(..., ensemble=k)`` on the training rows: the
    rows of its ensemble and of its best trial alone, scored on the test rows."""
    train_ds = dataset.take(train)
    y, n_classes = encode_target(dataset)
    metric = METRICS[dataset.task][0]
    floor = 1.0 if name == "equal" else tuning.MIN_FAMILY_SHARE  # every family's floor the whole: equal shares
    started, clock = now(), time.perf_counter()
    with mock.patch.object(tuning, "MIN_FAMILY_SHARE", floor):
        result = tune(train_ds, n_trials=n_trials, timeout=timeout, family=SEARCHES[name], ensemble=k, cv=3,
                      random_state=seed, knowledge_base=kbs, verbose=False)
    elapsed = time.perf_counter() - clock
    search_s = search_seconds(result, started)
    spec = result.ensemble
    families = np.array(spec.member_families)
    trials = result.trials
    counts = trials["family"].value_counts() if "family" in trials else pd.Series({result.family: len(trials)})
    common = {"trials_lightgbm": int(counts.get("lightgbm", 0)), "trials_linear": int(counts.get("linear", 0))}
    ensemble_score = score_predictions(dataset.task, y[test], test_predictions(result, dataset, test), n_classes)[metric]
    single = fit_score(make_estimator(result.best_params, dataset.task, family=result.family, random_state=seed),
                       dataset, train, test)
    return [
        {"method": f"{name}_ensemble", "test_score": ensemble_score, "cv_score": spec.oof_score,
         "search_s": search_s, "fit_s": elapsed - search_s, "wall_s": elapsed, "n_members": len(spec.members),
         "linear_weight": float(np.sum(np.array(spec.weights)[families == "linear"])), **common},
        {"method": f"{name}_single", "test_score": single["test_score"], "cv_score": result.best_score,
         "search_s": search_s, "fit_s": single["fit_s"], "wall_s": search_s + single["fit_s"],
         "best_family": result.family, **common},
    ]


def warm_up(train_ds: Dataset, kbs: list[KnowledgeBase], seed: int) -> None:
    """One untimed search of a trial per family, so that the knowledge bases' recommenders (fitted
    once per knowledge base and cached) are ready before the timed searches: none pays for them."""
    tune(train_ds, n_trials=2, warm_start=1, cv=2, family="auto", random_state=seed, knowledge_base=kbs,
         verbose=False)


def run_one(entry: corpora.Entry, split_name: str, group: frozenset[str], kbs: list[KnowledgeBase], max_rows: int,
            n_trials: int, k: int, seed: int, searches: list[str], mixed_s: float | None) -> list[dict[str, Any]]:
    """The ``searches`` on one dataset, in :data:`SEARCHES`' order, with ``kbs`` (LightGBM's first,
    then the linear family's if any) less the dataset's group; the timed one gets the mixed search's
    seconds (``mixed_s`` if recorded before). Its rows of :data:`COLUMNS` (one ``failed`` row if it broke)."""
    warnings.filterwarnings("ignore")
    base = {"dataset": entry.name, "corpus": entry.corpus, "split": split_name, "task": entry.task,
            "n_trials": n_trials, "ensemble": k}
    try:
        dataset = entry.source.load(max_rows)
        train, test = split(dataset, seed)
        rest = [corpora.leave_out(kb, group) for kb in kbs]
        warm_up(dataset.take(train), rest, seed)
        rows: list[dict[str, Any]] = []
        for name in searches:
            timed = name == "timed"
            if timed:
                mixed_s = next((r["search_s"] for r in rows if r["method"] == "mixed_ensemble"), mixed_s)
            rows += searched(name, dataset, train, test, rest[:1] if SEARCHES[name] == "lightgbm" else rest,
                             None if timed else n_trials, mixed_s if timed else None, k, seed)
    except Exception as exc:  # a broken dataset is recorded and the run goes on
        return [{**base, "method": "all", "status": "failed", "error": f"{type(exc).__name__}: {exc}"[:300]}]
    extra = {"n_rows": dataset.n_rows, "metric": METRICS[dataset.task][0], "status": "ok",
             "kb_removed": sum(len(kb.datasets) - len(r.datasets) for kb, r in zip(kbs, rest))}
    return [{**base, **extra, **row} for row in rows]


def normalized_gain(wide: pd.DataFrame, new: str = "mixed_ensemble", old: str = "lightgbm_ensemble") -> pd.Series:
    """Method ``new`` minus ``old``, divided by the best minus the worst of the LightGBM single best
    and the two on the dataset (0 where those are within :data:`TIE`)."""
    three = wide[list(dict.fromkeys(["lightgbm_single", old, new]))]
    spread = three.max(axis=1) - three.min(axis=1)
    return ((wide[new] - wide[old]) / spread.where(spread > TIE)).fillna(0.0)


def summary_row(title: str, wide: pd.DataFrame, wall: pd.DataFrame) -> str:
    """One line of the report's table: a corpus and split (or all of them)."""
    diff = wide["mixed_ensemble"] - wide["lightgbm_ensemble"]
    gain = normalized_gain(wide)
    lo, hi = bootstrap(gain.to_numpy())
    ens_single = wide["lightgbm_ensemble"] - wide["lightgbm_single"]
    mixed_single = wide["mixed_ensemble"] - wide["lightgbm_single"]
    medians = " / ".join(f"{wall[m].median():.0f}" for m in ("lightgbm_single", "lightgbm_ensemble", "mixed_ensemble"))
    ratio = (wall["mixed_ensemble"] / wall["lightgbm_ensemble"]).median()
    return (f"| {title} | {len(wide)} | {(diff >= -TIE).mean():.0%} | {wtl_text(diff, TIE)} | "
            f"{gain.mean():+.3f} ({lo:+.3f}, {hi:+.3f}) | {wtl_text(mixed_single, TIE)} | {wtl_text(ens_single, TIE)} | "
            f"{medians} | {ratio:.2f} |")


def summarize(runs: pd.DataFrame) -> str:
    """The markdown report: the table per corpus and split, then one row per dataset."""
    ok = runs[runs["status"] == "ok"]
    failed = runs.loc[runs["status"] == "failed", "dataset"].unique()
    key = ["corpus", "split", "dataset"]
    wide = ok.pivot_table(index=key, columns="method", values="test_score").dropna(
        subset=["lightgbm_single", "lightgbm_ensemble", "mixed_ensemble"])
    wall = ok.pivot_table(index=key, columns="method", values="wall_s").reindex(wide.index)
    ens = ok[ok["method"] == "mixed_ensemble"].set_index(key).reindex(wide.index)
    budget = ok[["n_trials", "ensemble"]].drop_duplicates()
    lines = [f"Budget {', '.join(f'{r.n_trials:.0f} trials, ensemble of the best {r.ensemble:.0f}' for r in budget.itertuples())}"
             f" per family; {len(wide)} datasets" + (f"; failed: {', '.join(failed)}" if len(failed) else "") + ".", "",
             "| corpus, split | datasets | mixed >= LightGBM-only ens. | W / T / L | mean normalized gain (95% CI) | "
             "mixed ens. vs single best W / T / L | LightGBM ens. vs single best W / T / L | "
             "median wall s: single / LightGBM ens. / mixed ens. | wall mixed / LightGBM ens. (median) |",
             "|---|---|---|---|---|---|---|---|---|"]
    groups = list(wide.groupby(level=[0, 1]))
    for (corpus, split_name), part in groups:
        lines.append(summary_row(f"{corpus}, {split_name}", part, wall.loc[part.index]))
    if len(groups) > 1:
        lines.append(summary_row("all", wide, wall))
    linear = ens["linear_weight"] > 0
    lines += ["", f"The mixed ensemble holds a linear member on {linear.mean():.0%} of the datasets (mean linear "
              f"weight {ens['linear_weight'].mean():.2f}); the family=\"auto\" search's best trial is linear on "
              f"{(ok.loc[ok['method'] == 'mixed_single', 'best_family'] == 'linear').mean():.0%}. Where it holds "
              "none, it is an ensemble of the LightGBM trials of a search with fewer LightGBM trials, so "
              "the difference there is not the second family's:", ""]
    for holds, part in wide.groupby(linear.to_numpy()):
        diff = part["mixed_ensemble"] - part["lightgbm_ensemble"]
        lines.append(f"- {'with' if holds else 'without'} a linear member: {len(part)} datasets, mixed >= LightGBM-only "
                     f"on {(diff >= -TIE).mean():.0%} (W / T / L {wtl_text(diff, TIE)}), mean normalized gain "
                     f"{normalized_gain(part).mean():+.3f}.")
    lines += single_report(ok, key) + shares_report(ok, key) + timed_report(ok, key)
    lines += ["",
              "| dataset | task | rows | single best | LightGBM ens. | mixed ens. | mixed single | linear weight | "
              "normalized gain | wall s LightGBM ens. / mixed ens. |", "|---|---|---|---|---|---|---|---|---|---|"]
    gain = normalized_gain(wide)
    info = ok.drop_duplicates("dataset").set_index("dataset")
    for idx, r in wide.iterrows():
        name = idx[2]
        lines.append(f"| {name} | {info.loc[name, 'task']} | {info.loc[name, 'n_rows']:.0f} | "
                     f"{r['lightgbm_single']:.4f} | {r['lightgbm_ensemble']:.4f} | {r['mixed_ensemble']:.4f} | "
                     f"{r.get('mixed_single', np.nan):.4f} | {ens.loc[idx, 'linear_weight']:.2f} | {gain[idx]:+.2f} | "
                     f"{wall.loc[idx, 'lightgbm_ensemble']:.0f} / {wall.loc[idx, 'mixed_ensemble']:.0f} |")
    return "\n".join(lines)


def single_report(ok: pd.DataFrame, key: list[str]) -> list[str]:
    """The report's lines on the best trial without an ensemble (what ``tune`` returns by
    default): the ``family="auto"`` search's against the LightGBM search's, at equal trials and
    (where the timed search ran) at equal wall time."""
    wide = ok.pivot_table(index=key, columns="method", values="test_score").dropna(
        subset=["lightgbm_single", "mixed_single"])
    spread = wide.max(axis=1) - wide.min(axis=1)
    lines = ["", "Without an ensemble, the `family=\"auto\"` search's best trial against the LightGBM search's "
             "(normalized: the difference divided by the best minus the worst of every search's result on the "
             "dataset, singles and ensembles):", "",
             "| corpus, split | datasets | auto >= LightGBM | W / T / L | mean normalized gain (95% CI) | "
             "auto >= timed LightGBM | W / T / L | gain at equal time (95% CI) |", "|---|---|---|---|---|---|---|---|"]
    groups = [(f"{c}, {s}", part) for (c, s), part in wide.groupby(level=[0, 1])]
    for title, part in groups + ([("all", wide)] if len(groups) > 1 else []):
        cells = []
        for old in ("lightgbm_single", "timed_single"):
            both = part.dropna(subset=[old]) if old in part else part.iloc[:0]
            if both.empty:
                cells += ["not run", "", ""]
                continue
            diff = both["mixed_single"] - both[old]
            gain = (diff / spread.loc[both.index].where(spread.loc[both.index] > TIE)).fillna(0.0)
            lo, hi = bootstrap(gain.to_numpy())
            cells += [f"{(diff >= -TIE).mean():.0%}", wtl_text(diff, TIE), f"{gain.mean():+.3f} ({lo:+.3f}, {hi:+.3f})"]
        lines.append(f"| {title} | {len(part)} | {' | '.join(cells)} |")
    return lines


def shares_report(ok: pd.DataFrame, key: list[str]) -> list[str]:
    """The report's lines on the choice's shares against equal shares, on the datasets where both
    searches ran (none if no equal-shares search ran)."""
    wide = ok.pivot_table(index=key, columns="method", values="test_score")
    both = ["lightgbm_single", "mixed_ensemble", "mixed_single", "equal_ensemble", "equal_single"]
    if not set(both) <= set(wide.columns):
        return []
    wide = wide.dropna(subset=both)
    linear = ok.pivot_table(index=key, columns="method", values="trials_linear").reindex(wide.index)
    lines = ["", "The trials shared by the family choice (`tune`'s shares) against shared equally, on the "
             f"{len(wide)} datasets where both searches ran (normalized: 0 = equal shares' ensemble, divided "
             "by the best minus the worst of the LightGBM single best and the two ensembles):", "",
             "| corpus, split | datasets | ensemble: choice >= equal | W / T / L | mean normalized difference (95% CI) | "
             "single best: choice >= equal | W / T / L | linear trials: choice / equal (mean) |",
             "|---|---|---|---|---|---|---|---|"]
    groups = [(f"{c}, {s}", part) for (c, s), part in wide.groupby(level=[0, 1])]
    for title, part in groups + ([("all", wide)] if len(groups) > 1 else []):
        ens = part["mixed_ensemble"] - part["equal_ensemble"]
        single = part["mixed_single"] - part["equal_single"]
        gain = normalized_gain(part, "mixed_ensemble", "equal_ensemble")
        lo, hi = bootstrap(gain.to_numpy())
        trials = linear.loc[part.index]
        lines.append(f"| {title} | {len(part)} | {(ens >= -TIE).mean():.0%} | {wtl_text(ens, TIE)} | "
                     f"{gain.mean():+.3f} ({lo:+.3f}, {hi:+.3f}) | {(single >= -TIE).mean():.0%} | "
                     f"{wtl_text(single, TIE)} | {trials['mixed_ensemble'].mean():.1f} / "
                     f"{trials['equal_ensemble'].mean():.1f} |")
    return lines


def timed_report(ok: pd.DataFrame, key: list[str]) -> list[str]:
    """The report's lines on the mixed ensemble against LightGBM's given the mixed search's wall
    time, on the datasets where both ran (none if no timed search ran)."""
    wide = ok.pivot_table(index=key, columns="method", values="test_score")
    both = ["lightgbm_single", "mixed_ensemble", "timed_ensemble"]
    if not set(both) <= set(wide.columns):
        return []
    wide = wide.dropna(subset=both)
    wall = ok.pivot_table(index=key, columns="method", values="wall_s").reindex(wide.index)
    trials = ok[ok["method"] == "timed_ensemble"].set_index(key)["trials_lightgbm"].reindex(wide.index)
    lines = ["", "The mixed ensemble against LightGBM's ensemble given the same wall time (the LightGBM search "
             "runs trials until the mixed search's time to its last trial has passed; normalized: 0 = the timed "
             "LightGBM ensemble, divided by the best minus the worst of the LightGBM single best and the two "
             f"ensembles), on the {len(wide)} datasets where both ran:", "",
             "| corpus, split | datasets | mixed >= timed LightGBM ens. | W / T / L | mean normalized gain (95% CI) | "
             "LightGBM trials in that time (median) | wall timed / mixed (median) |", "|---|---|---|---|---|---|---|"]
    groups = [(f"{c}, {s}", part) for (c, s), part in wide.groupby(level=[0, 1])]
    for title, part in groups + ([("all", wide)] if len(groups) > 1 else []):
        diff = part["mixed_ensemble"] - part["timed_ensemble"]
        gain = normalized_gain(part, "mixed_ensemble", "timed_ensemble")
        lo, hi = bootstrap(gain.to_numpy())
        ratio = (wall.loc[part.index, "timed_ensemble"] / wall.loc[part.index, "mixed_ensemble"]).median()
        lines.append(f"| {title} | {len(part)} | {(diff >= -TIE).mean():.0%} | {wtl_text(diff, TIE)} | "
                     f"{gain.mean():+.3f} ({lo:+.3f}, {hi:+.3f}) | {trials.loc[part.index].median():.0f} | "
                     f"{ratio:.2f} |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", default="knowledge_base", help="the LightGBM knowledge base")
    parser.add_argument("--linear-kb", default=None,
                        help="the linear family's knowledge base (default: the shipped one, if one ships)")
    parser.add_argument("--searches", default=",".join(SEARCHES),
                        help=f"the searches to run, comma-separated (default {','.join(SEARCHES)}; timed needs mixed)")
    parser.add_argument("--corpus", default="pmlb", choices=sorted(MAX_ROWS))
    parser.add_argument("--split", default="final", choices=("dev", "final"))
    parser.add_argument("--n-datasets", type=int, default=10)
    parser.add_argument("--n-trials", type=int, default=20)
    parser.add_argument("--ensemble", type=int, default=5)
    parser.add_argument("--max-rows", type=int, default=None, help="row cap (default: PMLB 2000, real-world 5000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--retry-failed", action="store_true", help="run the datasets recorded as failed again")
    parser.add_argument("--report-only", action="store_true", help="run nothing: rewrite the report from OUT")
    parser.add_argument("--out", default="docs/results/families")
    args = parser.parse_args()
    run_and_report(Path(args.out), "family_runs.csv", "families.md", lambda path: run(args, path), summarize,
                   report_only=args.report_only)


def run(args: argparse.Namespace, path: Path) -> None:
    """Run the searches of the sampled datasets not yet recorded in ``path``, appending their rows
    as each dataset ends."""
    from joblib import Parallel, delayed

    runs = pd.read_csv(path) if path.exists() else pd.DataFrame(columns=COLUMNS)
    if args.retry_failed:
        runs = runs[runs["status"] != "failed"]
        runs.to_csv(path, index=False)
    searches = [name for name in SEARCHES if name in args.searches.split(",")]
    if "timed" in searches and "mixed" not in searches:
        sys.exit("--searches: the timed search needs the mixed one (its time budget)")
    recorded = runs[runs["corpus"] == args.corpus]
    broken = set(recorded.loc[recorded["status"] == "failed", "dataset"])
    mixed_s = recorded[recorded["method"] == "mixed_ensemble"].set_index("dataset")["search_s"].to_dict()
    done = {name: set(recorded.loc[recorded["method"] == f"{name}_ensemble", "dataset"]) for name in searches}

    def missing(dataset: str) -> list[str]:
        return [] if dataset in broken else [name for name in searches if dataset not in done[name]]

    kbs = [KnowledgeBase.load(args.kb)]
    kbs += [KnowledgeBase.load(args.linear_kb)] if args.linear_kb else list(of_families(None, ["linear"]).values())
    max_rows = args.max_rows or MAX_ROWS[args.corpus]
    entries = {e.name: e for e in corpora.entries(args.corpus)}
    group_of = corpora.groups(args.corpus, list(entries))
    todo = sorted((entries[n] for n in sample(args.corpus, args.split, args.n_datasets, args.seed)["name"]
                   if missing(n)), key=lambda e: min(e.n_rows, max_rows))
    print(f"families benchmark: {len(todo)} datasets to run, knowledge bases of "
          f"{' and '.join(kb.family for kb in kbs)}", file=sys.stderr, flush=True)
    jobs = (delayed(run_one)(e, args.split, group_of[e.name], kbs, max_rows, args.n_trials, args.ensemble,
                             args.seed + zlib.crc32(e.name.encode()) % 10_000, missing(e.name), mixed_s.get(e.name))
            for e in todo)
    for i, rows in enumerate(Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs), 1):
        append_rows(path, rows, COLUMNS)
        print(f"families benchmark: {i}/{len(todo)} {rows[0]['dataset']} {rows[0]['status']}", file=sys.stderr,
              flush=True)


if __name__ == "__main__":
    main()

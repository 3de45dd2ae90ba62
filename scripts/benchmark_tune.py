"""Benchmark tune() against the rivals on datasets left out of the knowledge base.

For each sampled dataset (seeded, stratified by task), the dataset and its near-duplicate group
are removed from the knowledge base, the data (capped rows) is split 75/25, and every method
searches on the training part (3-fold CV, the same folds for all) and is scored on the held-out
part after refitting its best configuration:

* ``lightgbm_default``: LightGBM's defaults, no search;
* ``flaml_zeroshot``: FLAML's zero-shot LightGBM (``flaml.default``), no search;
* ``random``: cold-start random search (seed varied per dataset);
* ``optuna_tpe``: Optuna's TPE from a cold start over the same space (its first 10 trials are
  random: ``n_startup_trials`` is left at Optuna's default, as users run it);
* ``metahpo``: 5 recommendations, then Bayesian search with the KB surrogate as prior mean;
* ``metahpo_ensemble``: the same search at 10 trials, final model a greedy ensemble of the best 5.

Searches run once to the largest budget; the score at budget N refits the best of the first N
trials. Results stream into ``OUT/tune_runs.csv`` (one row per dataset, method and budget) and a
re-run skips datasets already done, so a killed benchmark resumes.

Usage::

    python scripts/benchmark_tune.py --kb knowledge_base --pmlb ../shared/datasets/pmlb \\
        --n-datasets 40 --out docs/results
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmark_recommend import groups  # noqa: E402

from metahpo.build import Source  # noqa: E402
from metahpo.datasets import Dataset  # noqa: E402
from metahpo.ensemble import build as ensemble_build  # noqa: E402
from metahpo.ensemble import final_params  # noqa: E402
from metahpo.evaluation import evaluate, evaluate_estimator, make_estimator, make_folds  # noqa: E402
from metahpo.knowledge_base import KnowledgeBase  # noqa: E402
from metahpo.search import Trial  # noqa: E402
from metahpo.spaces import LIGHTGBM  # noqa: E402
from metahpo.tune import tune  # noqa: E402

BUDGETS = (1, 5, 10, 20, 50)


def split(dataset: Dataset, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    stratify = dataset.y if dataset.is_classification and dataset.y.value_counts().min() >= 2 else None
    return train_test_split(np.arange(dataset.n_rows), test_size=0.25, random_state=seed, stratify=stratify)


def subset(dataset: Dataset, rows: np.ndarray) -> Dataset:
    from dataclasses import replace

    return replace(dataset, X=dataset.X.iloc[rows].reset_index(drop=True), y=dataset.y.iloc[rows].reset_index(drop=True))


def test_score(estimator, dataset: Dataset, train: np.ndarray, test: np.ndarray) -> float:
    """Fit on the training rows, score the test rows with the task's default metric."""
    return evaluate_estimator(estimator, dataset, folds=[(train, test)]).score


def prefix_rows(trials: list[Trial], method: str, dataset: Dataset, train, test, extra_s: float = 0.0) -> list[dict]:
    """Test score of the best of the first N trials, for every budget N."""
    rows = []
    for n in BUDGETS:
        first = trials[:n]
        ok = [t for t in first if t.ok]
        if len(first) < n or not ok:
            continue
        best = max(ok, key=lambda t: t.score)
        search_s = extra_s + sum((t.finished - t.started).total_seconds() for t in first if t.started and t.finished)
        model = make_estimator(final_params(best), dataset.task)
        rows.append({"method": method, "budget": n, "cv_score": best.score,
                     "test_score": test_score(model, dataset, train, test), "search_s": search_s})
    return rows


def optuna_trials(train_ds: Dataset, folds, n_trials: int, seed: int) -> list[Trial]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    recorded: list[Trial] = []

    def objective(otrial) -> float:
        config = {p.name: (otrial.suggest_int if p.integer else otrial.suggest_float)(p.name, p.low, p.high, log=p.log)
                  for p in LIGHTGBM.params}
        started = pd.Timestamp.now(tz="UTC").to_pydatetime()
        ev = evaluate(config, train_ds, folds=folds)
        trial = Trial(len(recorded), config, "tpe", score=ev.score if ev.ok else float("nan"),
                      status=ev.status, best_iteration=ev.best_iteration, started=started,
                      finished=pd.Timestamp.now(tz="UTC").to_pydatetime())
        recorded.append(trial)
        return ev.score if ev.ok else float("-inf")

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=n_trials)
    return recorded


def run_dataset(source: Source, kb: KnowledgeBase, leave_out: set[str], max_rows: int, seed: int) -> list[dict]:
    warnings.filterwarnings("ignore")
    import lightgbm

    dataset = source.load(max_rows)
    train, test = split(dataset, seed)
    train_ds = subset(dataset, train)
    folds = make_folds(train_ds, 3, random_state=seed)
    rest = kb.without(leave_out)
    regression = dataset.task == "regression"
    rows = []
    default = (lightgbm.LGBMRegressor if regression else lightgbm.LGBMClassifier)(verbosity=-1)
    rows.append({"method": "lightgbm_default", "budget": 0, "test_score": test_score(default, dataset, train, test),
                 "search_s": 0.0})
    try:
        from flaml import default as flaml_default

        flaml_model = (flaml_default.LGBMRegressor if regression else flaml_default.LGBMClassifier)(verbosity=-1)
        rows.append({"method": "flaml_zeroshot", "budget": 0,
                     "test_score": test_score(flaml_model, dataset, train, test), "search_s": 0.0})
    except ImportError:
        pass
    random_run = tune(train_ds, n_trials=max(BUDGETS), strategy=None, cv=3, random_state=seed)
    rows += prefix_rows(random_run.study.trials, "random", dataset, train, test)
    rows += prefix_rows(optuna_trials(train_ds, folds, max(BUDGETS), seed), "optuna_tpe", dataset, train, test)
    start = time.perf_counter()
    ours = tune(train_ds, n_trials=max(BUDGETS), strategy="bayes", warm_start=5, cv=3, random_state=seed,
                knowledge_base=rest)
    trial_s = sum((t.finished - t.started).total_seconds() for t in ours.study.trials)
    overhead_s = max(0.0, time.perf_counter() - start - trial_s)  # meta-features, recommendation, sampler, refit
    rows += prefix_rows(ours.study.trials, "metahpo", dataset, train, test, extra_s=overhead_s)
    rows.append({"method": "metahpo_overhead_per_trial", "budget": max(BUDGETS),
                 "search_s": overhead_s / max(BUDGETS), "test_score": float("nan")})
    ens = tune(train_ds, n_trials=10, strategy="bayes", warm_start=5, cv=3, random_state=seed, knowledge_base=rest,
               ensemble=5)
    rows.append({"method": "metahpo_ensemble", "budget": 10, "cv_score": ens.ensemble.oof_score,
                 "test_score": test_score(ensemble_build(ens.ensemble, dataset.task), dataset, train, test),
                 "search_s": ens.elapsed})
    return [{"dataset_id": source.dataset_id, "task": dataset.task, **r} for r in rows]


def sample_datasets(kb: KnowledgeBase, n: int, seed: int) -> pd.DataFrame:
    """A seeded sample stratified by task (proportional, at least 5 per task)."""
    per_task = kb.datasets.groupby("task")
    shares = per_task.size() / len(kb.datasets)
    picks = [g.sample(min(len(g), max(5, round(n * shares[t]))), random_state=seed) for t, g in per_task]
    return pd.concat(picks)


def summarize(runs: pd.DataFrame) -> str:
    """Normalized test score (0 = worst method on the dataset, 1 = best), mean rank, W/T/L vs metahpo@10."""
    scored = runs[runs["method"] != "metahpo_overhead_per_trial"].copy()
    scored["entry"] = scored["method"] + np.where(scored["budget"] > 0, "@" + scored["budget"].astype(str), "")
    wide = scored.pivot_table(index="dataset_id", columns="entry", values="test_score")
    lo, hi = wide.min(axis=1), wide.max(axis=1)
    norm = wide.sub(lo, axis=0).div((hi - lo).replace(0, np.nan), axis=0).fillna(1.0)
    ranks = wide.rank(axis=1, ascending=False)
    times = scored.pivot_table(index="dataset_id", columns="entry", values="search_s")
    lines = ["| method | mean normalized test score | median | mean rank | median search s | metahpo@10 W / T / L |",
             "|---|---|---|---|---|---|"]
    for entry in norm.mean().sort_values(ascending=False).index:
        d = (wide["metahpo@10"] - wide[entry]).dropna() if "metahpo@10" in wide else pd.Series(dtype=float)
        tol = 1e-4
        wtl = "—" if entry == "metahpo@10" else f"{(d > tol).sum()} / {(d.abs() <= tol).sum()} / {(d < -tol).sum()}"
        lines.append(f"| {entry} | {norm[entry].mean():.3f} | {norm[entry].median():.3f} | {ranks[entry].mean():.2f} | "
                     f"{times[entry].median():.1f} | {wtl} |")
    overhead = runs.loc[runs["method"] == "metahpo_overhead_per_trial", "search_s"]
    lines.append(f"\nmetahpo's own overhead per trial (meta-features, recommendation, sampler, refit), "
                 f"median over datasets: {overhead.median() * 1000:.0f} ms")
    if {"metahpo@10", "metahpo_ensemble@10"} <= set(wide.columns):
        d = (wide["metahpo_ensemble@10"] - wide["metahpo@10"]).dropna()
        lines.append(f"Ensemble vs single best at 10 trials (test): at least as good on {(d >= -1e-4).mean():.0%} "
                     f"of {len(d)} datasets, mean normalized gain "
                     f"{(norm['metahpo_ensemble@10'] - norm['metahpo@10']).mean():+.3f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", default="knowledge_base")
    parser.add_argument("--pmlb", default="../shared/datasets/pmlb")
    parser.add_argument("--n-datasets", type=int, default=40)
    parser.add_argument("--max-rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", default="docs/results")
    args = parser.parse_args()
    from joblib import Parallel, delayed

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "tune_runs.csv"
    kb = KnowledgeBase.load(args.kb)
    group_of = groups(kb.datasets["dataset_id"].tolist(), Path(args.pmlb) / "twins.csv")
    done = set(pd.read_csv(path)["dataset_id"]) if path.exists() else set()
    todo = [r for r in sample_datasets(kb, args.n_datasets, args.seed).itertuples() if r.dataset_id not in done]
    jobs = (delayed(run_dataset)(Source(r.dataset_id, r.source), kb, group_of[r.dataset_id], args.max_rows,
                                 args.seed + zlib.crc32(r.dataset_id.encode()) % 10_000) for r in todo)
    for i, rows in enumerate(Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs), 1):
        pd.DataFrame(rows).to_csv(path, mode="a", header=not path.exists(), index=False)
        print(f"tune benchmark: {i}/{len(todo)} {rows[0]['dataset_id']}", file=sys.stderr, flush=True)
    text = summarize(pd.read_csv(path))
    (out / "tune_benchmark.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

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
* ``autogluon_portfolio``: AutoGluon's zero-shot LightGBM portfolio (its 16 GBM configurations of
  ``hyperparameter_portfolio_zeroshot_2023``, learned with TabRepo), tried in its order;
* ``metahpo``: tune's warm start of recommendations (``WARM_START``, 5), then Bayesian search with the
  KB surrogate as prior mean;
* ``metahpo_pruned``: the same with ``prune=True``, a trial stopped after a fold once below the best;
* ``metahpo_local``, ``metahpo_evolution``, ``metahpo_random``: the same recommendations, then
  another of ``tune``'s samplers (Gaussian perturbations of the best, an evolution strategy,
  uniform random draws);
* ``metahpo_per_second``: the same search with the Gaussian process choosing by expected
  improvement per second of predicted cost (``BayesSampler(cost_exponent=1)``);
* ``metahpo_ensemble``: the same search at 10 trials, final model a greedy ensemble of the best 5,
  compared on test data with the single best of that same search, fit and predict times included;
* ``metahpo_auto``: ``tune`` as users call it, ``family="auto"``: the trials shared between LightGBM
  and the linear family (``--linear-kb``, also without the dataset's group), one family's search after
  the other, the best trial of either refitted as ``TuneResult.best_params`` rebuild it. Scored at its
  largest budget alone: its first N trials are LightGBM's, not what a search of N trials would run.

Searches run once to the largest budget; the score at budget N refits the best of the first N
trials, and its wall time runs from the search's start to the end of trial N. Before the searches
of a dataset, the leave-out knowledge base's surrogate is fitted once into metahpo's on-disk cache
(a temporary one of the benchmark's own, empty at its start; the time reported apart), so that
every metahpo search starts as a user's does after the first call with a knowledge base; each search gets a knowledge-base object of its own, so nothing fitted
in memory by an earlier search is reused. Results stream into
``OUT/tune_runs.csv`` (one row per dataset, method and budget) and a re-run skips the methods a
dataset already has, so a killed benchmark resumes; ``--redo metahpo,metahpo_ensemble`` drops
those methods' rows and runs them again (say, after a change to metahpo), keeping the rivals'.
The report goes to ``OUT/tune_benchmark.md`` and the plot to ``OUT/tune_benchmark.png``;
``--pooled DIR,DIR,...`` runs nothing and reports the samples of those folders as one. ``--ours
metahpo_auto`` makes the report's reference (``metahpo@10`` by default) another method's rows.

``--corpus realworld --split final`` samples one dataset per leave-out group of a corpus split
(``corpora.py``) instead, and ``--max-trials metahpo=10,random=30,optuna_tpe=50`` caps each method's
search at the budgets the comparison needs.

Usage, sampling the knowledge base's PMLB datasets of the dev split (the second and third commands
draw other 40 datasets, none of them or their twins or synthetic family in an earlier sample; each is
run against the knowledge base without its group: its twins, its family, what ``corpora.removed_with``
adds, and every larger version). The folders docs/results, seed1 and seed2 were drawn before Session 47
from both splits (``--split any``; 9, 7 and 7 final datasets), with groups of PMLB's own::

    python scripts/benchmark_tune.py --kb knowledge_base --n-datasets 40 --out docs/results
    python scripts/benchmark_tune.py --kb knowledge_base --n-datasets 40 --seed 1 --exclude-seed 0 \\
        --out docs/results/seed1
    python scripts/benchmark_tune.py --kb knowledge_base --n-datasets 40 --seed 2 --exclude-seed 0,1 \\
        --out docs/results/seed2
    python scripts/benchmark_tune.py --pooled docs/results,docs/results/seed1,docs/results/seed2 \\
        --out docs/results/pooled
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import tempfile
import time
import warnings
import zlib
from collections.abc import Collection, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402
from results import append_rows, commits_note, from_defaults, normalized, stamped  # noqa: E402

from metahpo.build import Source  # noqa: E402
from metahpo.datasets import Dataset  # noqa: E402
from metahpo.ensemble import build as ensemble_build  # noqa: E402
from metahpo.ensemble import final_params  # noqa: E402
from metahpo.families import get_family  # noqa: E402
from metahpo.evaluation import (  # noqa: E402
    default_metric,
    encode_target,
    evaluate,
    make_estimator,
    make_folds,
    predict_aligned,
    score_predictions,
)
from metahpo.knowledge_base import KnowledgeBase, base_id  # noqa: E402
from metahpo.recommendations import WARM_START, get_recommender  # noqa: E402
from metahpo.search import BayesSampler, Trial  # noqa: E402
from metahpo.spaces import LIGHTGBM, Param, SearchSpace  # noqa: E402
from metahpo.tuning import refit_growth, tune  # noqa: E402

BUDGETS = (1, 5, 10, 20, 50)

AUTOGLUON_SPACE = dataclasses.replace(LIGHTGBM, version=f"{LIGHTGBM.version}+extra_trees",
                                      params=(*LIGHTGBM.params, Param("extra_trees", choices=("false", "true"))))
"""metahpo's LightGBM space with ``extra_trees``, which AutoGluon's portfolio sets."""


def _autogluon(extra_trees: bool, learning_rate: float = 0.05, num_leaves: int = 31, feature_fraction: float = 1.0,
               min_data_in_leaf: int = 20) -> dict:
    """One configuration of AutoGluon's LightGBM portfolio in the space's terms; the defaults are
    AutoGluon's (learning rate 0.05) and LightGBM's, and what AutoGluon leaves at LightGBM's own
    default (bagging, regularization) stays there."""
    return {"learning_rate": learning_rate, "num_leaves": num_leaves, "colsample_bytree": feature_fraction,
            "min_child_samples": min_data_in_leaf, "subsample": 1.0, "reg_alpha": 0.0, "reg_lambda": 0.0,
            "min_split_gain": 0.0, "extra_trees": "true" if extra_trees else "false"}


AUTOGLUON_GBM = [
    _autogluon(True),
    _autogluon(False),
    _autogluon(False, 0.03, 128, 0.9, 3),
    _autogluon(False, 0.012144796373999013, 53, 0.7023601671276614, 14),
    _autogluon(True, 0.01518660230385841, 16, 0.5636931414546802, 48),
    _autogluon(True, 0.033929021353492905, 127, 0.8282601210460099, 6),
    _autogluon(False, 0.04711573688184715, 89, 0.6245777099925497, 56),
    _autogluon(False, 0.010464516487486093, 252, 0.5898927512279213, 11),
    _autogluon(True, 0.00529479887023554, 133, 0.5143401489640409, 6),
    _autogluon(False, 0.018603888565740096, 22, 0.7421180622507277, 6),
    _autogluon(False, 0.01343464462043561, 178, 0.9408897917880529, 21),
    _autogluon(True, 0.04034449862560467, 16, 0.4341088458599442, 33),
    _autogluon(True, 0.010534290864227067, 111, 0.9773131270704629, 21),
    _autogluon(False, 0.031251656439648626, 210, 0.8254432681390782, 50),
    _autogluon(False, 0.010305352949119608, 215, 0.5730390983988963, 10),
    _autogluon(True, 0.07856777698860955, 198, 0.4601361323873807, 12),
]
"""AutoGluon's zero-shot LightGBM portfolio, in its order: the "GBM" list of
``autogluon.tabular.configs.zeroshot.zeroshot_portfolio_2023`` (AutoGluon 1.x), which its
``best_quality`` presets train. Here each is one trial of the same protocol as every other method
(3-fold CV, early stopping by metahpo's patience rule, at most 1,000 rounds where AutoGluon allows
10,000 on its own hold-out), so the comparison is of the configurations and their order."""


def split(dataset: Dataset, seed: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.model_selection import train_test_split

    stratify = dataset.y if dataset.is_classification and dataset.y.value_counts().min() >= 2 else None
    return train_test_split(np.arange(dataset.n_rows), test_size=0.25, random_state=seed, stratify=stratify)


def fit_score(estimator, dataset: Dataset, train: np.ndarray, test: np.ndarray) -> dict[str, float]:
    """Fit on the training rows and score the test rows (the task's default metric), timing both."""
    from sklearn.base import clone

    y, n_classes = encode_target(dataset)
    start = time.perf_counter()
    model = clone(estimator).fit(dataset.X.iloc[train], y[train])
    fitted = time.perf_counter()
    pred = predict_aligned(model, dataset.X.iloc[test], n_classes)
    predicted = time.perf_counter()
    score = score_predictions(dataset.task, y[test], pred, n_classes)[default_metric(dataset.task)]
    return {"test_score": score, "fit_s": fitted - start, "predict_s": predicted - fitted}


def now() -> datetime:
    return datetime.now(timezone.utc)


def prefix_rows(trials: list[Trial], method: str, dataset: Dataset, train, test, started: datetime,
                budgets: tuple[int, ...], growth: float, space: SearchSpace = LIGHTGBM,
                random_state: int = 0) -> list[dict]:
    """Test score of the best of the first N trials, for every budget N, refitted as ``tune``
    refits (its rounds times ``growth``, :func:`~metahpo.tuning.refit_growth`; seeded with
    ``random_state``, the seed the trials trained with: ``tune``'s, so that the last budget's refit
    is the model ``tune`` returns), and the wall time from the search's start to the end of trial N
    (setup and the optimizer's own work included). ``space`` is the trials' configurations' space."""
    rows = []
    for n in budgets:
        first = trials[:n]
        ok = [t for t in first if t.ok]
        if len(first) < n or not ok:
            continue
        best = max(ok, key=lambda t: t.score)
        model = make_estimator(final_params(best, random_state, space=space, growth=growth), dataset.task, space=space)
        rows.append({"method": method, "budget": n, "cv_score": best.score,
                     "search_s": (first[-1].finished - started).total_seconds(), **trial_record(first),
                     **fit_score(model, dataset, train, test)})
    return rows


def trial_record(trials: Sequence[Trial]) -> dict[str, Any]:
    """What a row keeps of its trials, so that two runs' rows can be told apart trial by trial:
    how many did not end ``ok``, and each one's CV score in order (its status where it has none)."""
    return {"failed_trials": sum(not t.ok for t in trials),
            "trial_scores": " ".join(f"{t.score:.6f}" if t.ok else t.status for t in trials)}


def run_trial(config: dict, source: str, train_ds: Dataset, folds, recorded: list[Trial],
              space: SearchSpace = LIGHTGBM) -> Trial:
    """Evaluate one configuration with the shared folds and record it as the next trial."""
    started = now()
    ev = evaluate(config, train_ds, folds=folds, space=space)
    trial = Trial(len(recorded), config, source, score=ev.score if ev.ok else float("nan"),
                  status=ev.status, best_iteration=ev.best_iteration, started=started, finished=now())
    recorded.append(trial)
    return trial


def autogluon_trials(train_ds: Dataset, folds, n_trials: int) -> list[Trial]:
    """The first ``n_trials`` configurations of AutoGluon's portfolio, in its order."""
    recorded: list[Trial] = []
    for config in AUTOGLUON_GBM[:n_trials]:
        run_trial(config, "autogluon", train_ds, folds, recorded, space=AUTOGLUON_SPACE)
    return recorded


def optuna_trials(train_ds: Dataset, folds, n_trials: int, seed: int) -> list[Trial]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    recorded: list[Trial] = []

    def objective(otrial) -> float:
        config = {p.name: (otrial.suggest_int if p.integer else otrial.suggest_float)(p.name, p.low, p.high, log=p.log)
                  for p in LIGHTGBM.params}
        trial = run_trial(config, "tpe", train_ds, folds, recorded)
        return trial.score if trial.ok else float("-inf")

    study = optuna.create_study(direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=n_trials)
    return recorded


def gaps_between_trials(trials: list[Trial]) -> list[float]:
    """Seconds from one trial's end to the next one's start: the optimizer's own work per trial
    (asking the sampler, bookkeeping), as a sequential search spends it."""
    return [(b.started - a.finished).total_seconds() for a, b in zip(trials, trials[1:]) if a.finished and b.started]


SAMPLER_METHODS = {"metahpo": "bayes", "metahpo_pruned": "bayes", "metahpo_per_second": "bayes",
                    "metahpo_local": "local", "metahpo_evolution": "evolution", "metahpo_random": "random"}
"""The warm-started searches, and the sampler each runs after the recommendations."""
METHODS = ("lightgbm_default", "flaml_zeroshot", "random", "optuna_tpe", "autogluon_portfolio", *SAMPLER_METHODS,
           "metahpo_ensemble", "metahpo_auto")
KB_METHODS = (*SAMPLER_METHODS, "metahpo_ensemble", "metahpo_auto")
COLUMNS = ["dataset_id", "task", "method", "budget", "cv_score", "test_score", "search_s", "fit_s", "predict_s",
           "setup_s", "per_trial_s", "n_members", "single_test_score", "single_fit_s", "single_predict_s", "cache_fill_s",
           "commit", "best_family", "trials_linear", "failed_trials", "trial_scores"]


def run_dataset(source: Source, kb: KnowledgeBase, leave_out: set[str], max_rows: int, seed: int,
                budgets: tuple[int, ...], methods: Sequence[str], caps: dict[str, int] | None = None,
                linear_kb: KnowledgeBase | None = None) -> list[dict]:
    """Every method of ``methods`` on one dataset; rows of :data:`COLUMNS`. ``caps`` limits a
    method's trials (its budgets above the cap are not run); ``linear_kb`` is the linear family's
    knowledge base, which ``metahpo_auto`` needs (both without ``leave_out``)."""
    warnings.filterwarnings("ignore")
    all_budgets = budgets
    try:
        dataset = source.load(max_rows)
        train, test = split(dataset, seed)
        train_ds = dataset.take(train)
        folds = make_folds(train_ds, 3, random_state=seed)
    except Exception as exc:  # recorded on stderr: the benchmark goes on, and a re-run retries it
        print(f"tune benchmark: {source.dataset_id} failed before any method: {type(exc).__name__}: {exc}"[:400],
              file=sys.stderr, flush=True)
        return []
    rows = []
    cache_fill_s = fill_cache(kb.without(leave_out), train_ds.task) if any(m in KB_METHODS for m in methods) else None
    linear_fill_s = (fill_cache(linear_kb.without(leave_out), train_ds.task)
                     if "metahpo_auto" in methods and linear_kb is not None else 0.0)
    for method in methods:
        try:
            # knowledge base objects of its own: what the last search fitted in memory is not reused
            rest = [kb.without(leave_out), *([linear_kb.without(leave_out)] if method == "metahpo_auto" else [])]
            rows += run_method(method, dataset, train, test, train_ds, folds, rest, seed, all_budgets, caps)
        except Exception as exc:  # recorded on stderr; the benchmark goes on, and a re-run retries it
            print(f"tune benchmark: {source.dataset_id} {method} failed: {type(exc).__name__}: {exc}"[:400],
                  file=sys.stderr, flush=True)
    for row in rows:  # a user's first call fits the surrogates its search reads
        if row["method"].endswith("_overhead"):
            row["cache_fill_s"] = cache_fill_s + (linear_fill_s if row["method"] == "metahpo_auto_overhead" else 0.0)
    return [{"dataset_id": source.dataset_id, "task": dataset.task, **r} for r in rows]


def fill_cache(rest: KnowledgeBase, task: str) -> float:
    """Fit the leave-out knowledge base's surrogate once, into metahpo's on-disk cache, before any
    search is timed: every search then starts as a user's does after the first call with a given
    knowledge base (the trees read from the cache, the rest fitted in the search's own time).
    Returns the seconds this one-time fit took."""
    start = time.perf_counter()
    get_recommender(rest, task, "surrogate", default_metric(task))
    return time.perf_counter() - start


def run_method(method: str, dataset: Dataset, train: np.ndarray, test: np.ndarray, train_ds: Dataset, folds,
               kbs: list[KnowledgeBase], seed: int, all_budgets: tuple[int, ...],
               caps: dict[str, int] | None) -> list[dict]:
    """One method's rows on one dataset; ``kbs``: the LightGBM knowledge base without the dataset's
    group, and for ``metahpo_auto`` the linear family's after it."""
    rest = kbs[0]
    rows = []
    started = now()
    growth = refit_growth(train_ds.n_rows, folds, dataset.task)
    budgets_of = tuple(b for b in all_budgets if b <= (caps or {}).get(method, max(all_budgets)))
    budgets = budgets_of or all_budgets[:1]
    if method in ("lightgbm_default", "flaml_zeroshot"):
        rows.append({"method": method, "budget": 0, "search_s": 0.0,
                     **fit_score(rival_model(method, dataset.task), dataset, train, test)})
    elif method == "random":
        run = tune(train_ds, n_trials=max(budgets), family="lightgbm", sampler=None, cv=3, prune=False,
                   random_state=seed)
        rows += prefix_rows(run.study.trials, method, dataset, train, test, started, budgets, growth, random_state=seed)
    elif method == "optuna_tpe":
        trials = optuna_trials(train_ds, folds, max(budgets), seed)
        rows += prefix_rows(trials, method, dataset, train, test, started, budgets, growth)
    elif method == "autogluon_portfolio":
        trials = autogluon_trials(train_ds, folds, min(max(budgets), len(AUTOGLUON_GBM)))
        rows += prefix_rows(trials, method, dataset, train, test, started, budgets, growth, space=AUTOGLUON_SPACE)
    elif method in SAMPLER_METHODS:
        sampler = (BayesSampler(cost_exponent=1, random_state=seed) if method == "metahpo_per_second"
                   else SAMPLER_METHODS[method])
        run = tune(train_ds, n_trials=max(budgets), family="lightgbm", sampler=sampler, warm_start=WARM_START,
                   cv=3, prune=method == "metahpo_pruned", random_state=seed, knowledge_base=rest, verbose=False)
        trials = run.study.trials
        rows += prefix_rows(trials, method, dataset, train, test, started, budgets, growth, random_state=seed)
        rows.append({"method": f"{method}_overhead", "budget": max(budgets),
                     "setup_s": (trials[0].started - started).total_seconds(),
                     "per_trial_s": float(np.median(gaps_between_trials(trials)))})
    elif method == "metahpo_auto":
        if len(kbs) < 2:
            raise ValueError("metahpo_auto needs the linear family's knowledge base (--linear-kb)")
        run = tune(train_ds, n_trials=max(budgets), family="auto", sampler="bayes", warm_start=WARM_START, cv=3,
                   random_state=seed, knowledge_base=kbs, verbose=False)
        trials = [t for study in run.studies.values() for t in study.trials]
        model = get_family(run.family).make_estimator(run.best_params, dataset.task)
        linear = run.studies.get("linear")
        rows.append({"method": method, "budget": max(budgets), "cv_score": run.best_score,
                     "search_s": (max(t.finished for t in trials) - started).total_seconds(), **trial_record(trials),
                     "best_family": run.family, "trials_linear": len(linear.trials) if linear else 0,
                     **fit_score(model, dataset, train, test)})
        rows.append({"method": f"{method}_overhead", "budget": max(budgets),
                     "setup_s": (min(t.started for t in trials) - started).total_seconds()})
    elif method == "metahpo_ensemble":
        run = tune(train_ds, n_trials=10, family="lightgbm", sampler="bayes", warm_start=WARM_START, cv=3,
                   random_state=seed, knowledge_base=rest, ensemble=5)
        single = fit_score(make_estimator(run.best_params, dataset.task), dataset, train, test)
        rows.append({"method": method, "budget": 10, "cv_score": run.ensemble.oof_score,
                     "search_s": (run.study.trials[-1].finished - started).total_seconds(),
                     "n_members": len(run.ensemble.members),
                     **fit_score(ensemble_build(run.ensemble, dataset.task), dataset, train, test),
                     **{f"single_{k}": v for k, v in single.items()}})
    else:
        raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}")
    return rows


def rival_model(method: str, task: str):
    """LightGBM's defaults as users run them (100 rounds, no early stopping), or FLAML's zero-shot
    LightGBM, which picks its configuration from the training data when fitted; on one thread, as
    every search's models (LightGBM's ``n_jobs=None`` would take every core in each worker)."""
    if method == "flaml_zeroshot":
        from flaml import default as models
    else:
        import lightgbm as models
    return (models.LGBMRegressor if task == "regression" else models.LGBMClassifier)(verbosity=-1, n_jobs=1)


def sample_datasets(kb: KnowledgeBase, n: int, seed: int, exclude: Collection[str] = (),
                    split: str = "dev") -> pd.DataFrame:
    """A seeded sample of the knowledge base's PMLB datasets of ``split`` (``corpora.split``; "any":
    both) at their own size (not a larger version, ``name@rows``), stratified by task (proportional,
    at least 5 per task), the same whatever the order of the knowledge base's rows; datasets in
    ``exclude`` are never drawn."""
    table = kb.datasets
    pmlb = table["source"].astype(str).str.contains("pmlb") & (table["dataset_id"].map(base_id) == table["dataset_id"])
    group_of = corpora.shared_groups()
    of_split = table["dataset_id"].map(lambda d: split == "any" or corpora.split(group_of[d]) == split)
    datasets = table[pmlb & of_split & ~table["dataset_id"].isin(exclude)].sort_values("dataset_id")
    per_task = datasets.groupby("task")
    shares = per_task.size() / len(datasets)
    picks = [g.sample(min(len(g), max(5, round(n * shares[t]))), random_state=seed) for t, g in per_task]
    return pd.concat(picks)


def expected_cost(dataset, max_rows: int) -> float:
    """A dataset's relative training cost: rows (capped) times features times trees per round."""
    trees_per_round = dataset.mf_n_classes if dataset.mf_n_classes > 2 else 1
    return min(dataset.n_rows, max_rows) * dataset.n_features * trees_per_round


RIVAL_ENTRIES = ("lightgbm_default", "random@10", "random@30", "optuna_tpe@30", "optuna_tpe@50")
"""The issue's rivals of ten trials of metahpo: LightGBM's defaults, random search at 10 and 30
trials, TPE at 30 and 50."""


def compared(entries: Collection[str]) -> list[str]:
    """The entries the normalized score's 1 and the ranks are taken among: the issue's rivals and
    every metahpo variant at 10 trials (the searches' shorter and longer prefixes are not methods)."""
    return [e for e in entries if e in RIVAL_ENTRIES or (e.startswith("metahpo") and e.endswith("@10"))]


def score_tables(runs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per dataset (rows) and method@budget (columns): test score; normalized test score, 0 =
    LightGBM's defaults and 1 = the best of the :func:`compared` entries (clipped to [-1, 1], as the
    zero-shot benchmark's; without the defaults' rows, 0 = the worst entry); rank among the compared
    entries (1 = best; NaN for the others); wall
    time. Before 7 December 2026 the score ran from the worst to the best of every entry, budget-1
    prefixes included, and ranks were among them all: that inflated ten trials' lead."""
    scored = runs[~runs["method"].str.endswith("_overhead")].copy()
    scored["entry"] = scored["method"] + np.where(scored["budget"] > 0, "@" + scored["budget"].astype(str), "")
    wide = scored.pivot_table(index="dataset_id", columns="entry", values="test_score")
    methods = compared(wide.columns)
    norm = (from_defaults(wide, wide["lightgbm_default"], wide[methods].max(axis=1)) if "lightgbm_default" in wide
            else normalized(wide))  # without the defaults (a comparison of metahpo's variants): worst to best
    ranks = wide[methods].rank(axis=1, ascending=False).reindex(columns=wide.columns)
    times = scored.pivot_table(index="dataset_id", columns="entry", values="search_s")
    return wide, norm, ranks, times


def wtl_text(diff: pd.Series, tol: float) -> str:
    return f"{(diff > tol).sum()} / {(diff.abs() <= tol).sum()} / {(diff < -tol).sum()}"


def mean_with_interval(values: pd.Series, n_resamples: int = 10_000, seed: int = 0) -> str:
    """The mean over datasets with its 95 % percentile bootstrap interval (datasets resampled)."""
    x = values.dropna().to_numpy()
    means = np.random.default_rng(seed).choice(x, (n_resamples, len(x))).mean(axis=1)
    lo, hi = np.percentile(means, [2.5, 97.5])
    return f"{x.mean():+.3f} (95% bootstrap interval {lo:+.3f} to {hi:+.3f})"


def summarize(runs: pd.DataFrame, ours: str = "metahpo") -> str:
    """The markdown report: every entry's normalized score, rank, wall time and W/T/L against
    ``ours`` at 10 trials; its overhead; the ensemble against the single best of the same search."""
    wide, norm, ranks, times = score_tables(runs)
    ref = f"{ours}@10"
    tol = 1e-4
    per_task = runs.groupby("task")["dataset_id"].nunique()
    holes = wide.isna().sum()
    lines = [f"{len(wide)} datasets ({', '.join(f'{n} {t}' for t, n in per_task.items())})." + (
                 " Missing entries (a method that failed, or was not run): " + ", ".join(
                     f"{name} on {n}" for name, n in holes[holes > 0].items()) + "; each statistic uses the datasets "
                 "its entries have." if holes.any() else ""),
             "", ("Normalized test score: 0 = LightGBM's defaults, 1 = the best of the compared methods (the issue's "
                  "rivals and metahpo at 10 trials), clipped to [-1, 1]" if "lightgbm_default" in wide else
                  "Normalized test score (no lightgbm_default rows): 0 = the worst entry, 1 = the best")
             + "; ranks among the compared methods (— for a search's other prefixes).", "",
             f"| method | mean normalized test score | median | mean rank | median wall s | {ref} W / T / L |",
             "|---|---|---|---|---|---|"]
    for name in norm.mean().sort_values(ascending=False).index:
        d = (wide[ref] - wide[name]).dropna() if ref in wide else pd.Series(dtype=float)
        wtl = "—" if d.empty or name == ref else wtl_text(d, tol)
        rank = "—" if ranks[name].isna().all() else f"{ranks[name].mean():.2f}"
        lines.append(f"| {name} | {norm[name].mean():.3f} | {norm[name].median():.3f} | {rank} | "
                     f"{times[name].median():.1f} | {wtl} |")
    methods = compared(wide.columns)
    defaults_best = wide[methods].max(axis=1) <= wide["lightgbm_default"] if "lightgbm_default" in wide else []
    if any(defaults_best):  # every method scores 0 there: a loss to the defaults is hidden, so counted
        lost = wide[defaults_best][methods].lt(wide.loc[defaults_best, "lightgbm_default"] - tol, axis=0).sum()
        lines += ["", f"The defaults are the best on {int(defaults_best.sum())} datasets, where every method scores 0; "
                      f"losses to them there: " + ", ".join(f"{m} {int(lost[m])}" for m in methods
                                                            if m != "lightgbm_default") + "."]
    lines.append("")
    for rival in ("optuna_tpe@30", "optuna_tpe@50"):
        if {ref, rival} <= set(times):
            name = rival.replace("optuna_tpe", "Optuna TPE")
            ratio = (times[ref] / times[rival]).median()
            fill = runs[runs["method"] == f"{ours}_overhead"].set_index("dataset_id").get("cache_fill_s")
            first = "" if fill is None or fill.isna().all() else (
                f" (a user's first call, the surrogate's one-time fit added: "
                f"{((times[ref] + fill.reindex(times.index)) / times[rival]).median():.2f})")
            lines.append(f"- Wall time, {ref} / {name}, median ratio over datasets: {ratio:.2f}{first}.")
            lines.append(f"- {ref} minus {name}, per dataset: normalized test score "
                         f"{mean_with_interval(norm[ref] - norm[rival])}; rank "
                         f"{mean_with_interval(ranks[ref] - ranks[rival])} (negative: {ours} ranks better).")
    if {"metahpo@10", "metahpo_pruned@10"} <= set(times):
        both = times[["metahpo@10", "metahpo_pruned@10"]].dropna().index
        ratio = (times.loc[both, "metahpo_pruned@10"] / times.loc[both, "metahpo@10"]).median()
        d = wide.loc[both, "metahpo_pruned@10"] - wide.loc[both, "metahpo@10"]
        lines.append(f"- Pruning, metahpo_pruned@10 against the same search unpruned (metahpo@10) on {len(both)} "
                     f"datasets: wall time median ratio {ratio:.2f}; test score W / T / L {wtl_text(d, tol)}; normalized "
                     f"test score {mean_with_interval(norm.loc[both, 'metahpo_pruned@10'] - norm.loc[both, 'metahpo@10'])}.")
    overhead = runs[runs["method"] == f"{ours}_overhead"]
    per_trial = not overhead.empty and overhead["per_trial_s"].notna().any()  # metahpo_auto's searches are two
    lines += [] if not per_trial else [f"- {ours}'s own overhead: setup (meta-features and recommendations) median "
              f"{overhead['setup_s'].median() * 1000:.0f} ms per search; between trials (sampler and bookkeeping) "
              f"median {overhead['per_trial_s'].median() * 1000:.0f} ms per trial "
              f"(max over datasets {overhead['per_trial_s'].max() * 1000:.0f} ms)."]
    if "cache_fill_s" in overhead and overhead["cache_fill_s"].notna().any():
        lines.append(f"- Not in the wall times: fitting the leave-out knowledge base's surrogate into the cache before "
                     f"the searches, once per knowledge base (a user's first call pays it), median "
                     f"{overhead['cache_fill_s'].median():.1f} s.")
    lines += [note] if (note := commits_note(runs)) else []
    ens = runs[runs["method"] == "metahpo_ensemble"].set_index("dataset_id")
    if len(ens):
        floor = wide["lightgbm_default"] if "lightgbm_default" in wide else wide.min(axis=1)
        pair = from_defaults(ens[["test_score", "single_test_score"]], floor.reindex(ens.index),
                             wide[compared(wide.columns)].max(axis=1).reindex(ens.index))
        gain = pair["test_score"] - pair["single_test_score"]
        diff = ens["test_score"] - ens["single_test_score"]
        lines.append(f"- Ensemble (greedy selection over the best 5 of 10 trials) against the single best of the same "
                     f"search, on test data: at least as good on {(diff >= -tol).mean():.0%} of {len(ens)} datasets "
                     f"(W / T / L {wtl_text(diff, tol)}), "
                     f"mean normalized gain {mean_with_interval(gain)}; median {ens['n_members'].median():.0f} distinct "
                     f"members; it costs {(ens['fit_s'] / ens['single_fit_s']).median():.1f}x the fit time and "
                     f"{(ens['predict_s'] / ens['single_predict_s']).median():.1f}x the predict time "
                     "(medians of ratios).")
    return "\n".join(lines)


def plot(runs: pd.DataFrame, path: Path) -> None:
    """Mean normalized test score, mean rank and median wall time against the trial budget."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullLocator

    wide, norm, _, _ = score_tables(runs)
    ranks = wide.rank(axis=1, ascending=False)  # among every entry, for the curves over budgets
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    searches = runs[runs["method"].isin(["metahpo", "optuna_tpe", "random", "autogluon_portfolio"])]
    for method, group in searches.groupby("method"):
        budgets = sorted(group["budget"].unique())
        entries = [f"{method}@{n}" for n in budgets]
        axes[0].plot(budgets, norm[entries].mean(), marker="o", label=method)
        axes[1].plot(budgets, ranks[entries].mean(), marker="o", label=method)
        wall = group.groupby("budget")["search_s"].median()
        axes[2].plot(wall.index, wall.values, marker="o", label=method)
    for name, style in [("lightgbm_default", ":"), ("flaml_zeroshot", "--")]:
        if name in wide:
            axes[0].axhline(norm[name].mean(), linestyle=style, color="grey", label=name)
            axes[1].axhline(ranks[name].mean(), linestyle=style, color="grey", label=name)
    if "metahpo_ensemble@10" in wide:
        axes[0].scatter([10], [norm["metahpo_ensemble@10"].mean()], marker="*", s=150, color="black",
                        label="metahpo ensemble@10", zorder=3)
        axes[1].scatter([10], [ranks["metahpo_ensemble@10"].mean()], marker="*", s=150, color="black", zorder=3)
    axes[0].set(ylabel="mean normalized test score (0 = defaults, 1 = best)")
    axes[1].set(ylabel="mean rank among every entry (1 = best)")
    axes[2].set(yscale="log", ylabel="median wall time, s")
    ticks = sorted(searches["budget"].unique())
    for ax in axes:
        ax.set(xscale="log", xlabel="trials", xticks=ticks, xticklabels=[str(t) for t in ticks])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize="small")
    fig.suptitle(f"tune on {len(wide)} datasets left out of the knowledge base")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", default="knowledge_base")
    parser.add_argument("--n-datasets", type=int, default=40)
    parser.add_argument("--max-rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--exclude-seed", default="",
                        help="draw a sample disjoint from those of these seeds, comma-separated (their datasets "
                             "and twins; each of those samples drawn disjoint from the ones listed before it)")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", default="docs/results")
    parser.add_argument("--budgets", default=",".join(map(str, BUDGETS)),
                        help="trial budgets, comma-separated (default %(default)s)")
    parser.add_argument("--methods", default=",".join(METHODS), help="methods to run (default: all)")
    parser.add_argument("--redo", default="",
                        help="methods whose recorded rows are dropped and run again, e.g. after changing metahpo")
    parser.add_argument("--corpus", default="",
                        help="sample from a corpus of corpora.py (pmlb, realworld) instead of the knowledge base: "
                             "one dataset per leave-out group, of the split --split")
    parser.add_argument("--split", default="dev", choices=("dev", "final", "any"),
                        help="the split sampled (corpora.py); any: both, as this benchmark drew from the knowledge "
                             "base's PMLB datasets until Session 47 (7 December 2026)")
    parser.add_argument("--max-trials", default="",
                        help="per-method trial caps, e.g. metahpo=10,random=30,optuna_tpe=50 (default: the largest budget)")
    parser.add_argument("--rename", default="",
                        help="record a method's rows under another name, e.g. metahpo=metahpo_v2 beside a --kb of "
                             "another knowledge base's rows in the same folder")
    parser.add_argument("--linear-kb", default="knowledge_base/linear",
                        help="the linear family's knowledge base, for metahpo_auto (default %(default)s)")
    parser.add_argument("--ours", default="metahpo",
                        help="the method the report compares the others with, at 10 trials (default %(default)s)")
    parser.add_argument("--only", default="",
                        help="with --corpus: run these datasets of the sample alone (comma-separated names), e.g. "
                             "those a change can touch")
    parser.add_argument("--pooled", default="",
                        help="run nothing: report the samples in these output folders (comma-separated) as one, in OUT")
    args = parser.parse_args()
    if args.only and not args.corpus:
        parser.error("--only names datasets of a corpus sample: give --corpus")
    if args.pooled:
        report(pd.concat([pd.read_csv(Path(d) / "tune_runs.csv") for d in args.pooled.split(",")]), Path(args.out),
               args.ours)
        return
    # a cache of the benchmark's own, empty at the start: each leave-out knowledge base's surrogate
    # is fitted cold, once (cache_fill_s), and the user's cache is neither read nor filled
    with tempfile.TemporaryDirectory(prefix="metahpo-benchmark-cache-") as folder:
        os.environ["METAHPO_CACHE_DIR"] = folder
        run(args)


def run(args: argparse.Namespace) -> None:
    """The benchmark :func:`main` parsed the arguments of."""
    budgets = tuple(sorted(int(b) for b in args.budgets.split(",")))
    from joblib import Parallel, delayed

    methods = [m.strip() for m in args.methods.split(",")]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "tune_runs.csv"
    runs = pd.read_csv(path) if path.exists() else pd.DataFrame(columns=COLUMNS)
    if args.redo:
        redo = [m.strip() for m in args.redo.split(",")]
        redo += [f"{m}_overhead" for m in redo]  # as recorded: a renamed method's new name
        kept = runs[~runs["method"].isin(redo)]
        kept.to_csv(path.with_suffix(".tmp"), index=False)
        path.with_suffix(".tmp").replace(path)
        runs = kept
    renames = dict(item.split("=", 1) for item in args.rename.split(",") if item)
    recorded = set(zip(runs["dataset_id"], runs["method"]))  # a renamed method is done where its new name is
    done = {(d, m) for d, name in recorded for m in methods if renames.get(m, m) == name}
    kb = KnowledgeBase.load(args.kb)
    linear_kb = KnowledgeBase.load(args.linear_kb) if "metahpo_auto" in methods else None
    caps = {m: int(n) for m, _, n in (item.partition("=") for item in args.max_trials.split(",") if item)}
    if args.corpus:
        run_corpus(args, kb, methods, budgets, caps, done, path, renames, linear_kb)
        report(pd.read_csv(path), out, args.ours)
        return
    removed = corpora.leave_out_ids(kb.datasets["dataset_id"])  # every size of its group and of all removed with it
    exclude: set[str] = set()
    for earlier in (int(s) for s in args.exclude_seed.split(",") if s.strip()):
        sample = sample_datasets(kb, args.n_datasets, earlier, exclude, args.split)["dataset_id"]
        exclude |= set().union(*(removed[d] for d in sample))
    todo = [(r, [m for m in methods if (r.dataset_id, m) not in done])
            for r in sample_datasets(kb, args.n_datasets, args.seed, exclude, args.split).itertuples()]
    # longest first, so that the slowest dataset does not start last and run alone
    todo = sorted(((r, missing) for r, missing in todo if missing), key=lambda job: -expected_cost(job[0], args.max_rows))
    jobs = (delayed(run_dataset)(Source(r.dataset_id, r.source), kb, removed[r.dataset_id], args.max_rows,
                                 args.seed + zlib.crc32(r.dataset_id.encode()) % 10_000, budgets, missing,
                                 linear_kb=linear_kb)
            for r, missing in todo)
    for i, rows in enumerate(Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs), 1):
        if rows:
            append_rows(path, stamped(renamed(rows, renames)), COLUMNS)
        print(f"tune benchmark: {i}/{len(todo)} {rows[0]['dataset_id'] if rows else '(a dataset failed)'}",
              file=sys.stderr, flush=True)
    report(pd.read_csv(path), out, args.ours)


def run_corpus(args: argparse.Namespace, kb: KnowledgeBase, methods: list[str], budgets: tuple[int, ...],
               caps: dict[str, int], done: set[tuple[str, str]], path: Path, renames: dict[str, str],
               linear_kb: KnowledgeBase | None = None) -> None:
    """The benchmark over a seeded sample of a corpus split, one dataset per leave-out group, each run
    against the knowledge base without its whole group (every size of it, and what it produced)."""
    from joblib import Parallel, delayed

    table = corpora.table(args.corpus)
    table = table[table["split"] == args.split].drop_duplicates("group")
    sample = table.groupby("task", group_keys=False).apply(
        lambda g: g.sample(min(len(g), max(3, round(args.n_datasets * len(g) / len(table)))), random_state=args.seed))
    entries = {e.name: e for e in corpora.entries(args.corpus)}
    group_of = corpora.groups(args.corpus, list(entries))
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    unknown = only - set(sample["name"])
    if unknown:
        raise SystemExit(f"--only names datasets outside the sample: {', '.join(sorted(unknown))}")
    todo = [(entries[n], [m for m in methods if (n, m) not in done]) for n in sample["name"] if not only or n in only]
    todo = sorted((job for job in todo if job[1]), key=lambda job: -min(job[0].n_rows, args.max_rows))
    ids = kb.datasets["dataset_id"]
    removed = {e.name: set(ids[ids.map(base_id).isin(corpora.removed_with(group_of[e.name]))]) for e, _ in todo}
    jobs = (delayed(run_dataset)(e.source, kb, removed[e.name], args.max_rows,
                                 args.seed + zlib.crc32(e.name.encode()) % 10_000, budgets, missing,
                                 caps, linear_kb)
            for e, missing in todo)
    for i, rows in enumerate(Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs), 1):
        if rows:
            append_rows(path, stamped(renamed(rows, renames)), COLUMNS)
        print(f"tune benchmark: {i}/{len(todo)} {rows[0]['dataset_id'] if rows else '(a dataset failed)'}",
              file=sys.stderr, flush=True)


def renamed(rows: list[dict], renames: dict[str, str]) -> list[dict]:
    """``rows`` with the methods ``renames`` maps recorded under their new names (``OLD_overhead``
    as ``NEW_overhead``)."""
    names = renames | {f"{old}_overhead": f"{new}_overhead" for old, new in renames.items()}
    return [{**row, "method": names.get(row["method"], row["method"])} for row in rows]


def report(runs: pd.DataFrame, out: Path, ours: str = "metahpo") -> None:
    """Write ``tune_benchmark.md`` and ``tune_benchmark.png`` to ``out`` and print the report, with
    ``ours`` the method the others are compared with."""
    out.mkdir(parents=True, exist_ok=True)
    text = summarize(runs, ours)
    (out / "tune_benchmark.md").write_text(text + "\n")
    plot(runs, out / "tune_benchmark.png")
    print(text)


if __name__ == "__main__":
    main()

"""Probe (Session 46, no decision): tune's first five trials (its warm start) on the 25 multiclass
dev datasets with the recommendations of another strategy than the portfolio tune uses (``auto``):
the knowledge base's surrogate (``surrogate``, dataset-specific predictions) or the nearest
datasets' best configurations in turn (``nearest``). Each search as ``scripts/benchmark_tune.py``
runs it (the same split, folds, seed and leave-group-out knowledge base); the best of the five is
refitted as tune refits and scored on the test part. Writes ``warm_STRATEGY.csv`` beside this
file (unless it is there), then compares its best of five with tune's rows of the rule of 18:47
(main, surrogate seed 0: docs/results/metafeature_fixes/tune/new): at 5 trials (the portfolio's
five; ``auto`` is this harness's control, equal on every dataset), at 10, and TPE@30. Run from
the repository's root::

    python docs/results/multiclass_gap/warm.py surrogate   # also: nearest, auto
"""

from __future__ import annotations

import sys
from pathlib import Path
from unittest import mock

import pandas as pd
from joblib import Parallel, delayed

HERE = Path(__file__).resolve().parent
sys.path[:0] = ["scripts", str(HERE)]
import benchmark_tune as bt  # noqa: E402
from diagnose import SETS, split_prepared  # noqa: E402

from metahpo import tuning  # noqa: E402
from metahpo.tuning import refit_growth, tune  # noqa: E402

WARM = 5
TIE = 1e-4
TUNE_ROWS = "docs/results/metafeature_fixes/tune/new"


def warm_start(corpus: str, name: str, max_rows: int, strategy: str) -> list[dict]:
    dataset, train, test, kb, seed = split_prepared(corpus, name, max_rows)
    train_ds = dataset.take(train)
    folds = bt.make_folds(train_ds, 3, random_state=seed)
    original = tuning.get_recommender

    def recommender(kb, task, chosen="auto", metric=None):
        return original(kb, task, strategy if chosen == "auto" else chosen, metric)

    started = bt.now()
    with mock.patch.object(tuning, "get_recommender", recommender):
        trials = tune(train_ds, n_trials=WARM, family="lightgbm", sampler="bayes", warm_start=WARM, cv=3,
                      prune=False, random_state=seed, knowledge_base=kb, verbose=False).study.trials
    rows = bt.prefix_rows(trials, strategy, dataset, train, test, started, (WARM,),
                          refit_growth(train_ds.n_rows, folds, dataset.task), random_state=seed)
    return [{"dataset_id": name, **row} for row in rows]


def run(strategy: str) -> None:
    jobs = [delayed(warm_start)(corpus, name, max_rows, strategy) for corpus, (folder, max_rows) in SETS.items()
            for name in sorted(pd.read_csv(f"docs/results/{folder}/tune_runs.csv").query("task == 'multiclass'")
                               ["dataset_id"].unique())]
    rows = [row for rows in Parallel(n_jobs=2)(jobs) for row in rows]
    pd.DataFrame(rows).to_csv(HERE / f"warm_{strategy}.csv", index=False)


def report(strategy: str) -> None:
    warm = pd.read_csv(HERE / f"warm_{strategy}.csv").set_index("dataset_id")
    runs = pd.concat([pd.read_csv(path) for path in sorted(Path(TUNE_ROWS).glob("*/tune_runs.csv"))])
    for method, budget in (("metahpo", WARM), ("metahpo", 10), ("optuna_tpe", 30)):
        other = runs[(runs["method"] == method) & (runs["budget"] == budget)].set_index("dataset_id")
        other = other.reindex(warm.index)
        cells = []
        for column in ("cv_score", "test_score"):
            diff = warm[column] - other[column]
            cells.append(f"{column[:-6]} {(diff > TIE).sum()} / {(diff.abs() <= TIE).sum()} / {(diff < -TIE).sum()}, "
                         f"median {diff.median():+.4f}")
        print(f"{strategy}@{WARM} against {method}@{budget} ({len(warm)} datasets, W / T / L): {'; '.join(cells)}")


def main(strategy: str) -> None:
    if not (HERE / f"warm_{strategy}.csv").exists():
        run(strategy)
    report(strategy)


if __name__ == "__main__":
    main(sys.argv[1])

"""Diagnostic (Session 44, no decision): the configurations that tune's ten trials and Optuna's TPE
with thirty end with, on the multiclass datasets of the tune dev sets (pmlb_dev and realworld_dev;
since Session 45 also the five sets read before, fresh and reserve to reserve4: all 25),
each search as ``scripts/benchmark_tune.py`` runs it (the same split, folds, seed and leave-group-out
knowledge base). Writes ``best.csv`` beside this file: per dataset and search, the best trial's CV
log loss, its rounds and parameters. Run from the repository's root::

    python docs/results/multiclass_gap/diagnose.py
"""

from __future__ import annotations

import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

sys.path.insert(0, "scripts")
import benchmark_tune as bt  # noqa: E402
import corpora  # noqa: E402

from metahpo.datasets import Dataset  # noqa: E402
from metahpo.knowledge_base import KnowledgeBase  # noqa: E402
from metahpo.tuning import tune  # noqa: E402

HERE = Path(__file__).resolve().parent
SETS = {"pmlb": ("tune_auto/pmlb_dev", 2000), "realworld": ("tune_auto/realworld_dev", 5000),
        "fresh": ("tune_unseen/fresh", 5000), "reserve": ("tune_unseen/reserve", 5000),
        "reserve2": ("tune_unseen/reserve2", 5000), "reserve3": ("tune_reserve3", 5000),
        "reserve4": ("tune_reserve4", 5000)}


def loaded(corpus: str, name: str, max_rows: int) -> tuple[Dataset, np.ndarray, np.ndarray, int]:
    """The dataset, its training and test rows, and its seed, as ``scripts/benchmark_tune.py`` has them."""
    warnings.filterwarnings("ignore")
    seed = zlib.crc32(name.encode()) % 10_000
    dataset = {e.name: e for e in corpora.entries(corpus)}[name].source.load(max_rows)
    train, test = bt.split(dataset, seed)
    return dataset, train, test, seed


def split_prepared(corpus: str, name: str, max_rows: int
                   ) -> tuple[Dataset, np.ndarray, np.ndarray, KnowledgeBase, int]:
    """:func:`loaded`'s dataset, rows and seed, with the knowledge base without the dataset's group."""
    dataset, train, test, seed = loaded(corpus, name, max_rows)
    kb = KnowledgeBase.load("knowledge_base")
    group_of = corpora.groups(corpus, [e.name for e in corpora.entries(corpus)])
    ids = kb.datasets["dataset_id"]
    removed = set(ids[ids.str.partition("@")[0].isin(corpora.removed_with(group_of[name]))])
    return dataset, train, test, kb.without(removed), seed


def prepared(corpus: str, name: str, max_rows: int) -> tuple[Dataset, KnowledgeBase, int]:
    """The dataset's training part, the knowledge base without its group, and its seed."""
    dataset, train, _, kb, seed = split_prepared(corpus, name, max_rows)
    return dataset.take(train), kb, seed


def best_configs(corpus: str, name: str, max_rows: int) -> list[dict]:
    train_ds, kb, seed = prepared(corpus, name, max_rows)
    folds = bt.make_folds(train_ds, 3, random_state=seed)
    ours = tune(train_ds, n_trials=10, family="lightgbm", sampler="bayes", warm_start=bt.WARM_START, cv=3,
                prune=False, random_state=seed, knowledge_base=kb, verbose=False).study.trials
    rows = []
    for search, trials in (("metahpo@10", ours), ("optuna_tpe@30", bt.optuna_trials(train_ds, folds, 30, seed))):
        best = max((t for t in trials if t.ok), key=lambda t: t.score)
        rows.append({"dataset": name, "n_rows": train_ds.n_rows, "classes": train_ds.y.nunique(), "search": search,
                     "cv_score": best.score, "trial": best.number, "rounds": best.best_iteration,
                     **{k: v for k, v in best.config.items() if k in bt.LIGHTGBM.names}})
    return rows


def main() -> None:
    jobs = [delayed(best_configs)(corpus, name, max_rows) for corpus, (folder, max_rows) in SETS.items()
            for name in sorted(pd.read_csv(f"docs/results/{folder}/tune_runs.csv").query("task == 'multiclass'")
                               ["dataset_id"].unique())]
    rows = [row for rows in Parallel(n_jobs=2)(jobs) for row in rows]
    table = pd.DataFrame(rows)
    table.to_csv(HERE / "best.csv", index=False)
    print(table.round(4).to_string())


if __name__ == "__main__":
    main()

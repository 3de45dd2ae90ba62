"""Probe (Session 45, no decision): every trial of tune's ten on the nine multiclass datasets of
pmlb_dev and realworld_dev, each search as diagnose.py runs it (the same split, folds, seed and
leave-group-out knowledge base), with the knowledge base's surrogate as the Gaussian process's prior
mean (``base``, as tune runs) or without (``noprior``: a zero prior mean given). Writes
``trials.csv`` or ``trials_noprior.csv`` beside this file, parameters rounded to four decimals.
Run from the repository's root::

    python docs/results/multiclass_gap/trials.py base
    python docs/results/multiclass_gap/trials.py noprior
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

HERE = Path(__file__).resolve().parent
sys.path[:0] = ["scripts", str(HERE)]
import benchmark_tune as bt  # noqa: E402
from diagnose import prepared  # noqa: E402

from metahpo.search import BayesSampler  # noqa: E402
from metahpo.tuning import tune  # noqa: E402

SETS = {"pmlb": ("tune_auto/pmlb_dev", 2000), "realworld": ("tune_auto/realworld_dev", 5000)}


def trials(corpus: str, name: str, max_rows: int, variant: str) -> list[dict]:
    train_ds, kb, seed = prepared(corpus, name, max_rows)
    sampler = BayesSampler(prior_mean=lambda X: np.zeros(len(X))) if variant == "noprior" else "bayes"
    study = tune(train_ds, n_trials=10, family="lightgbm", sampler=sampler, warm_start=bt.WARM_START, cv=3,
                 prune=False, random_state=seed, knowledge_base=kb, verbose=False).study
    return [{"dataset": name, "trial": t.number, "source": t.source, "score": t.score, "rounds": t.best_iteration,
             **{k: round(v, 4) if isinstance(v, float) else v for k, v in t.config.items() if k in bt.LIGHTGBM.names}}
            for t in study.trials]


def main(variant: str) -> None:
    jobs = [delayed(trials)(corpus, name, max_rows, variant) for corpus, (folder, max_rows) in SETS.items()
            for name in sorted(pd.read_csv(f"docs/results/{folder}/tune_runs.csv").query("task == 'multiclass'")
                               ["dataset_id"].unique())]
    rows = [row for rows in Parallel(n_jobs=2)(jobs) for row in rows]
    pd.DataFrame(rows).to_csv(HERE / ("trials.csv" if variant == "base" else f"trials_{variant}.csv"), index=False)


if __name__ == "__main__":
    main(sys.argv[1])

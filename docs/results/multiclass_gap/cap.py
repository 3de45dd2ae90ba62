"""Probe (Session 45, no decision): is the 1,000-round cap what holds tune back on multiclass data?
Every trial of ``trials.csv`` (trials.py) that early stopping ended within ten rounds of the cap is
cross-validated again on its dataset's folds with caps of 1,000 and 3,000 rounds (its parameters as
``trials.csv`` rounds them, both caps alike). Writes ``cap.csv``. Run from the repository's root::

    python docs/results/multiclass_gap/cap.py
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import pandas as pd
from joblib import Parallel, delayed

HERE = Path(__file__).resolve().parent
sys.path[:0] = ["scripts", str(HERE)]
import benchmark_tune as bt  # noqa: E402
import corpora  # noqa: E402
from diagnose import loaded  # noqa: E402

from metahpo.evaluation import evaluate  # noqa: E402
from metahpo.spaces import LIGHTGBM  # noqa: E402

MAX_ROWS = {"pmlb": 2000, "realworld": 5000}
CAPS = (1000, 3000)


def again(corpus: str, name: str, configs: list[tuple[int, dict]]) -> list[dict]:
    dataset, train, _, seed = loaded(corpus, name, MAX_ROWS[corpus])
    train_ds = dataset.take(train)
    folds = bt.make_folds(train_ds, 3, random_state=seed)
    rows = []
    for trial, config in configs:
        row = {"dataset": name, "trial": trial}
        for cap in CAPS:
            began = time.perf_counter()
            result = evaluate(config, train_ds, folds=folds, family="lightgbm",
                              space=dataclasses.replace(LIGHTGBM, max_rounds=cap), random_state=seed)
            row |= {f"score_{cap}": result.score, f"rounds_{cap}": result.best_iteration,
                    f"s_{cap}": time.perf_counter() - began}
        rows.append(row)
    return rows


def main() -> None:
    trials = pd.read_csv(HERE / "trials.csv")
    capped = trials[trials["rounds"] >= CAPS[0] - 10]
    jobs = []
    for corpus in MAX_ROWS:
        names = {e.name for e in corpora.entries(corpus)}
        for name, group in capped[capped["dataset"].isin(names)].groupby("dataset"):
            configs = [(int(r["trial"]), LIGHTGBM.config_of({k: r[k] for k in LIGHTGBM.names}))
                       for _, r in group.iterrows()]
            jobs.append(delayed(again)(corpus, name, configs))
    table = pd.DataFrame([row for rows in Parallel(n_jobs=2)(jobs) for row in rows])
    table.to_csv(HERE / "cap.csv", index=False)
    print(table.round(4).to_string())


if __name__ == "__main__":
    main()

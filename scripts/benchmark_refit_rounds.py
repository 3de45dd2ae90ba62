"""How many rounds the final refit should train: as many as cross-validation chose, or more.

``tune`` refits its best configuration on all rows with the median number of rounds early stopping
chose on the CV folds, each trained on a part of the rows. This measures whether scaling those
rounds by the ratio of all rows to a training part (1.5 for 3 folds) scores better on held-out
data. For every third knowledge-base dataset by name (rows capped, split 75/25), LightGBM's
defaults and a few seeded random configurations are cross-validated on the training part, refitted
on it with the chosen rounds, as they are and scaled, and scored on the test part (the task's
default metric). Rows stream into ``OUT/refit_rounds.csv`` and a re-run resumes.

Usage::

    python scripts/benchmark_refit_rounds.py --kb knowledge_base --n-jobs 2 --out docs/results
"""

from __future__ import annotations

import argparse
import sys
import warnings
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark_tune import expected_cost, fit_score, split  # noqa: E402
from results import append_rows  # noqa: E402

from metahpo.build import Source  # noqa: E402
from metahpo.evaluation import evaluate, make_estimator, make_folds  # noqa: E402
from metahpo.knowledge_base import KnowledgeBase  # noqa: E402
from metahpo.spaces import LIGHTGBM, early_stopped  # noqa: E402

CV = 3
SCALES = (1.0, CV / (CV - 1))


def run_dataset(source: Source, max_rows: int, n_random: int) -> list[dict]:
    """Test scores of each configuration refitted with the CV-chosen rounds times each of SCALES."""
    warnings.filterwarnings("ignore")
    seed = zlib.crc32(source.dataset_id.encode()) % 10_000
    dataset = source.load(max_rows)
    train, test = split(dataset, seed)
    train_ds = dataset.take(train)
    folds = make_folds(train_ds, CV, seed)
    configs = [early_stopped(LIGHTGBM.default), *LIGHTGBM.sample(n_random, np.random.default_rng(seed))]
    rows = []
    for number, config in enumerate(configs):
        ev = evaluate(config, train_ds, folds=folds)
        if not ev.ok:
            continue
        for scale in SCALES:
            rounds = max(1, round(ev.best_iteration * scale))
            model = make_estimator({**config, "n_estimators": rounds}, dataset.task)
            rows.append({"dataset_id": source.dataset_id, "task": dataset.task, "config": number, "scale": scale,
                         "cv_score": ev.score, "rounds": rounds, **fit_score(model, dataset, train, test)})
    return rows


def summarize(runs: pd.DataFrame) -> str:
    """Per task: datasets where scaling the rounds raised / lowered the mean test score over the
    configurations, and the median of that difference; and the same counted per configuration."""
    wide = runs.pivot_table(index=["dataset_id", "task", "config"], columns="scale", values="test_score").dropna()
    diff = wide[SCALES[1]] - wide[SCALES[0]]
    per_dataset = diff.groupby(level=["dataset_id", "task"]).mean()
    lines = [f"Refit rounds times {SCALES[1]:g} against as chosen, test score: "
             f"{per_dataset.index.get_level_values(0).nunique()} datasets, {len(diff)} configurations "
             f"({(diff > 0).sum()} better / {(diff == 0).sum()} same / {(diff < 0).sum()} worse).", "",
             "| task | datasets | better | worse | median difference |", "|---|---|---|---|---|"]
    for task, d in per_dataset.groupby(level="task"):
        lines.append(f"| {task} | {len(d)} | {(d > 0).sum()} | {(d < 0).sum()} | {d.median():+.4f} |")
    return "\n".join(lines)


def main() -> None:
    from joblib import Parallel, delayed

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", default="knowledge_base")
    parser.add_argument("--max-rows", type=int, default=2000)
    parser.add_argument("--n-random", type=int, default=5, help="random configurations per dataset (default 5)")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", default="docs/results")
    args = parser.parse_args()
    path = Path(args.out) / "refit_rounds.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    done = set(pd.read_csv(path)["dataset_id"]) if path.exists() else set()
    datasets = KnowledgeBase.load(args.kb).datasets.sort_values("dataset_id").iloc[::3]
    todo = sorted((r for r in datasets.itertuples() if r.dataset_id not in done),
                  key=lambda r: -expected_cost(r, args.max_rows))
    jobs = (delayed(run_dataset)(Source(r.dataset_id, r.source), args.max_rows, args.n_random) for r in todo)
    for rows in Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs):
        if rows:
            append_rows(path, rows)
    print(summarize(pd.read_csv(path)))


if __name__ == "__main__":
    main()

"""How many rounds the final refit should train: as many as cross-validation chose, or more.

``tune`` refits its best configuration on all rows with the median number of rounds early stopping
chose on the CV folds, each trained on a part of the rows. This measures whether scaling those
rounds by the ratio of all rows to a training part (1.5 for 3 folds) scores better on held-out
data. For every third knowledge-base dataset by name (rows capped, split 75/25), LightGBM's
defaults and a few seeded random configurations are cross-validated on the training part, refitted
on it with the chosen rounds, as they are and scaled, and scored on the test part (the task's
default metric). Rows stream into ``OUT/refit_rounds.csv`` and a re-run resumes.

``--corpus realworld --split dev --task regression`` takes one dataset per leave-out group of a
corpus split (``corpora.py``) instead, and ``--scales 1,1.2247,1.5`` sets the factors compared
(the first is the reference).

Usage::

    python scripts/benchmark_refit_rounds.py --kb knowledge_base --n-jobs 2 --out docs/results
    python scripts/benchmark_refit_rounds.py --corpus realworld --split dev --task regression \
        --scales 1,1.2247,1.5 --n-jobs 2 --out docs/results/refit_rounds_dev/realworld
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
import corpora  # noqa: E402
from benchmark_tune import expected_cost, fit_score, split  # noqa: E402
from results import append_rows  # noqa: E402

from metahpo.build import Source  # noqa: E402
from metahpo.evaluation import evaluate, make_estimator, make_folds  # noqa: E402
from metahpo.knowledge_base import KnowledgeBase  # noqa: E402
from metahpo.spaces import LIGHTGBM, early_stopped  # noqa: E402

CV = 3
SCALES = (1.0, CV / (CV - 1))
"""The factors compared by default: none, and the ratio of all rows to a CV training part."""


def run_dataset(source: Source, max_rows: int, n_random: int, scales: tuple[float, ...] = SCALES) -> list[dict]:
    """Test scores of each configuration refitted with the CV-chosen rounds times each of ``scales``."""
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
        for scale in scales:
            rounds = max(1, round(ev.best_iteration * scale))
            model = make_estimator({**config, "n_estimators": rounds}, dataset.task)
            rows.append({"dataset_id": source.dataset_id, "task": dataset.task, "config": number, "scale": scale,
                         "cv_score": ev.score, "rounds": rounds, **fit_score(model, dataset, train, test)})
    return rows


def summarize(runs: pd.DataFrame) -> str:
    """For each factor against the first: per task, datasets where scaling the rounds raised / lowered
    the mean test score over the configurations, and the median of that difference; and the same
    counted per configuration."""
    wide = runs.pivot_table(index=["dataset_id", "task", "config"], columns="scale", values="test_score").dropna()
    lines = []
    for scale in wide.columns[1:]:
        diff = wide[scale] - wide[wide.columns[0]]
        per_dataset = diff.groupby(level=["dataset_id", "task"]).mean()
        lines += [f"Refit rounds times {scale:g} against times {wide.columns[0]:g}, test score: "
                  f"{per_dataset.index.get_level_values(0).nunique()} datasets, {len(diff)} configurations "
                  f"({(diff > 0).sum()} better / {(diff == 0).sum()} same / {(diff < 0).sum()} worse).", "",
                  "| task | datasets | better | worse | median difference |", "|---|---|---|---|---|"]
        for task, d in per_dataset.groupby(level="task"):
            lines.append(f"| {task} | {len(d)} | {(d > 0).sum()} | {(d < 0).sum()} | {d.median():+.4f} |")
        lines.append("")
    return "\n".join(lines).rstrip()


def main() -> None:
    from joblib import Parallel, delayed

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", default="knowledge_base")
    parser.add_argument("--max-rows", type=int, default=2000)
    parser.add_argument("--n-random", type=int, default=5, help="random configurations per dataset (default 5)")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--out", default="docs/results")
    parser.add_argument("--corpus", default="",
                        help="one dataset per leave-out group of this corpus's split --split, instead of the "
                             "knowledge base's datasets")
    parser.add_argument("--split", default="dev", help="with --corpus: its split")
    parser.add_argument("--task", default="", help="only datasets of this task")
    parser.add_argument("--scales", default=",".join(f"{s:g}" for s in SCALES),
                        help="factors on the CV-chosen rounds, the first the reference (default %(default)s)")
    args = parser.parse_args()
    scales = tuple(float(s) for s in args.scales.split(","))
    path = Path(args.out) / "refit_rounds.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    done = set(pd.read_csv(path)["dataset_id"]) if path.exists() else set()
    if args.corpus:
        table = corpora.table(args.corpus)
        table = table[table["split"] == args.split].drop_duplicates("group")
        sources = {e.name: e.source for e in corpora.entries(args.corpus)}
        todo = [(sources[r.name], r.task, min(r.n_rows, args.max_rows)) for r in table.itertuples()]
    else:
        datasets = KnowledgeBase.load(args.kb).datasets.sort_values("dataset_id").iloc[::3]
        todo = [(Source(r.dataset_id, r.source), r.task, expected_cost(r, args.max_rows))
                for r in datasets.itertuples()]
    # the costliest first, so that the slowest dataset does not start last and run alone
    todo = sorted((job for job in todo if job[0].dataset_id not in done and args.task in ("", job[1])),
                  key=lambda job: -job[2])
    jobs = (delayed(run_dataset)(source, args.max_rows, args.n_random, scales) for source, _, _ in todo)
    for rows in Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs):
        if rows:
            append_rows(path, rows)
    print(summarize(pd.read_csv(path)))


if __name__ == "__main__":
    main()

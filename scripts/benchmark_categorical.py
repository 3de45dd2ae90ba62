"""Do LightGBM's categorical parameters earn a place in the search space? Measured on held-out test.

Knowledge base v2 searches the eight parameters of ``metahpo.spaces.LIGHTGBM`` and leaves
LightGBM's handling of categorical columns at its defaults (``max_cat_to_onehot`` 4,
``cat_smooth`` 10, ``cat_l2`` 10, ``min_data_per_group`` 100, ``max_cat_threshold`` 32). Adding
them costs every knowledge-base run a larger space, so first measure what they are worth next to
the same number of trials spent on the parameters already searched.

For each dataset of a corpus split with categorical columns (one per leave-out group, rows capped
at 5,000, split 75/25 seeded and stratified as in ``benchmark_tune.py``), on the training part's
3 CV folds (the task's metric: ROC AUC, log loss, R²):

* ``main``: LightGBM's defaults and ``N`` seeded draws of the searched parameters, categorical
  parameters at their defaults; the CV pick is ``main*``;
* ``cat@default`` and ``cat@main*``: ``N`` seeded draws of the categorical parameters
  (:data:`CATEGORICAL`) on top of the defaults, and on top of ``main*``.

Every configuration is refitted on the training part as users get it
(``LGBMClassifier(**space.estimator_params(config, n_estimators=CV rounds))``) and scored on the
test part. The report (``OUT/categorical.md``) compares, on test, per dataset normalized by the
spread of all its configurations' test scores, on all the datasets and on those with a categorical
column of more levels than ``max_cat_to_onehot``'s default 4 (below it LightGBM one-hot encodes
and the other categorical parameters have nothing to act on):

* tuning the searched parameters: the CV pick among ``main`` against the defaults;
* tuning the categorical ones instead: the CV pick among the defaults and ``cat@default``;
* tuning them after the searched ones: the CV pick among ``main*`` and ``cat@main*`` against ``main*``.

Rows stream into ``OUT/categorical_runs.csv`` (one per configuration; a failing dataset is a
``failed`` row and the run goes on; one without categorical columns a ``skipped`` row); a re-run
skips the datasets recorded.

Usage::

    python scripts/benchmark_categorical.py --corpus realworld --split dev --out docs/results/categorical
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import warnings
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # noqa: E402
from benchmark_tune import fit_score, split, wtl_text  # noqa: E402
from benchmark_zeroshot import bootstrap  # noqa: E402
from results import append_rows, run_and_report  # noqa: E402

from metahpo.evaluation import METRICS, evaluate, make_folds  # noqa: E402
from metahpo.families import get_family  # noqa: E402
from metahpo.spaces import LIGHTGBM, Config, Param, SearchSpace  # noqa: E402

TIE = 1e-4
MAX_ROWS = 5000
CATEGORICAL = SearchSpace(
    family="lightgbm",
    version="lightgbm-categorical-probe",
    params=(
        Param("max_cat_to_onehot", 2, 64, log=True, integer=True, valid_low=1),
        Param("cat_smooth", 1.0, 100.0, log=True, valid_low=0.0),
        Param("cat_l2", 1.0, 100.0, log=True, valid_low=0.0),
        Param("min_data_per_group", 5, 200, log=True, integer=True, valid_low=1),
        Param("max_cat_threshold", 8, 128, log=True, integer=True, valid_low=1),
    ),
    fixed={},
    default={"max_cat_to_onehot": 4, "cat_smooth": 10.0, "cat_l2": 10.0, "min_data_per_group": 100,
             "max_cat_threshold": 32},
    max_rounds=None,
)
"""The categorical parameters probed, around LightGBM's defaults (the probe's ``default``)."""
COLUMNS = ["dataset", "task", "n_rows", "n_categorical", "max_levels", "metric", "group", "index", "config", "categorical",
           "status", "error", "cv_score", "test_score", "rounds", "fit_s"]


def scored(config: Config, categorical: Config, dataset: Any, train_ds: Any, folds: list, train: np.ndarray,
           test: np.ndarray, seed: int) -> dict[str, Any]:
    """``config`` with the categorical parameters ``categorical``: CV score on ``folds`` of the
    training rows (``train_ds``), then refitted on them with the CV's rounds and scored on test."""
    space = dataclasses.replace(LIGHTGBM, fixed={**LIGHTGBM.fixed, **categorical})
    ev = evaluate(config, train_ds, folds=folds, space=space, random_state=seed)
    if not ev.ok:
        return {"status": ev.status, "error": ev.error[:300]}
    params = space.estimator_params(config, n_estimators=ev.best_iteration, random_state=seed)
    model = get_family("lightgbm").make_estimator(params, dataset.task)
    return {"status": "ok", "cv_score": ev.score, "rounds": ev.best_iteration,
            **fit_score(model, dataset, train, test)}


def run_one(entry: corpora.Entry, n_draws: int, seed: int) -> list[dict[str, Any]]:
    """All configurations of one dataset (see the module's docstring); its rows of :data:`COLUMNS`."""
    warnings.filterwarnings("ignore")
    base = {"dataset": entry.name, "task": entry.task}
    try:
        dataset = entry.source.load(MAX_ROWS)
        train, test = split(dataset, seed)
        if not dataset.categorical:  # recorded, so that a re-run does not load it again
            return [{**base, "group": "all", "status": "skipped", "error": "no categorical column"}]
        train_ds = dataset.take(train)
        folds = make_folds(train_ds, 3, random_state=seed)
        extra = {"n_rows": dataset.n_rows, "n_categorical": len(dataset.categorical),
                 "max_levels": max(dataset.X[c].nunique() for c in dataset.categorical),
                 "metric": METRICS[dataset.task][0]}
        rows = []

        def add(group: str, index: int, config: Config, categorical: Config) -> dict[str, Any]:
            row = {**base, **extra, "group": group, "index": index, "config": repr(config),
                   "categorical": repr(categorical), **scored(config, categorical, dataset, train_ds, folds, train, test,
                                                                 seed)}
            rows.append(row)
            return row

        mains = [(dict(LIGHTGBM.default), add("main", 0, dict(LIGHTGBM.default), CATEGORICAL.default))]
        for i, config in enumerate(LIGHTGBM.sample(n_draws, seed), 1):
            mains.append((config, add("main", i, config, CATEGORICAL.default)))
        best = max(mains, key=lambda m: m[1].get("cv_score", -np.inf))[0]
        for group, config in (("cat@default", dict(LIGHTGBM.default)), ("cat@main*", best)):
            for i, categorical in enumerate(CATEGORICAL.sample(n_draws, seed + 1), 1):
                add(group, i, config, categorical)
        return rows
    except Exception as exc:  # a broken dataset is recorded and the run goes on
        return [{**base, "group": "all", "status": "failed", "error": f"{type(exc).__name__}: {exc}"[:300]}]


def picks(rows: pd.DataFrame) -> pd.Series:
    """One dataset's test scores: the defaults, each tuning's CV pick, and the spread of all."""
    ok = rows[rows["status"] == "ok"]
    main = ok[ok["group"] == "main"]
    default = main[main["index"] == 0]
    best_main = main.loc[main["cv_score"].idxmax()]
    on_default = pd.concat([default, ok[ok["group"] == "cat@default"]])
    on_best = pd.concat([main.loc[[main["cv_score"].idxmax()]], ok[ok["group"] == "cat@main*"]])
    return pd.Series({
        "default": default["test_score"].iloc[0],
        "main": best_main["test_score"],
        "cat": on_default.loc[on_default["cv_score"].idxmax(), "test_score"],
        "main+cat": on_best.loc[on_best["cv_score"].idxmax(), "test_score"],
        "spread": ok["test_score"].max() - ok["test_score"].min(),
    })


def summarize(runs: pd.DataFrame) -> str:
    """The markdown report: one line per comparison, then one row per dataset."""
    runs = runs[runs["status"] != "skipped"]
    failed = runs.loc[runs["status"] == "failed", "dataset"].unique()
    ok = runs[runs["dataset"].isin(set(runs["dataset"]) - set(failed))]
    table = ok.groupby("dataset").apply(picks, include_groups=False)
    info = ok.drop_duplicates("dataset").set_index("dataset")
    many = info.loc[table.index, "max_levels"] > CATEGORICAL.default["max_cat_to_onehot"]
    lines = [f"{len(table)} datasets with categorical columns" + (f"; failed: {', '.join(failed)}" if len(failed) else "")
             + ". Test scores of each tuning's CV pick, normalized by the spread of all the dataset's "
             "configurations (0 where they are within 1e-4):", "",
             "| datasets | comparison | better / tie / worse | mean normalized gain (95% CI) | median raw gain |",
             "|---|---|---|---|---|"]
    for subset, part in ((f"all ({len(table)})", table), (f"a column of > 4 levels ({many.sum()})", table[many])):
        spread = part["spread"].where(part["spread"] > TIE)
        for title, new, old in (("searched parameters tuned vs defaults", "main", "default"),
                                ("categorical parameters tuned vs defaults", "cat", "default"),
                                ("categorical tuned after the searched ones vs those alone", "main+cat", "main"),
                                ("categorical parameters tuned vs searched parameters tuned", "cat", "main")):
            diff = part[new] - part[old]
            gain = (diff / spread).fillna(0.0)
            lo, hi = bootstrap(gain.to_numpy())
            lines.append(f"| {subset} | {title} | {wtl_text(diff, TIE)} | {gain.mean():+.3f} ({lo:+.3f}, {hi:+.3f}) | "
                         f"{diff.median():+.4f} |")
    lines += ["", "| dataset | task | rows | categorical columns | most levels | defaults | searched tuned | "
              "categorical tuned | both |", "|---|---|---|---|---|---|---|---|---|"]
    for name, r in table.iterrows():
        lines.append(f"| {name} | {info.loc[name, 'task']} | {info.loc[name, 'n_rows']:.0f} | "
                     f"{info.loc[name, 'n_categorical']:.0f} | {info.loc[name, 'max_levels']:.0f} | "
                     f"{r['default']:.4f} | {r['main']:.4f} | "
                     f"{r['cat']:.4f} | {r['main+cat']:.4f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="realworld", choices=("realworld", "pmlb"))
    parser.add_argument("--split", default="dev", choices=("dev", "final"))
    parser.add_argument("--n-draws", type=int, default=8, help="draws per tuning (default 8: 9 configurations each)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--report-only", action="store_true", help="run nothing: rewrite the report from OUT")
    parser.add_argument("--out", default="docs/results/categorical")
    args = parser.parse_args()
    run_and_report(Path(args.out), "categorical_runs.csv", "categorical.md", lambda path: run(args, path), summarize,
                   report_only=args.report_only)


def run(args: argparse.Namespace, path: Path) -> None:
    """Run the datasets not yet recorded in ``path``, appending their rows as each ends."""
    from joblib import Parallel, delayed

    done = set(pd.read_csv(path)["dataset"]) if path.exists() else set()
    entries = {e.name: e for e in corpora.entries(args.corpus)}
    table = corpora.table(args.corpus)
    names = table[table["split"] == args.split].drop_duplicates("group")["name"]
    todo = sorted((entries[n] for n in names if n not in done), key=lambda e: min(e.n_rows, MAX_ROWS))
    print(f"categorical benchmark: {len(todo)} datasets to look at", file=sys.stderr, flush=True)
    jobs = (delayed(run_one)(e, args.n_draws, args.seed + zlib.crc32(e.name.encode()) % 10_000) for e in todo)
    for rows in Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs):
        append_rows(path, rows, COLUMNS)
        print(f"categorical benchmark: {rows[0]['dataset']} {rows[0]['status']}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    main()

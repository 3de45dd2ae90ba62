"""metahpo on small data with categorical columns: large datasets cut to a few hundred training rows.

The knowledge base holds datasets of at least 1,000 rows, but users also bring a few hundred. There,
settings that count rows, such as LightGBM's ``min_data_per_group`` (100 rows on each side of a
categorical split), can leave a categorical column unused. This benchmark measures what metahpo
hands out at such sizes, so that two commits can be compared on the same draws (``--compare``).

For each dataset of a corpus split with a categorical column (one per leave-out group, loaded with at
most ``--max-rows`` rows) and each size N of ``--train-rows``: N training rows are drawn (seeded,
stratified for classification), and the test part is up to 5,000 of the other rows (seeded). Each method
is fitted on the N rows as users would fit it, and scored on the test part by the task's metric
(ROC AUC, log loss, R²):

* ``lightgbm_default``: ``LGBMClassifier()`` / ``LGBMRegressor()``;
* ``zeroshot``: ``MetaLGBMClassifier()`` / ``MetaLGBMRegressor()`` (the shipped knowledge base);
* ``tune``: ``metahpo.tune(train, n_trials=10)`` as users call it, its model refitted from what
  it returns: ``get_family(family).make_estimator(best_params, task)``.

The shipped knowledge base holds the dev datasets at full size, so the scores are not figures of
unseen data; they serve to compare two versions of metahpo on the same draws. Rows stream into
``OUT/small_runs.csv`` (a failing method is a ``failed`` row with its error, and the run goes on); a
re-run skips the (dataset, size, method) rows recorded. ``--compare OLD NEW`` runs nothing and reports,
per method and size, NEW's test score minus OLD's (every metric is greater-is-better), with its
95% bootstrap interval and wins / ties / losses (a tie: within 1e-4), and metahpo's two methods pooled
(``lightgbm_default``, the same in both, is the run's control).

Usage::

    python scripts/benchmark_small_data.py --corpus realworld --split dev --out docs/results/small_old
    python scripts/benchmark_small_data.py --compare docs/results/small_old docs/results/small_new \\
        --out docs/results/small_data.md
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

import corpora  # noqa: E402
from benchmark_tune import wtl_text  # noqa: E402
from benchmark_zeroshot import bootstrap  # noqa: E402
from results import append_rows, stamped  # noqa: E402

import metahpo  # noqa: E402
from metahpo.datasets import Dataset  # noqa: E402
from metahpo.evaluation import METRICS, encode_target, predict_aligned, score_predictions  # noqa: E402
from metahpo.families import get_family  # noqa: E402

METHODS = ("lightgbm_default", "zeroshot", "tune")
TEST_ROWS = 5000
TIE = 1e-4


def draw(data: Dataset, n_train: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_train`` training rows and up to :data:`TEST_ROWS` test rows of the others, seeded."""
    from sklearn.model_selection import train_test_split

    y, _ = encode_target(data)
    strat = y if data.is_classification and np.bincount(y).min() >= 2 else None
    train, rest = train_test_split(np.arange(data.n_rows), train_size=n_train, random_state=seed, stratify=strat)
    rng = np.random.default_rng(seed)
    return train, np.sort(rng.permutation(rest)[:TEST_ROWS])


def fitted(method: str, train: Dataset, seed: int):
    """``method``'s model fitted on ``train`` as users fit it."""
    import lightgbm as lgb

    y, _ = encode_target(train)
    if method == "lightgbm_default":
        cls = lgb.LGBMRegressor if train.task == "regression" else lgb.LGBMClassifier
        return cls(verbosity=-1, n_jobs=1).fit(train.X, y)
    if method == "zeroshot":
        cls = metahpo.MetaLGBMRegressor if train.task == "regression" else metahpo.MetaLGBMClassifier
        return cls(random_state=seed).fit(train.X, y)
    result = metahpo.tune(train, n_trials=10, random_state=seed, verbose=False)
    return get_family(result.family).make_estimator(result.best_params, train.task).fit(train.X, y)


def run_dataset(entry: corpora.Entry, split: str, sizes: list[int], max_rows: int, seed: int,
                done: set[tuple[str, int, str]]) -> list[dict]:
    warnings.filterwarnings("ignore")
    base = {"dataset": entry.name, "corpus": entry.corpus, "split": split, "task": entry.task}
    data, failure = corpora.load_or_failure(entry, max_rows, base)
    if data is None:
        return failure
    if not data.categorical:
        return [{**base, "method": "load", "status": "skipped", "error": "no categorical column"}]
    y, n_classes = encode_target(data)
    metric = METRICS[data.task][0]
    levels = max(data.X[c].nunique() for c in data.categorical)
    rows = []
    for n in sizes:
        if n >= data.n_rows:
            continue
        train_rows, test_rows = draw(data, n, seed + zlib.crc32(entry.name.encode()) % 1000)
        train = data.take(train_rows)
        for method in METHODS:
            if (entry.name, n, method) in done:
                continue
            start = time.perf_counter()
            try:
                model = fitted(method, train, seed)
                pred = predict_aligned(model, data.X.iloc[test_rows], n_classes)
                row = {"status": "ok", "score": score_predictions(data.task, y[test_rows], pred, n_classes)[metric]}
            except Exception as exc:
                row = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:300]}
            rows.append({**base, "n_train": n, "method": method, "metric": metric, "n_categorical":
                         len(data.categorical), "max_levels": levels, **row, "seconds": time.perf_counter() - start})
    return rows


def run(args: argparse.Namespace) -> None:
    from joblib import Parallel, delayed

    path = args.out / "small_runs.csv"
    args.out.mkdir(parents=True, exist_ok=True)
    done = set()
    if path.exists():
        old = pd.read_csv(path)
        done = {(r.dataset, int(r.n_train), r.method) for r in old.itertuples() if r.method in METHODS}
        done |= {(r.dataset, n, m) for r in old[old.method == "load"].itertuples() for n in args.sizes for m in METHODS}
    table = corpora.table(args.corpus)
    table = table[table.split == args.split].sort_values("name").groupby("group").head(1)
    entries = {e.name: e for e in corpora.entries(args.corpus)}
    todo = [entries[name] for name in table.name
            if any((name, n, m) not in done for n in args.sizes for m in METHODS)]
    print(f"{len(todo)} datasets to run into {path}", flush=True)
    jobs = (delayed(run_dataset)(e, args.split, args.sizes, args.max_rows, args.seed, done) for e in todo)
    for rows in Parallel(n_jobs=args.n_jobs, return_as="generator_unordered")(jobs):
        append_rows(path, stamped(rows))
        print(f"{rows[0]['dataset']}: {len(rows)} rows", flush=True)


def compare(old_dir: Path, new_dir: Path) -> str:
    """NEW's test scores minus OLD's per method and size, on the rows both have ok."""
    def ok(folder: Path) -> pd.DataFrame:
        runs = pd.read_csv(folder / "small_runs.csv")
        return runs[runs.status == "ok"].set_index(["dataset", "n_train", "method"])

    old, new = ok(old_dir), ok(new_dir)
    both = old.index.intersection(new.index)
    diff = new.loc[both, "score"] - old.loc[both, "score"]  # every metric of METRICS is greater-is-better
    lines = [f"# Small data: {new_dir} minus {old_dir}", "",
             "| method | training rows | datasets | mean difference (95% CI) | median | W / T / L |",
             "|---|---|---|---|---|---|"]

    def row(method: str, n: str, d: pd.Series) -> str:
        lo, hi = bootstrap(d.to_numpy())
        return (f"| {method} | {n} | {len(d)} | {d.mean():+.4f} ({lo:+.4f}, {hi:+.4f}) | {d.median():+.4f} | "
                f"{wtl_text(d, TIE)} |")

    lines += [row(method, str(int(n)), d) for (method, n), d in diff.groupby(level=["method", "n_train"])]
    ours = diff[diff.index.get_level_values("method") != "lightgbm_default"]  # the control: the same in both
    return "\n".join([*lines, row("zeroshot and tune", "all", ours)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default="realworld")
    parser.add_argument("--split", default="dev")
    parser.add_argument("--train-rows", default="150,300", help="training sizes, comma-separated")
    parser.add_argument("--max-rows", type=int, default=20000, help="rows each dataset is loaded with (capped)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("OLD", "NEW"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.compare:
        text = compare(*args.compare)
        args.out.write_text(text + "\n")
        print(text)
        return
    args.sizes = [int(n) for n in args.train_rows.split(",")]
    run(args)


if __name__ == "__main__":
    main()

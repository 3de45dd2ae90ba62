"""Wall time of ``tune`` per family on generated data: what ``family="auto"`` (both families, its
default) costs beside LightGBM alone and the linear family alone.

Each line is one ``tune(n_trials=..., family=...)`` run in this process (one thread per model,
``n_jobs=1``), with its best cross-validation score; run it from two checkouts to compare them.
These machines are shared: compare ratios between lines of one run, not single timings.

Usage::

    python scripts/benchmark_tune_families.py [--rows 20000] [--features 40] [--n-trials 5]
        [--families auto,lightgbm,linear]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from sklearn.datasets import make_classification

import metahpo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--features", type=int, default=40)
    parser.add_argument("--n-trials", type=int, default=5)
    parser.add_argument("--families", default="auto,lightgbm,linear")
    args = parser.parse_args()
    X, y = make_classification(args.rows, args.features, n_informative=max(2, args.features // 4), random_state=1)
    X = pd.DataFrame(X, columns=[f"x{i}" for i in range(args.features)])
    print(f"{args.rows:,} x {args.features}, tune(n_trials={args.n_trials}), metahpo {metahpo.__version__} "
          f"from {metahpo.__file__}")
    for family in args.families.split(","):
        start = time.perf_counter()
        result = metahpo.tune((X, y), n_trials=args.n_trials, family=family, n_jobs=1, verbose=False)
        seconds = {name: sum(t.fit_time for t in study.trials) for name, study in result.studies.items()}
        per_family = ", ".join(f"{name} {len(result.studies[name].trials)} trials, {s:.1f} s"
                               for name, s in seconds.items())
        print(f"  family={family:9s} {time.perf_counter() - start:8.1f} s, best CV {result.best_score:.5f} "
              f"({result.family}); trials' seconds per family: {per_family}", flush=True)
        slowest = max((t for study in result.studies.values() for t in study.trials), key=lambda t: t.fit_time)
        print(f"    slowest trial: {slowest.fit_time:.1f} s, {slowest.config}", flush=True)


if __name__ == "__main__":
    main()

"""What ``recommend`` then ``MetaLGBMClassifier.fit`` on the same data cost, with and without the
hold-outs and checks the first call trained (:func:`metahpo.holdout.remembered`).

Each repeat forgets everything, then times ``recommend`` (ten configurations' hold-outs and the
check against LightGBM's defaults), the estimator's ``fit`` after it (its hold-out and check
remembered: only the final model trains), and a ``fit`` after ``forget()`` (all trained again).
These machines are shared: the medians of ``--repeats`` runs, and the ratio of the two fits' medians.

Usage::

    python scripts/benchmark_reuse.py [--rows 6000] [--features 20] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

import metahpo
from metahpo import holdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    X, y = make_classification(args.rows, args.features, n_informative=args.features // 2, random_state=0)
    X = pd.DataFrame(X, columns=[f"x{i}" for i in range(args.features)])
    times: dict[str, list[float]] = {"recommend": [], "fit after recommend": [], "fit, nothing remembered": []}

    def timed(name: str, call) -> None:
        start = time.perf_counter()
        call()
        times[name].append(time.perf_counter() - start)

    for _ in range(args.repeats):
        holdout.forget()
        timed("recommend", lambda: metahpo.recommend((X, y), verbose=False))
        timed("fit after recommend", lambda: metahpo.MetaLGBMClassifier(n_jobs=1).fit(X, y))
        holdout.forget()
        timed("fit, nothing remembered", lambda: metahpo.MetaLGBMClassifier(n_jobs=1).fit(X, y))
    medians = {name: float(np.median(values)) for name, values in times.items()}
    print(f"{args.rows:,} x {args.features}, medians of {args.repeats}:")
    for name, median in medians.items():
        print(f"  {name:24s} {median:7.2f} s")
    print(f"  fit after recommend / fit, nothing remembered: "
          f"{medians['fit after recommend'] / medians['fit, nothing remembered']:.3f}")


if __name__ == "__main__":
    main()

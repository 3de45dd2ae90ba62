"""Time :func:`metahpo.metafeatures.extract` on 100,000 x 100 synthetic data, on one core.

The data mixes 95 numeric features (normal, skewed, discrete, correlated; 5% missing in a
fifth of them) with 5 categorical features (3 to 1,000 levels). Each target variant (binary,
multiclass with 5 classes, regression) is timed as the median of 3 runs after one warm-up,
and printed on one line with whether it meets the 5 s target.

Run from the repository root::

    python scripts/benchmark_metafeatures.py
"""

from __future__ import annotations

import os

# Limit every thread pool to one core before numpy and scikit-learn are imported.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_variable] = "1"

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metahpo.datasets import Dataset, from_arrays  # noqa: E402
from metahpo.metafeatures import extract  # noqa: E402

N_ROWS = 100_000
N_NUMERIC = 95
CATEGORICAL_LEVELS = (3, 10, 50, 200, 1000)
TARGET_SECONDS = 5.0
RUNS = 3


def make_features(rng: np.random.Generator) -> pd.DataFrame:
    """Synthetic features: numeric of several shapes, some missing, plus categoricals."""
    latent = rng.normal(size=(N_ROWS, 10))
    columns = {}
    for j in range(N_NUMERIC):
        kind = j % 4
        if kind == 0:
            values = latent[:, j % 10] + 0.5 * rng.normal(size=N_ROWS)
        elif kind == 1:
            values = rng.lognormal(sigma=1.0, size=N_ROWS)
        elif kind == 2:
            values = rng.poisson(2.0, size=N_ROWS).astype(float)
        else:
            values = rng.normal(size=N_ROWS)
        if j % 5 == 0:
            values[rng.random(N_ROWS) < 0.05] = np.nan
        columns[f"num{j}"] = values
    for j, levels in enumerate(CATEGORICAL_LEVELS):
        names = [f"L{i}" for i in range(levels)]
        columns[f"cat{j}"] = pd.Categorical.from_codes(rng.integers(0, levels, N_ROWS), names)
    return pd.DataFrame(columns)


def make_datasets() -> dict[str, Dataset]:
    """The binary, multiclass and regression variants over the same features."""
    rng = np.random.default_rng(0)
    X = make_features(rng)
    signal = X["num0"].fillna(0.0) + X["num4"].fillna(0.0) - np.log(X["num1"]) + 0.3 * X["cat0"].cat.codes
    noisy = signal + rng.normal(size=N_ROWS)
    return {
        "binary": from_arrays(X, (noisy > noisy.median()).astype(int), name="synthetic-binary"),
        "multiclass": from_arrays(X, pd.qcut(noisy, 5, labels=False), name="synthetic-multiclass"),
        "regression": from_arrays(X, noisy, task="regression", name="synthetic-regression"),
    }


def time_extract(dataset: Dataset) -> float:
    """Median seconds of ``RUNS`` calls of :func:`extract`, after one warm-up call."""
    extract(dataset)
    seconds = []
    for _ in range(RUNS):
        start = time.perf_counter()
        extract(dataset)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)


def main() -> None:
    """Print one line per target variant: median seconds and whether the target is met."""
    with threadpool_limits(limits=1):
        for task, dataset in make_datasets().items():
            seconds = time_extract(dataset)
            verdict = "meets" if seconds <= TARGET_SECONDS else "MISSES"
            print(
                f"extract {task:<10} {dataset.n_rows:,} x {dataset.n_features}, 1 core: "
                f"median {seconds:.2f} s over {RUNS} runs ({verdict} the {TARGET_SECONDS:.0f} s target)"
            )


if __name__ == "__main__":
    main()

"""Time a 3-fold evaluation of the linear family with and without its hypergradient on wide data
(150 rows of noise, a spline expansion of every column): ``python wide_hypergradient.py COLUMNS CLASSES``;
other rows and expansions as ``python wide_hypergradient.py COLUMNS CLASSES ROWS EXPANSION`` (e.g. the
narrow ``8 50 15000 none``).

Run from a checkout (or with ``PYTHONPATH`` at one) of the version to time; docs/benchmarks.md,
"The logistic hypergradient on wide data", compares two.
"""
import sys
import time
import warnings

import numpy as np
import pandas as pd

import metahpo
from metahpo.evaluation import evaluate, make_folds

warnings.simplefilter("ignore")
n_columns, n_classes = int(sys.argv[1]), int(sys.argv[2])
n_rows, expansion = (int(sys.argv[3]), sys.argv[4]) if len(sys.argv) > 3 else (150, "spline")
rng = np.random.default_rng(0)
X = pd.DataFrame(rng.normal(size=(n_rows, n_columns)), columns=[f"f{i}" for i in range(n_columns)])
data = metahpo.load(X, np.char.add("c", rng.integers(0, n_classes, n_rows).astype(str)))  # classes, not a target
folds = make_folds(data, 3, 0)
config = {"alpha": 1.0, "l1_ratio": 0.0, "expansion": expansion, "class_weight": "none"}
for hypergradient in (False, True):
    start = time.perf_counter()
    result = evaluate(config, data, folds=folds, family="linear", hypergradient=hypergradient)
    print(f"{n_rows} rows, {n_columns} columns, {n_classes} classes, hypergradient={hypergradient}: {result.status} in "
          f"{time.perf_counter() - start:.1f} s")

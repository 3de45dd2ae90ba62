"""Start-up costs a user waits for, each in a fresh process: the medians of ``--repeats`` runs.

Targets (issue: everyday use), on a quiet core:

* ``import metahpo`` <= 0.5 s and ``metahpo --help`` <= 0.5 s;
* ``metahpo recommend`` on a 10,000 x 50 CSV <= 1.5 s wall, the whole process;
* ``tune``'s setup before its first trial <= 1 s on the same data (the "setup" line ``tune``
  prints: data checks, folds, meta-features, recommendations and the prior).

The recommender's learned state is cached per knowledge base (:mod:`metahpo.cache`): the first
run after a knowledge base changes fills the cache ("cold"); every later run reads it ("warm").
Both are reported. These machines are shared, so beside each wall-clock median stand the median
CPU seconds of the process (user + system, which load inflates far less than wall time: on a quiet
core wall is about CPU) and the mean load average; the commands take turns, so a change of load
touches them alike. The "floor" row is what importing pandas alone costs, which ``recommend``
cannot avoid (it imports no scikit-learn: its landmarkers are NumPy, :mod:`metahpo.landmarkers`).

Usage::

    python scripts/benchmark_startup.py [--repeats 7] [--out docs/results/startup]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

TARGETS = {"import metahpo": 0.5, "metahpo --help": 0.5, "metahpo recommend": 1.5, "tune setup": 1.0}


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall-clock and CPU seconds (user + system) of the process, and its standard error."""
    before, start = resource.getrusage(resource.RUSAGE_CHILDREN), time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=env, check=True)
    wall, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, done.stderr


def tune_setup(data: Path, env: dict[str, str]) -> float:
    """The setup seconds ``metahpo tune`` reports before its first trial."""
    _, _, err = run([sys.executable, "-m", "metahpo", "tune", str(data), "--n-trials", "1", "--cv", "3"], env)
    return float(re.search(r"^setup ([0-9.]+) s", err, re.MULTILINE).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--out", default="docs/results/startup")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(10_000, 50))
        data = Path(tmp) / "data.csv"
        frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(50)])
        frame.assign(target=(X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(size=10_000) > 0).astype(int)).to_csv(
            data, index=False)
        env = {**os.environ, "METAHPO_CACHE_DIR": str(Path(tmp) / "cache")}
        commands = {
            "import metahpo": [sys.executable, "-c", "import metahpo"],
            "metahpo --help": [sys.executable, "-m", "metahpo", "--help"],
            "metahpo recommend": [sys.executable, "-m", "metahpo", "recommend", str(data)],
            "floor: import pandas": [sys.executable, "-c", "import pandas"],
        }
        cold = {"metahpo recommend": run(commands["metahpo recommend"], env)[0], "tune setup": tune_setup(data, env)}
        measured: dict[str, list[tuple[float, float, str]]] = {name: [] for name in commands}
        setups, loads = [], []
        for _ in range(args.repeats):  # round robin: a change of the machine's load touches every row alike
            loads.append(os.getloadavg()[0])
            for name, argv in commands.items():
                measured[name].append(run(argv, env))
            setups.append(tune_setup(data, env))
    rows = []
    for name, runs in measured.items():
        wall, cpu, _ = zip(*runs)
        rows.append({"what": name, "median_s": np.median(wall), "min_s": min(wall), "cpu_s": np.median(cpu),
                     "cold_s": cold.get(name)})
    rows.append({"what": "tune setup", "median_s": np.median(setups), "min_s": min(setups),
                 "cold_s": cold["tune setup"]})
    table = pd.DataFrame(rows).assign(target_s=lambda t: t["what"].map(TARGETS),
                                      load_avg=np.mean(loads), repeats=args.repeats)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "startup.csv", index=False)
    print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()

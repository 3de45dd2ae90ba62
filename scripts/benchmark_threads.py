"""LightGBM's threads on a busy machine: one fit's wall time with one thread against LightGBM's
default (a thread per core), on a quiet machine and with every core kept busy.

Why metahpo trains on one thread unless told otherwise (``holdout_fit``, every trial, the README's
advice to pass ``n_jobs=1``): LightGBM's OpenMP threads wait for one another at every step of a
boosting round, so when another process holds a core, a fit with a thread per core can wait for the
scheduler at each step. The busy machine is made here, not assumed: ``--burners`` processes spin
on the CPU while the fits run (the default, one per core, is what a parallel build or a CI
neighbour does). The fits take turns, so a change of the machine's own load touches them alike.
The harm is in the tail: most fits with a thread per core take about as long as with one, but now
and then one spins for seconds (its CPU seconds, all threads, about equal its wall time), so the
report gives the mean and the slowest beside the median.

Rows are appended fit by fit to ``OUT/threads.csv``; a rerun skips the fits it holds.

Usage::

    python scripts/benchmark_threads.py [--rounds 20] [--repeats 40] [--burners 0,2] [--out docs/results/threads]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import lightgbm
import numpy as np
import pandas as pd
from results import append_rows, run_and_report
from sklearn.datasets import load_wine, make_classification

COLUMNS = ["data", "burners", "threads", "repeat", "wall_s", "cpu_s", "load_avg"]


def datasets() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """scikit-learn's wine (178 rows: the fit that took minutes beside the knowledge-base build)
    and a synthetic 10,000 x 20 binary task."""
    wine = load_wine()
    return {"wine": (wine.data, wine.target),
            "synthetic 10000x20": make_classification(10_000, 20, n_informative=10, random_state=0)}


@contextmanager
def burning(n: int) -> Iterator[None]:
    """``n`` processes spinning on the CPU while the block runs."""
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        time.sleep(0.5 if n else 0)  # let them reach the CPU
        yield
    finally:
        for burner in burners:
            burner.kill()
            burner.wait()


def fit_seconds(X: np.ndarray, y: np.ndarray, rounds: int, threads: int | None) -> tuple[float, float]:
    """Wall and CPU seconds (all threads) of one ``LGBMClassifier`` fit of ``rounds`` rounds."""
    model = lightgbm.LGBMClassifier(n_estimators=rounds, n_jobs=threads, verbose=-1, random_state=0)
    wall, cpu = time.perf_counter(), time.process_time()
    model.fit(X, y)
    return time.perf_counter() - wall, time.process_time() - cpu


def run(path: Path, rounds: int, repeats: int, burner_counts: list[int]) -> None:
    """Every (data, burners, threads) fit ``repeats`` times, appending a row per fit."""
    done = set()
    if path.exists():
        held = pd.read_csv(path)
        done = set(zip(held["data"], held["burners"], held["threads"].astype(str), held["repeat"]))
    data = datasets()
    for burners in burner_counts:
        with burning(burners):
            for repeat in range(repeats):
                for name, (X, y) in data.items():
                    for threads in (1, None):  # taking turns
                        label = "default" if threads is None else str(threads)
                        if (name, burners, label, repeat) in done:
                            continue
                        wall, cpu = fit_seconds(X, y, rounds, threads)
                        append_rows(path, [{"data": name, "burners": burners, "threads": label, "repeat": repeat,
                                            "wall_s": wall, "cpu_s": cpu, "load_avg": os.getloadavg()[0]}], COLUMNS)
                        print(f"{name}, {burners} burners, threads {label}: {wall:.2f} s wall, {cpu:.2f} s CPU",
                              flush=True)


def summarize(rows: pd.DataFrame) -> str:
    """Wall and CPU seconds per data, burners and threads: median, mean and slowest (a busy machine
    makes a few fits with a thread per core spin for seconds, which a median hides: the mean is what
    a search or a test suite of many fits pays), and the default's mean against one thread's."""
    rows = rows.assign(threads=rows["threads"].astype(str))
    table = rows.groupby(["data", "burners", "threads"]).agg(
        median_wall_s=("wall_s", "median"), mean_wall_s=("wall_s", "mean"), max_wall_s=("wall_s", "max"),
        median_cpu_s=("cpu_s", "median"), fits=("wall_s", "size"),
        load_avg=("load_avg", "mean")).reset_index()
    one = table[table["threads"] == "1"].set_index(["data", "burners"])["mean_wall_s"]
    table["mean_vs_one_thread"] = [row.mean_wall_s / one.get((row.data, row.burners), float("nan"))
                                   for row in table.itertuples()]
    return (f"LightGBM {lightgbm.__version__}, {os.cpu_count()} cores; threads 'default' is LightGBM's "
            f"(one per core)\n\n" + table.round(3).to_string(index=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=40)
    parser.add_argument("--burners", default=f"0,{os.cpu_count()}",
                        help="comma-separated numbers of spinning processes (default: none, then one per core)")
    parser.add_argument("--out", default="docs/results/threads")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    burner_counts = [int(n) for n in args.burners.split(",")]
    run_and_report(Path(args.out), "threads.csv", "threads.md",
                   lambda path: run(path, args.rounds, args.repeats, burner_counts), summarize,
                   report_only=args.report_only)


if __name__ == "__main__":
    main()

"""CPU time of :func:`metahpo.load` on wide frames, which must grow linearly with the columns, and
on a long frame of text and numbers.

Loading once assigned cleaned columns one by one, which made it quadratic in their number
(32,000 columns took 34.7 s). A 5-row frame of 1,000 to 32,000 numeric columns is loaded; each
width is timed as the minimum CPU time (``time.process_time``, which other processes do not
inflate as much as wall time) of 3 runs. Sixteen times the columns should cost about 20 times the
time; the target is a ratio below 32 (quadratic loading gave 40 to 50). This was a timed test; it
lives here because timings on a shared machine are a benchmark's business, not a test's.

The long frame has 300,000 rows, 20 text columns of three values and 20 numeric ones: text columns
were once read whole as numbers twice before being taken for text (7 to 10 s); now a sample of
1,000 values decides.

Run from the repository root::

    python scripts/benchmark_loading.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from metahpo.datasets import load  # noqa: E402

WIDTHS = (1000, 4000, 16000, 32000)
RUNS = 3
TARGET_RATIO = 32.0
"""The most CPU time 16 times the columns may take, relative to 1,000 columns."""


def cpu_seconds(n_columns: int) -> float:
    """The least CPU time of :data:`RUNS` loads of a 5-row frame with ``n_columns`` columns."""
    frame = pd.DataFrame(np.arange(5.0)[:, None] + np.zeros(n_columns), columns=[f"c{i}" for i in range(n_columns)])
    times = []
    for _ in range(RUNS):
        start = time.process_time()
        load(frame, np.arange(5) % 2)
        times.append(time.process_time() - start)
    return min(times)


def long_cpu_seconds(n_rows: int = 300_000, n_text: int = 20, n_numbers: int = 20) -> float:
    """The least CPU time of :data:`RUNS` loads of ``n_rows`` rows of text and numeric columns."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({**{f"t{i}": rng.choice(["a", "b", "c"], n_rows) for i in range(n_text)},
                          **{f"x{i}": rng.normal(size=n_rows) for i in range(n_numbers)}})
    times = []
    for _ in range(RUNS):
        start = time.process_time()
        load(frame, np.arange(n_rows) % 2)
        times.append(time.process_time() - start)
    return min(times)


def main() -> None:
    print(f"300,000 rows x (20 text + 20 numeric) columns: {long_cpu_seconds():.2f} CPU s")
    seconds = {n: cpu_seconds(n) for n in WIDTHS}
    for n, s in seconds.items():
        print(f"{n:>6} columns: {s:.3f} CPU s ({s / seconds[WIDTHS[0]]:.1f} times {WIDTHS[0]:,} columns)")
    ratio = seconds[16000] / seconds[1000]
    print(f"16,000 / 1,000 columns: {ratio:.1f} times the CPU time "
          f"({'meets' if ratio < TARGET_RATIO else 'misses'} the target of {TARGET_RATIO:g})")


if __name__ == "__main__":
    main()

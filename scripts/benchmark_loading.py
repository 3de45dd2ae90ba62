"""CPU time of :func:`metahpo.load` on wide frames: it must grow linearly with the columns.

Loading once assigned cleaned columns one by one, which made it quadratic in their number
(32,000 columns took 34.7 s). A 5-row frame of 1,000 to 32,000 numeric columns is loaded; each
width is timed as the minimum CPU time (``time.process_time``, which other processes do not
inflate as much as wall time) of 3 runs. Sixteen times the columns should cost about 20 times the
time; the target is a ratio below 32 (quadratic loading gave 40 to 50). This was a timed test; it
lives here because timings on a shared machine are a benchmark's business, not a test's.

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


def main() -> None:
    seconds = {n: cpu_seconds(n) for n in WIDTHS}
    for n, s in seconds.items():
        print(f"{n:>6} columns: {s:.3f} CPU s ({s / seconds[WIDTHS[0]]:.1f} times {WIDTHS[0]:,} columns)")
    ratio = seconds[16000] / seconds[1000]
    print(f"16,000 / 1,000 columns: {ratio:.1f} times the CPU time "
          f"({'meets' if ratio < TARGET_RATIO else 'misses'} the target of {TARGET_RATIO:g})")


if __name__ == "__main__":
    main()

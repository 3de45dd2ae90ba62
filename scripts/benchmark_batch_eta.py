"""How far off batch's ETA is: a recorded batch run replayed under each way of pacing it.

A batch folder's ``results.jsonl`` gives each dataset's source and seconds. The replay schedules the
datasets as ``run_batch`` does (the largest file first, on ``--n-jobs`` workers, each taking the
next dataset when free) with the recorded seconds, and at every dataset's end computes the ETA
each pacing gives and the time actually left. Pacings:

* ``count``: the share of datasets done;
* ``size``: the share of bytes done (batch's ETA until 5 December 2026);
* ``work``: the share of :func:`metahpo.batch.expected_work` done, bytes to the power
  ``WORK_EXPONENT`` (batch's ETA since).

Reported per pacing: the median and 90th percentile over progress lines of
``|log(ETA / time left)|`` (0 is exact; 0.69 is a factor of 2), over the lines before the last
tenth of the datasets (near the end every ETA is short and its ratio noisy), and the ETA's ratio to
the truth at a quarter and at half of the datasets done.

Usage (source paths in results.jsonl are read from the current directory)::

    python scripts/benchmark_batch_eta.py /tmp/batch_pmlb /tmp/batch_rw --n-jobs 2
"""

from __future__ import annotations

import argparse
import heapq
import json
from pathlib import Path

import numpy as np
import pandas as pd

from metahpo.batch import _sizes, expected_work
from metahpo.build import Source
from metahpo.progress import eta

PACINGS = ("count", "size", "work")


def replay(records: list[dict], n_jobs: int) -> pd.DataFrame:
    """One row per finished dataset of the replayed schedule: the time left and each pacing's ETA."""
    ids = [r["dataset_id"] for r in records]
    bytes_ = _sizes([Source(r["dataset_id"], r["source"]) for r in records])
    size, work = dict(zip(ids, bytes_)), dict(zip(ids, expected_work(bytes_)))
    cost = {r["dataset_id"]: float(r["seconds"]) for r in records}
    order = sorted(size, key=lambda d: -size[d])
    free, finish = [0.0] * n_jobs, []
    for d in order:  # each dataset goes to the first free worker
        start = heapq.heappop(free)
        finish.append((start + cost[d], d))
        heapq.heappush(free, start + cost[d])
    finish.sort()
    end = finish[-1][0]
    rows, finished = [], []
    for done, (t, d) in enumerate(finish, 1):
        finished.append(d)
        paced = {"count": (done, len(order)), "size": (sum(size[x] for x in finished), sum(size.values())),
                 "work": (sum(work[x] for x in finished), sum(work.values()))}
        rows.append({"done": done, "total": len(order), "left": end - t,
                     **{p: eta(*paced[p], t) for p in PACINGS}})
    return pd.DataFrame(rows)


def summarize(name: str, lines: pd.DataFrame) -> list[dict]:
    """Per pacing: the errors of the ETA over the lines before the last tenth."""
    early = lines[(lines["done"] < 0.9 * lines["total"]) & (lines["left"] > 0)]
    quarter, half = (early.loc[(early["done"] - q * early["total"]).abs().idxmin()] for q in (0.25, 0.5))
    out = []
    for p in PACINGS:
        error = np.abs(np.log(early[p] / early["left"]))
        out.append({"batch": name, "pacing": p, "datasets": int(lines["total"].iloc[0]),
                    "median |log ratio|": error.median(), "90th percentile": error.quantile(0.9),
                    "ETA / left at 25%": quarter[p] / quarter["left"], "at 50%": half[p] / half["left"]})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", help="batch output folders holding results.jsonl")
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    rows = []
    for folder in args.folders:
        with open(Path(folder) / "results.jsonl") as fh:
            records = list({r["dataset_id"]: r for r in map(json.loads, fh)}.values())  # a retried dataset's last
        rows += summarize(Path(folder).name, replay(records, args.n_jobs))
    print(pd.DataFrame(rows).round(3).to_string(index=False))


if __name__ == "__main__":
    main()

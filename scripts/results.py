"""Benchmark rows streamed to CSV: each batch appended as it ends, so a killed run keeps them."""

from __future__ import annotations

import csv
import functools
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd


def append_rows(path: Path, rows: list[dict[str, Any]], columns: Sequence[str] | None = None) -> None:
    """Append ``rows`` to the CSV at ``path`` (in ``columns``' order if given), writing the header
    first if the file is new or empty. A file whose header differs (rows of a script that has since
    gained a column) is rewritten once with both sets of columns, its rows kept."""
    frame = pd.DataFrame(rows)
    if columns is not None:
        frame = frame.reindex(columns=list(columns))
    if not path.exists() or path.stat().st_size == 0:
        frame.to_csv(path, index=False)
        return
    with open(path, newline="") as fh:
        header = next(csv.reader(fh), [])
    if header != list(frame.columns):
        old = pd.read_csv(path)
        merged = pd.concat([old, frame], ignore_index=True)
        merged = merged.reindex(columns=[*header, *(c for c in frame.columns if c not in header)])
        tmp = path.with_name(f".{path.name}.tmp")
        merged.to_csv(tmp, index=False)
        tmp.replace(path)
        return
    frame.to_csv(path, mode="a", header=False, index=False)


@functools.cache
def code_version() -> str:
    """The commit the scripts run from (``git describe --always --dirty``: ``-dirty`` when files
    differ from it), or ``"unknown"`` outside a git checkout."""
    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=Path(__file__).parent,
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return done.stdout.strip() or "unknown"


def stamped(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows``, each with the ``commit`` the benchmark ran from (see :func:`code_version`)."""
    return [{**row, "commit": code_version()} for row in rows]


def commits_note(runs: pd.DataFrame) -> str:
    """A line saying that the rows come from several commits (each with its count), or ``""``:
    a resumed benchmark may mix rows of different code, which its reader should know."""
    if "commit" not in runs:
        return ""
    counts = runs["commit"].fillna("not recorded").value_counts()
    if len(counts) < 2:
        return ""
    return "- Rows from several commits: " + ", ".join(f"{c} ({n} rows)" for c, n in counts.items()) + "."


def normalized(scores: pd.DataFrame, tie: float = 0.0) -> pd.DataFrame:
    """Each row's scores from 0 (its worst entry) to 1 (its best); a row whose entries lie within
    ``tie`` of each other is 1 throughout. A missing entry stays missing: a method that failed on a
    dataset is not scored there (the statistics skip it), rather than counted as the best."""
    lo, hi = scores.min(axis=1), scores.max(axis=1)
    norm = scores.sub(lo, axis=0).div((hi - lo).where(hi - lo > tie), axis=0)
    return norm.mask(norm.isna() & scores.notna(), 1.0)


def from_defaults(scores: pd.DataFrame, default: pd.Series, best: pd.Series, tie: float = 0.0) -> pd.DataFrame:
    """Each row's scores from 0 (``default``, LightGBM's defaults' score) to 1 (``best``, the best
    compared method's), clipped to [-1, 1]: where the defaults are nearly the best, a loss divided by
    a tiny gap would swamp the mean. A row whose best is within ``tie`` of the defaults is 0
    throughout (the reports count the losses there apart); a missing entry stays missing."""
    gap = (best - default).where(best - default > tie)
    norm = scores.sub(default, axis=0).div(gap, axis=0)
    level = (gap.isna() & default.notna()).to_numpy()[:, None]  # without the defaults' score: missing
    return norm.mask(level & scores.notna().to_numpy(), 0.0).clip(-1, 1)


def run_and_report(out: Path, rows_file: str, report_file: str, run: Callable[[Path], None],
                   summarize: Callable[[pd.DataFrame], str], *, report_only: bool = False) -> None:
    """Run the benchmark into ``OUT/rows_file`` (unless ``report_only``), then write the report
    ``summarize`` makes of all its rows to ``OUT/report_file`` and print it."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / rows_file
    if not report_only:
        run(path)
    text = summarize(pd.read_csv(path))
    (out / report_file).write_text(text + "\n")
    print(text)

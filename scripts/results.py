"""Benchmark rows streamed to CSV: each batch appended as it ends, so a killed run keeps them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd


def append_rows(path: Path, rows: list[dict[str, Any]], columns: Sequence[str] | None = None) -> None:
    """Append ``rows`` to the CSV at ``path`` (in ``columns``' order if given), writing the header
    first if the file is new or empty."""
    frame = pd.DataFrame(rows)
    if columns is not None:
        frame = frame.reindex(columns=list(columns))
    frame.to_csv(path, mode="a", header=not path.exists() or path.stat().st_size == 0, index=False)


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

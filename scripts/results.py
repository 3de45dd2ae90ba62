"""Benchmark rows streamed to CSV: each batch appended as it ends, so a killed run keeps them."""

from __future__ import annotations

from collections.abc import Sequence
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

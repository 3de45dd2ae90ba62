"""Tests of the benchmarks' shared row and score helpers (``scripts/results.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from results import append_rows, commits_note, normalized, stamped  # noqa: E402


def test_rows_of_a_script_that_gained_a_column_are_kept(tmp_path):
    path = tmp_path / "runs.csv"
    append_rows(path, [{"a": 1, "b": 2}], ["a", "b"])
    append_rows(path, [{"a": 3, "b": 4, "c": 5}], ["a", "b", "c"])  # a column added since
    append_rows(path, [{"a": 6, "b": 7, "c": 8}], ["a", "b", "c"])
    rows = pd.read_csv(path)
    assert rows.columns.tolist() == ["a", "b", "c"] and rows["a"].tolist() == [1, 3, 6]
    assert np.isnan(rows["c"][0]) and rows["c"][1:].tolist() == [5, 8]


def test_a_missing_entry_is_not_scored_as_the_best():
    scores = pd.DataFrame({"m1": [0.9, 0.5, 0.7], "m2": [0.8, np.nan, 0.7], "m3": [0.85, 0.6, 0.7005]})
    norm = normalized(scores, tie=1e-3)
    assert norm.loc[0].tolist() == pytest.approx([1.0, 0.0, 0.5])
    assert np.isnan(norm.loc[1, "m2"]) and norm.loc[1, ["m1", "m3"]].tolist() == [0.0, 1.0]
    assert norm.loc[2].tolist() == [1.0, 1.0, 1.0]  # within the tie: every entry the best


def test_rows_say_the_commit_they_ran_from_and_a_mix_is_noted():
    rows = stamped([{"a": 1}, {"a": 2}])
    assert rows[0]["commit"] == rows[1]["commit"] != ""
    runs = pd.DataFrame({"a": [1, 2, 3], "commit": ["abc", "abc", None]})
    assert commits_note(runs) == "- Rows from several commits: abc (2 rows), not recorded (1 rows)."
    assert commits_note(runs.iloc[:2]) == commits_note(runs.drop(columns="commit")) == ""

"""Tests of the benchmarks' shared row and score helpers (``scripts/results.py``)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from benchmark_tune import score_tables  # noqa: E402
from corpora import removed_with  # noqa: E402
from results import append_rows, commits_note, from_defaults, normalized, stamped  # noqa: E402


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


def test_normalized_from_the_defaults_to_the_best_compared_method():
    scores = pd.DataFrame({"a": [0.9, 0.5, 0.7, 0.60], "b": [0.8, np.nan, 0.6, 0.75]})
    default = pd.Series([0.7, 0.5, 0.7, 0.80])
    norm = from_defaults(scores, default, scores.max(axis=1).combine(default, max), tie=1e-3)
    assert norm.loc[0].tolist() == pytest.approx([1.0, 0.5])
    assert norm.loc[1, "a"] == 0.0 and np.isnan(norm.loc[1, "b"])  # no gap to the defaults: 0; missing stays
    assert norm.loc[2].tolist() == [0.0, 0.0] and norm.loc[3].tolist() == [0.0, 0.0]  # the defaults the best
    unscored = from_defaults(scores, pd.Series([np.nan] * 4), scores.max(axis=1))
    assert unscored.isna().all().all()  # without the defaults' score, no score: not 0


def test_the_tune_benchmark_scores_ten_trials_among_the_issues_methods_not_every_prefix():
    entries = [("lightgbm_default", 0, 0.70), ("metahpo", 1, 0.60), ("metahpo", 10, 0.80), ("optuna_tpe", 1, 0.50),
               ("optuna_tpe", 30, 0.90), ("optuna_tpe", 50, 0.90)]
    runs = pd.DataFrame([{"dataset_id": "d", "method": m, "budget": b, "test_score": t, "search_s": 1.0}
                         for m, b, t in entries])
    wide, norm, ranks, _ = score_tables(runs)
    assert norm.loc["d", "metahpo@10"] == pytest.approx(0.5) and norm.loc["d", "optuna_tpe@30"] == 1.0  # 0 = defaults
    assert norm.loc["d", ["metahpo@1", "optuna_tpe@1"]].tolist() == pytest.approx([-0.5, -1.0])  # -1 at most
    assert ranks.loc["d"].dropna().to_dict() == {"lightgbm_default": 4.0, "metahpo@10": 3.0, "optuna_tpe@30": 1.5,
                                                 "optuna_tpe@50": 1.5}  # the prefixes are not ranked


def test_rows_say_the_commit_they_ran_from_and_a_mix_is_noted():
    rows = stamped([{"a": 1}, {"a": 2}])
    assert rows[0]["commit"] == rows[1]["commit"] != ""
    runs = pd.DataFrame({"a": [1, 2, 3], "commit": ["abc", "abc", None]})
    assert commits_note(runs) == "- Rows from several commits: abc (2 rows), not recorded (1 rows)."
    assert commits_note(runs.iloc[:2]) == commits_note(runs.drop(columns="commit")) == ""


def test_a_leave_out_removes_the_same_rows_under_another_name_in_either_corpus():
    assert removed_with(frozenset({"allbp", "allrep", "dis"})) >= {"sick", "allhyper", "allhypo"}
    assert removed_with(frozenset({"solar"})) == {"solar", "flare", "solar_flare_2"}
    assert removed_with(frozenset({"iris"})) == {"iris"}

"""Nothing lost, nothing injected: scripts/fault_injection.py in its quick form (kills, concurrent
writers, torn rows, corrupt files), and hostile inputs that must be one clear line, not a traceback."""

import subprocess
import sys
from pathlib import Path

import pandas as pd
from sklearn.datasets import load_iris

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "fault_injection.py"
SCENARIOS = {"kill-live-writer", "kill-tune", "kill-build", "kill-batch", "kill-compact", "concurrent",
             "concurrent-builds", "torn-row", "corrupt-file"}


def test_fault_injection_quick_loses_duplicates_and_breaks_nothing(tmp_path):
    out = tmp_path / "faults.csv"
    done = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--out", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    table = pd.read_csv(out)
    assert set(table["scenario"]) >= SCENARIOS
    assert (table["trials"] > 0).all()
    killed = table[table["scenario"] != "corrupt-file"]  # corrupt files are refused or load unchanged
    assert (killed["runs_expected"] > 0).all()
    assert (table["runs_found"] == table["runs_expected"]).all()
    assert (table[["runs_lost", "runs_duplicated", "failures"]] == 0).all().all()


def test_a_prior_score_that_is_no_number_is_one_line_naming_the_row(tmp_path, capsys):
    from metahpo.cli import main
    from metahpo.spaces import LIGHTGBM

    data = tmp_path / "data.csv"
    load_iris(as_frame=True).frame.iloc[::3].to_csv(data, index=False)
    prior = tmp_path / "prior.csv"
    row = {n: LIGHTGBM.default[n] for n in LIGHTGBM.names}
    pd.DataFrame([{**row, "score": 0.9}, {**row, "learning_rate": 0.2, "score": "abc"}]).to_csv(prior, index=False)
    status = main(["tune", str(data), "--family", "lightgbm", "--sampler", "none", "--n-trials", "1", "--cv", "2",
                   "--quiet", "--prior", str(prior)])
    assert status == 2
    assert capsys.readouterr().err.splitlines() == [f"metahpo: error: {prior}: the prior's score in row 2 is 'abc', "
                                                    f"not a number"]

"""Progress lines: durations, plurals, the ETA, and tune's lines in Python."""

import io
import math
import os
import sys

import numpy as np
import pytest

from metahpo import progress
from metahpo.progress import ERASE_LINE, TrialProgress, duration, eta, eta_line, plural, to_stderr
from metahpo.search import Study, Trial
from metahpo.spaces import LIGHTGBM
from metahpo.tuning import tune


def test_durations_plurals_and_eta():
    assert [duration(s) for s in (0.04, 8.3, 42, 185, 7800, math.inf)] == [
        "0.0 s", "8.3 s", "42 s", "3 min 5 s", "2 h 10 min", "?"]
    assert (plural(1, "row"), plural(2, "row"), plural(0, "dataset")) == ("1 row", "2 rows", "0 datasets")
    assert eta(2, 10, 4.0) == 16.0 and eta(2, 10, 4.0, deadline=5.0) == 5.0 and eta(0, 10, 1.0) == math.inf
    assert eta_line(1, 4, 10.0) == "1/4 done, 10 s elapsed, ETA 30 s"
    assert eta_line(1, 4, 10.0, work=(900.0, 1000.0)) == "1/4 done, 10 s elapsed, ETA 1.1 s"  # the largest done


def test_trial_lines_count_the_budget_and_skip_prior_results():
    stream = io.StringIO()
    progress, study = TrialProgress(3, None, "roc_auc", stream), Study(LIGHTGBM)
    config = LIGHTGBM.sample(1, 0)[0]
    study.add_prior([config], [0.7])
    progress(study, study.trials[0])  # a prior result is not a trial of this run
    for number, score in ((1, 0.8), (2, math.nan)):
        trial = Trial(number, config, "bayes", score=score, status="ok" if score == score else "failed")
        study.trials.append(trial)
        progress(study, trial)
    lines = stream.getvalue().splitlines()
    assert [line.split()[:3] for line in lines] == [["trial", "1/3", "bayes"], ["trial", "2/3", "bayes"]]
    assert "failed" in lines[1] and "best roc_auc 0.80000" in lines[1] and "ETA" in lines[1]


def _two_searches(monkeypatch, n_trials: int | None, timeout: float | None) -> list[str]:
    """The progress lines of two searches of one trial each: made at 0 s; the first search begins
    after a 10 s setup, its trial ends at 11 s and the search at 12 s; the second begins at 20 s and
    its trial ends at 21 s."""
    clock = iter([0.0, 10.0, 11.0, 12.0, 20.0, 21.0])
    monkeypatch.setattr("metahpo.progress.time.monotonic", lambda: next(clock))
    stream, study = io.StringIO(), Study(LIGHTGBM)
    progress = TrialProgress(n_trials, timeout, "roc_auc", stream)
    for number in (0, 1):
        progress.begin()
        trial = Trial(number, LIGHTGBM.sample(1, number)[0], "bayes", score=0.8)
        study.trials.append(trial)
        progress(study, trial)
        if number == 0:
            progress.close()
    return stream.getvalue().splitlines()


def test_the_eta_is_paced_by_the_searches_not_by_the_setups_before_them(monkeypatch):
    first, second = _two_searches(monkeypatch, 5, None)
    assert first.endswith("11 s elapsed, ETA 4.0 s")  # 1 s of search for 1 trial, not 11
    assert second.endswith("21 s elapsed, ETA 4.5 s")  # 2 + 1 s of searches for 2 trials, not 21


def test_a_timeout_left_counts_the_later_searches_setups(monkeypatch):
    first, second = _two_searches(monkeypatch, None, 30)  # a 30 s timeout from the first search's start
    assert first.endswith("ETA 29 s") and second.endswith("ETA 19 s")  # 30 - 1, then 30 - 11: not 30 - 2 s of search


def test_tune_is_silent_when_asked(capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    tune(X, (X[:, 0] > 0).astype(int), n_trials=2, sampler=None, cv=2, verbose=False)
    assert capsys.readouterr().err == ""


def test_one_progress_counts_every_familys_trials_and_names_them():
    stream = io.StringIO()
    progress = TrialProgress(3, None, "roc_auc", stream, show_family=True)
    for number, (study, score) in enumerate([(Study(LIGHTGBM), 0.9), (Study(LIGHTGBM), 0.8)]):
        trial = Trial(0, LIGHTGBM.sample(1, number)[0], "recommended", score=score)
        trial.family = "linear" if number else "lightgbm"
        study.trials.append(trial)
        progress(study, trial)
    lines = stream.getvalue().splitlines()
    assert [line.split()[:4] for line in lines] == [["trial", "1/3", "lightgbm", "recommended"],
                                                    ["trial", "2/3", "linear", "recommended"]]
    assert "best roc_auc 0.90000" in lines[1]  # the best of both studies, not the second's own


def test_tunes_summary_names_the_best_trial_as_its_progress_line_does(capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(150, 4))
    result = tune(X, (X[:, 0] + rng.normal(size=150) > 0).astype(int), n_trials=4, warm_start=1, cv=2)  # every family
    err = capsys.readouterr().err.splitlines()
    trials = [line.split() for line in err if line.startswith("trial ")]
    assert [t[1] for t in trials] == ["1/4", "2/4", "3/4", "4/4"] and {t[2] for t in trials} == {"lightgbm", "linear"}
    summary = err[-1]
    number = int(summary.split(" trial ")[1].split(",")[0])
    assert summary.startswith(f"best roc_auc {result.best_score:.5f} ({result.family} trial {number}, ")
    assert trials[number - 1][2] == result.family and float(trials[number - 1][4]) == round(result.best_score, 5)
    row = result.trials.set_index("trial").loc[number]  # and as result.trials numbers it
    assert row["family"] == result.family and row["score"] == result.best_score
    assert result.trials["trial"].tolist() == [1, 2, 3, 4]


def test_progress_lines_no_one_reads_are_dropped_and_the_work_goes_on(monkeypatch, tmp_path):
    class GoneReader(io.StringIO):  # `metahpo batch ... 2>&1 | head`, head done
        def __init__(self, fd):
            super().__init__()
            self.fd = fd

        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

        def fileno(self):
            return self.fd

    with open(tmp_path / "stderr", "w") as stand_in:
        monkeypatch.setattr("sys.stderr", GoneReader(stand_in.fileno()))
        to_stderr("batch: iris ok in 1.0 s")  # no BrokenPipeError


def _two_trials(progress: TrialProgress) -> None:
    """Report two trials of one search to ``progress``."""
    study = Study(LIGHTGBM)
    for number in (0, 1):
        trial = Trial(number, LIGHTGBM.sample(1, number)[0], "bayes", score=0.8)
        study.trials.append(trial)
        progress(study, trial)


def test_trial_lines_no_one_reads_are_dropped_and_the_search_goes_on():
    read, write = os.pipe()
    os.close(read)  # `metahpo tune ... 2>&1 | head`, head done
    with open(write, "w") as gone:
        progress = TrialProgress(2, None, "roc_auc", gone)
        _two_trials(progress)  # no BrokenPipeError
        progress.close()
        assert os.path.samestat(os.fstat(gone.fileno()), os.stat(os.devnull))  # the exit flush finds no pipe
    assert progress.done == 2


def test_a_closed_terminal_is_a_reader_gone_too(monkeypatch):
    class Closed(io.StringIO):  # what writing to a terminal whose window closed raises
        def write(self, text):
            raise OSError(5, "Input/output error")

    silenced = []
    monkeypatch.setattr(progress, "silence", silenced.append)
    monkeypatch.setattr(sys, "stderr", Closed())
    to_stderr("a line")  # no OSError: the line is dropped, and the stream silenced
    assert silenced == [sys.stderr]


def test_a_terminals_trial_line_fits_its_width_and_overwrites_the_one_before():
    pty = pytest.importorskip("pty")
    import fcntl
    import select
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 60, 0, 0))  # 60 columns: trial lines are wider
    with open(slave, "w") as terminal:
        _two_trials(TrialProgress(5, None, "roc_auc", terminal))
        shown = b""
        while select.select([master], [], [], 0.5)[0]:  # a terminal may pass the two lines in two reads
            shown += os.read(master, 4096)
        shown = shown.decode()
    os.close(master)
    first, second = shown.split("\r")[1:]
    assert first.startswith("trial 1/5 ") and second.startswith("trial 2/5 ")  # the source left out, ...
    assert "ETA" in first and "ETA" in second  # ... not the ETA
    assert first.endswith(ERASE_LINE) and max(len(first), len(second)) <= 59 + len(ERASE_LINE)  # no wrap


@pytest.mark.parametrize("columns", [200, 60, 40, 25])
def test_a_narrower_terminal_drops_more_of_a_trial_line_before_its_eta(columns, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(progress, "_columns", lambda stream: columns)
    terminal = Terminal()
    _two_trials(TrialProgress(5, None, "roc_auc", terminal, show_family=True))
    line = terminal.getvalue().split("\r")[-1].removesuffix(ERASE_LINE)
    assert line.startswith("trial 2/5") and "ETA" in line and len(line) < columns
    assert ("bayes" in line) == (columns == 200) and ("best" in line) == (columns >= 60)

"""What the command line prints speaks its language: flags and plain values, within 100 columns."""

import json

import numpy as np
import pandas as pd
import pytest

from metahpo.cli import main
from metahpo.datasets import load
from metahpo.evaluation import check_cv
from metahpo.exceptions import ConfigError, MetahpoError
from metahpo.spaces import LIGHTGBM


@pytest.mark.parametrize(("phases", "message"), [
    ("describe,magic", "--phases describe,magic: magic is not a phase; phases are describe, explore, search, cross"),
    ("nope,describe,magic", "--phases nope,describe,magic: magic, nope are not phases; phases are describe, "
                            "explore, search, cross"),
])
def test_an_unknown_kb_build_phase_is_named_in_one_line(phases, message, tmp_path, capsys):
    assert main(["kb", "build", "data.csv", "--out", str(tmp_path / "kb"), "--phases", phases]) == 2
    assert capsys.readouterr().err == f"metahpo: error: {message}\n"


def test_recommend_prints_within_100_columns(tiny_kb, tmp_path, capsys):
    kb_dir = tiny_kb.save(tmp_path / "kb")
    assert main(["recommend", "sklearn:iris", "--kb", str(kb_dir), "-n", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert max(map(len, lines)) <= 100
    numbered = [i for i, line in enumerate(lines) if line.startswith((" 1. ", " 2. ", " 3. "))]
    assert len(numbered) == 3 and lines[numbered[0] + 1].startswith("    ")  # the reason wraps, indented


def test_tune_prints_its_best_result_once(capsys):
    argv = ["tune", "sklearn:iris", "--sampler", "none", "--n-trials", "2", "--cv", "2"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    lines = (captured.out + captured.err).splitlines()
    assert [line for line in lines if line.startswith("best ")] == [captured.err.splitlines()[-1]]  # the progress's
    assert main([*argv, "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("best neg_log_loss: ") and captured.err.count("\n") == 1  # the only summary then
    assert set(json.loads(captured.out)) >= {"learning_rate", "n_estimators"}  # standard output: the JSON alone


def _optimize(**budget):
    from metahpo.search import RandomSampler, Study

    Study().optimize(lambda config: None, RandomSampler(), **budget)


def _tune(**settings):
    from metahpo.tuning import tune

    tune("sklearn:iris", n_trials=1, **settings)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: check_cv(np.int64(1)), "cv must be a whole number of cross-validation folds, at least 2; got 1"),
    (lambda: _optimize(n_trials=np.int64(-1)), "n_trials must be a whole number of trials, at least 0; got -1"),
    (lambda: _optimize(timeout=np.float64(-1.5)), "timeout must be a positive number of seconds, got -1.5"),
    (lambda: _optimize(n_trials=1, n_jobs=np.int64(0)), "n_jobs must be a positive integer or -1, got 0"),
    (lambda: _tune(timeout=0), "timeout must be a positive number of seconds, got 0"),
    (lambda: _tune(ensemble=np.int64(0)), "ensemble must be a whole number of best trials to combine, at least 1; got 0"),
    (lambda: _tune(warm_start=np.int64(-1)), "warm_start must be a whole number of recommended configurations, at "
                                              "least 0; got -1"),
])
def test_bad_settings_are_named_with_plain_values(call, message):
    with pytest.raises(ConfigError) as caught:
        call()
    assert str(caught.value).endswith(message) and "np." not in str(caught.value)


def _grid(*names):
    from metahpo.search import GridSampler, Study

    GridSampler(values={name: [1] for name in names}).ask(Study(), LIGHTGBM)


def _manifest(folder, columns):
    from metahpo.datasets import read_manifest

    (folder / "manifest.csv").write_text(f"{columns}\nx.csv\n")
    read_manifest(folder)


@pytest.mark.parametrize(("call", "pattern"), [
    (lambda tmp: load(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), pd.Series([0.5, np.nan, 1.5])),
     r"^the target has 1 missing \(NaN\) value$"),
    (lambda tmp: load(pd.DataFrame({"x": [1.0, 2.0, 3.0]}), pd.Series([np.inf, 1.0, 2.0])),
     r"^the target has 1 infinite value$"),
    (lambda tmp: LIGHTGBM.validate({**LIGHTGBM.default, "depth": 3}), r"^1 unknown lightgbm parameter \(depth\); expected "),
    (lambda tmp: _grid("depth", "leaves"), r"^grid values for 2 unknown parameters \(depth, leaves\); expected "),
    (lambda tmp: _manifest(tmp, "file"), r"manifest\.csv lacks 1 column: target$"),
    (lambda tmp: _manifest(tmp, "name"), r"manifest\.csv lacks 2 columns: file, target$"),
])
def test_counts_in_messages_take_the_right_number(call, pattern, tmp_path):
    with pytest.raises(MetahpoError, match=pattern):
        call(tmp_path)


@pytest.mark.parametrize("drop, message", [
    (["score"], "the prior needs one column per parameter and a 'score' column"),
    (["num_leaves", "subsample"], "the prior lacks 2 lightgbm parameter columns: num_leaves, subsample"),
])
def test_a_prior_file_without_scores_or_parameters_is_named_in_one_line(drop, message, tmp_path, capsys):
    prior = tmp_path / "prior.csv"
    rows = pd.DataFrame(LIGHTGBM.sample(2, random_state=0)).assign(score=[0.9, 0.8])
    rows.drop(columns=drop).to_csv(prior, index=False)
    assert main(["tune", "sklearn:iris", "--family", "lightgbm", "--n-trials", "1", "--quiet", "--prior",
                 str(prior)]) == 2
    assert capsys.readouterr().err == f"metahpo: error: {prior}: {message}\n"


@pytest.mark.parametrize("dying, message", [
    (True, "worker processes keep dying (A worker process managed by the executor was unexpectedly terminated.); "
           "fewer --n-jobs or --max-rows need less memory; batch and kb build keep what finished, and the same "
           "command resumes"),
    (False, "the worker pool failed (A task has failed to un-serialize.)"),
])
def test_a_broken_worker_pool_is_one_line_that_says_what_happened(dying, message, monkeypatch, capsys):
    from concurrent.futures.process import BrokenProcessPool

    from joblib.externals.loky.process_executor import TerminatedWorkerError

    from metahpo import cli

    def broken(args):
        if dying:
            raise TerminatedWorkerError("A worker process managed by the executor was unexpectedly terminated.\n"
                                        "The exit codes of the workers are {SIGKILL(-9)}")
        raise BrokenProcessPool("A task has failed to un-serialize.\nPlease ensure the arguments are picklable.")

    monkeypatch.setattr(cli, "_cmd_kb_info", broken)
    assert cli.main(["kb", "info"]) == 1
    assert capsys.readouterr().err == f"metahpo: error: {message}\n"

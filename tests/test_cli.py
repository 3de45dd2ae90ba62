"""The command line: meta-features, knowledge-base commands, one-line errors."""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from metahpo import metafeatures
from metahpo.cli import TABLE_WIDTH, main


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("metafeatures", "recommend", "tune", "kb"):
        assert command in out


def test_metafeatures_table_and_json(capsys):
    assert main(["metafeatures", "sklearn:iris"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line for line in lines[1:] if not line.startswith(" ")]  # long descriptions wrap, indented
    assert lines[0].startswith("Dataset(name='iris'") and len(rows) == len(metafeatures.METAFEATURES)
    assert rows[0].split()[:3] == ["n_rows", "simple", "150"]
    assert max(map(len, lines)) <= TABLE_WIDTH
    assert main(["metafeatures", "sklearn:diabetes", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["task"] == "regression" and data["metafeatures"]["n_rows"] == 442


def test_metafeatures_say_why_some_are_undefined(tmp_path, capsys):
    path = tmp_path / "text.csv"
    path.write_text("a,b,label\n" + "".join(f"{'xyz'[i % 3]},{'pq'[i % 2]},{i % 2}\n" for i in range(40)))
    assert main(["metafeatures", str(path), "--target", "label"]) == 0
    note = " ".join(capsys.readouterr().out.split("\n\n")[-1].split())
    assert note == ("nan: 11 meta-features not defined for these data (skewness_q10, skewness_q50, skewness_q90, "
                    "... (11 in all)): these data have no numeric feature, which the statistical meta-features "
                    "describe.")


def test_metafeatures_of_a_csv_with_target(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30)))
    assert main(["metafeatures", str(path), "--target", "label", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["task"] == "binary"
    assert main(["metafeatures", str(path), "--target", "label", "--json", "--categorical", "b"]) == 0
    assert json.loads(capsys.readouterr().out)["metafeatures"]["share_categorical"] == 0.5  # integer codes as categories
    assert main(["metafeatures", str(path), "--target", "label", "--categorical", "b,c"]) == 2
    assert capsys.readouterr().err == "metahpo: error: categorical column 'c' not found; columns are a, b\n"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["metafeatures", "nowhere.csv"], "no such file"),
        (["metafeatures", "sklearn:nothing"], "unknown scikit-learn dataset"),
        (["metafeatures", "openml:abc"], "whole number"),
        (["metafeatures", "openml:0"], "positive whole number"),
        (["kb", "info", "/nonexistent/kb"], "not a folder"),
        (["kb", "compact", "/nonexistent/kb"], "not a folder"),
        (["kb", "build", "sklearn:iris", "--out", "/nonexistent/kb", "--sizes", "100"], "above --max-rows"),
        (["tune", "sklearn:iris", "--seed", "-1", "--quiet"], "random_state must be a whole number (a seed)"),
        (["tune", "sklearn:iris", "--out", "/nonexistent/folder/r.json", "--quiet"], "cannot write"),
        (["recommend", "sklearn:iris", "--out", "/nonexistent/folder/r.json", "--quiet"], "cannot write"),
        (["batch", "sklearn:iris", "--out", "/proc/no/batch"], "No such file or directory: /proc/no"),
    ],
)
def test_bad_input_is_one_line_and_status_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("metahpo: error:") and message in err and "\n" not in err


def test_a_reader_that_goes_away_is_not_an_error_but_an_unusable_path_is(monkeypatch, capfd):
    from metahpo import cli

    for error, status in ((BrokenPipeError(32, "Broken pipe"), 0),
                          (PermissionError(13, "Permission denied", "/out.json"), 2)):
        def fail(args, error=error):
            raise error

        monkeypatch.setattr(cli, "_cmd_metafeatures", fail)
        assert main(["metafeatures", "sklearn:iris"]) == status
    assert capfd.readouterr().err == "metahpo: error: Permission denied: /out.json\n"


def test_missing_target_column_is_named(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text("a,b\n1,2\n3,4\n")
    assert main(["metafeatures", str(path), "--target", "y"]) == 2
    assert "target column 'y' not found" in capsys.readouterr().err


def test_kb_info_json_has_the_documented_keys(tiny_kb, tmp_path, capsys):
    tiny_kb.save(tmp_path / "kb")
    assert main(["kb", "info", str(tmp_path / "kb"), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    for key in ("n_datasets", "n_configurations", "n_runs", "density", "n_failed", "datasets_per_task"):
        assert key in info
    assert info["n_datasets"] == 12 and info["dense_configurations"] >= 6
    assert main(["kb", "info", str(tmp_path / "kb")]) == 0
    assert "n_datasets" in capsys.readouterr().out


def test_kb_compact_folds_what_a_finished_writer_left_and_spares_an_open_one(tiny_kb, tmp_path, capsys):
    from metahpo.knowledge_base import KnowledgeBase, LiveWriter

    saved = tiny_kb.merge(KnowledgeBase.empty())
    extra, saved.runs = tiny_kb.runs.iloc[-3:], tiny_kb.runs.iloc[:-3]  # the last three, streamed by writers
    saved.save(tmp_path / "kb")
    closed, still_open = LiveWriter(tmp_path / "kb", "runs"), LiveWriter(tmp_path / "kb", "runs")
    for row in extra.iloc[:2].to_dict("records"):
        closed.write(row)
    closed.close()
    still_open.write(extra.iloc[2].to_dict())
    assert main(["kb", "compact", str(tmp_path / "kb")]) == 0
    assert json.loads(capsys.readouterr().out)["n_runs"] == len(tiny_kb.runs)
    assert not closed.path.exists() and still_open.path.exists()
    assert len(KnowledgeBase.load(tmp_path / "kb").runs) == len(tiny_kb.runs)
    still_open.close()


def test_kb_info_of_the_shipped_knowledge_base(capsys):
    assert main(["kb", "info", "--json"]) == 0
    core = json.loads(capsys.readouterr().out)["n_datasets"]
    assert main(["kb", "info", "--zero-shot", "--json"]) == 0  # as recommendations read it
    assert core >= 200 and json.loads(capsys.readouterr().out)["n_datasets"] > core


def test_kb_build_resumes_from_the_command_line(tmp_path, capsys, monkeypatch):
    from metahpo.datasets import load

    for name in ("iris", "diabetes"):
        ds = load(f"sklearn:{name}").subsample(80)
        ds.X.assign(target=ds.y).to_csv(tmp_path / f"{name}.csv", index=False)
    argv = ["kb", "build", str(tmp_path / "iris.csv"), str(tmp_path / "diabetes.csv"), "--out", str(tmp_path / "kb"),
            "--n-random", "1", "--n-local", "1", "--pool-size", "2", "--cv", "2", "--max-rows", "80"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["n_datasets"] == 2 and first["dense_configurations"] >= 2
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["n_runs"] == first["n_runs"] and "nothing to do" in captured.err
    assert main([*argv[:-2], "--phases", "describe,magic"]) == 2
    assert main([*argv[:-2], "--phases", ","]) == 2 and "--phases ,: names no phase" in capsys.readouterr().err
    fresh = [*argv[:argv.index("--out") + 1], str(tmp_path / "fresh"), *argv[argv.index("--out") + 2:]]
    assert main([*fresh, "--timeout", "0.000001"]) == 1  # every run stopped: said so, with a failing status
    assert "metahpo kb build: no run succeeded (" in capsys.readouterr().err
    fresh[fresh.index("--out") + 1] = str(tmp_path / "fresher")
    assert main([*fresh, "--phases", "explore"]) == 1  # nothing described: said so, not "could not be used"
    assert "2 datasets of 2 could not be used (iris, diabetes; not described yet: run the describe phase)" in (
        capsys.readouterr().err)
    assert main([*fresh, "--phases", "describe"]) == 0 and "no run" not in capsys.readouterr().err  # none to make
    from metahpo import build

    def unreadable_iris(source, max_rows, cv):  # a file gone for a while, say (the build runs in this process)
        if source.dataset_id == "iris":
            raise OSError("disk gone")
        return loads(source, max_rows, cv)

    loads = build._dataset_and_folds
    monkeypatch.setattr(build, "_dataset_and_folds", unreadable_iris)
    assert main([*fresh, "--phases", "explore"]) == 1
    assert ("1 dataset of 2 ran no configuration successfully (iris; iris: not loaded: OSError: disk gone)"
            in capsys.readouterr().err)
    monkeypatch.setattr(build, "_dataset_and_folds", loads)
    assert main([*fresh, "--phases", "explore"]) == 0  # back: its runs run again
    assert main([*argv, "--pool-size", "3"]) == 0  # the pool of the first build is chosen
    assert "--pool-size 3 changes nothing: the pool of" in capsys.readouterr().err
    assert json.loads((tmp_path / "kb" / "manifest.json").read_text())["provenance"]["pool_size"] == 2


@pytest.mark.parametrize(
    "argv, message",
    [
        (["tune", "sklearn:iris", "--cv", "1"], "argument --cv: must be at least 2, got 1"),
        (["tune", "sklearn:iris", "--cv", "0"], "argument --cv: must be at least 2, got 0"),
        (["tune", "sklearn:iris", "--n-trials", "0"], "argument --n-trials: must be at least 1"),
        (["tune", "sklearn:iris", "--n-jobs", "0"], "argument --n-jobs: must be a positive number of workers"),
        (["tune", "sklearn:iris", "--timeout", "-3"], "argument --timeout: must be a positive number of seconds"),
        (["batch", "x", "--out", "o", "--cv", "1"], "argument --cv: must be at least 2"),
        (["recommend", "sklearn:iris", "-n", "many"], "argument -n: expected a whole number, got 'many'"),
        (["recommend", "sklearn:iris", "--n", "3"], "unrecognized arguments: --n 3"),  # not --n-jobs 3
        (["tune", "sklearn:iris", "--n-trial", "3"], "unrecognized arguments: --n-trial 3"),
    ],
)
def test_a_bad_flag_is_one_line_and_status_2(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and message in err and err.count("\n") == 1


def test_a_scheduler_address_dask_cannot_read_is_one_line_and_status_2(tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    assert main(["batch", "sklearn:iris", "--out", str(tmp_path / "b"), "--scheduler", "localhost"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("metahpo: error: cannot reach the Dask scheduler at localhost: ") and err.count("\n") == 1


def test_kb_alone_prints_its_own_commands_and_batch_out_must_be_a_folder(tmp_path, capsys):
    assert main(["kb"]) == 2
    assert "KB_COMMAND" in capsys.readouterr().out
    assert main(["kb", "info", str(tmp_path), "--zero-shot"]) == 2
    assert "--zero-shot reads the shipped knowledge base" in capsys.readouterr().err
    (tmp_path / "afile").write_text("")
    assert main(["batch", "sklearn:iris", "--out", str(tmp_path / "afile")]) == 2
    assert "afile is a file: the output is a folder" in capsys.readouterr().err


def test_ensemble_without_tuning_is_refused_before_any_work(tmp_path, capsys):
    assert main(["batch", "sklearn:iris", "--out", str(tmp_path / "b"), "--ensemble", "3"]) == 2
    assert "--ensemble needs --tune N" in capsys.readouterr().err and not (tmp_path / "b").exists()


def test_batch_with_a_failed_dataset_exits_1_and_names_it(tmp_path, capsys):
    (tmp_path / "broken.csv").write_text("a,target\n1,1\n2,1\n3,1\n")  # a single class
    argv = ["batch", "sklearn:iris", str(tmp_path / "broken.csv"), "--out", str(tmp_path / "b"), "-n", "1"]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "2 datasets: 1 ok, 1 failed (broken" in out and "(parameters of 1 dataset)" in out
    assert main(["batch", "sklearn:iris", "--out", str(tmp_path / "ok"), "-n", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 dataset: 1 ok, 0 failed\n") and "errors in" not in out


def test_kb_build_of_broken_inputs_only_exits_1(tmp_path, capsys):
    (tmp_path / "broken.csv").write_text("a,target\n1,1\n2,1\n")
    argv = ["kb", "build", str(tmp_path / "broken.csv"), "--out", str(tmp_path / "kb"), "--n-random", "1",
            "--n-local", "0", "--pool-size", "1", "--cv", "2"]
    assert main(argv) == 1
    assert "1 dataset of 1 could not be used (broken" in capsys.readouterr().err


def test_kb_build_of_no_dataset_or_a_name_with_a_versions_mark_is_one_line_and_status_2(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    out = tmp_path / "kb"
    assert main(["kb", "build", str(tmp_path / "empty"), "--out", str(out)]) == 2
    assert capsys.readouterr().err == f"metahpo: error: no dataset found in {tmp_path / 'empty'}\n"
    (tmp_path / "at").mkdir()
    for name in ("credit", "credit@600"):  # its 600 rows and the 600-row version of credit: one id
        (tmp_path / "at" / f"{name}.csv").write_text("a,target\n" + "".join(f"{i},{i % 2}\n" for i in range(700)))
    assert main(["kb", "build", str(tmp_path / "at"), "--out", str(out), "--sizes", "600", "--max-rows", "300"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("metahpo: error: a dataset's name may not hold '@'") and "credit@600 (" in err
    assert err.count("\n") == 1 and not out.exists()  # refused before the folder is made


def test_kb_build_keeps_its_summary_and_status_when_no_one_reads_its_output(tmp_path, monkeypatch, capsys):
    from metahpo import cli

    def reader_gone(obj):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(cli, "_print_json", reader_gone)  # `metahpo kb build ... | head`, head done
    monkeypatch.setattr(cli, "silence", lambda stream: None)  # capsys's stdout is not a pipe to silence
    (tmp_path / "broken.csv").write_text("a,target\n1,1\n2,1\n")
    argv = ["kb", "build", str(tmp_path / "broken.csv"), "--out", str(tmp_path / "kb"), "--n-random", "1",
            "--n-local", "0", "--pool-size", "1", "--cv", "2"]
    assert main(argv) == 1
    assert "1 dataset of 1 could not be used (broken" in capsys.readouterr().err


@pytest.mark.parametrize("data, metric", [("breast_cancer", "roc_auc"), ("diabetes", "r2")])  # diabetes: wide cells
def test_recommend_table_fits_the_terminal(data, metric, capsys):
    assert main(["recommend", f"sklearn:{data}", "-n", "12"]) == 0  # the shipped knowledge base
    out = capsys.readouterr().out
    table = out.split("\n\nRecommendations for")[0].splitlines()
    assert max(map(len, table)) <= TABLE_WIDTH
    assert table[0].split()[:2] == ["rank", "#1"] and any(line.startswith(f"expected_{metric} ") for line in table)
    assert "#12" in out  # the configurations that do not fit beside the first ones follow in a second block


def test_tune_shows_progress_and_prints_json(tmp_path, capsys):
    argv = ["tune", "sklearn:iris", "--family", "lightgbm", "--sampler", "none", "--n-trials", "3", "--cv", "2",
            "--json"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["task"] == "multiclass" and len(result["trials"]) == 3
    lines = captured.err.splitlines()
    assert lines[0] == "metahpo tune: loading sklearn:iris"
    assert lines[1].startswith("tune iris: 150 rows x 4 features, multiclass, neg_log_loss by 2-fold")
    assert [line.split()[1] for line in lines if line.startswith("trial ")] == ["1/3", "2/3", "3/3"]
    assert "ETA" in lines[-3] and lines[-1].startswith("best neg_log_loss")
    assert lines[-2] == f"refitted on all 150 rows with {result['best_params']['n_estimators']} rounds"  # no growth
    assert main([*argv, "--quiet"]) == 0
    assert capsys.readouterr().err == ""
    assert {t["status"] for t in result["trials"]} == {"ok"}  # every fold of every trial, by default
    assert main([*argv, "--prune"]) == 0
    assert "pruned" in {t["status"] for t in json.loads(capsys.readouterr().out)["trials"]}
    record = ["--record-to", str(tmp_path / "record"), "--quiet"]
    assert main([*argv, *record]) == 0
    first = json.loads(capsys.readouterr().out)["trials"]
    assert main([*argv, *record, "--resume", "--n-trials", "5"]) == 0  # two more
    resumed = json.loads(capsys.readouterr().out)["trials"]
    recorded = [{k: v for k, v in t.items() if k != "fit_time"} for t in resumed[:3]]  # fit_time kept to 0.1 ms
    assert recorded == [{k: v for k, v in t.items() if k != "fit_time"} for t in first] and len(resumed) == 5


def test_tune_takes_a_sampler_and_still_the_former_strategy_flag_with_a_warning(capsys):
    argv = ["tune", "sklearn:iris", "--family", "lightgbm", "--warm-start", "0", "--n-trials", "2", "--cv", "2",
            "--n-jobs", "1", "--json"]
    assert main([*argv, "--sampler", "random"]) == 0
    captured = capsys.readouterr()
    new = json.loads(captured.out)
    assert "--strategy" not in captured.err and [t["source"] for t in new["trials"]] == ["random", "random"]
    assert main([*argv, "--strategy", "random"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("metahpo: warning: --strategy is renamed --sampler in metahpo tune")
    old = json.loads(captured.out)
    assert [t["score"] for t in old["trials"]] == [t["score"] for t in new["trials"]]
    assert old["best_params"] == new["best_params"]
    assert main([*argv, "--sampler", "random", "--strategy", "bayes"]) == 2
    assert "give --sampler random or --strategy bayes, not both" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["tune", "--help"])
    shown = capsys.readouterr().out
    assert "--sampler" in shown and "--strategy" not in shown  # the former name works, unadvertised


def test_the_package_and_its_command_line_start_without_the_heavy_imports():
    import subprocess
    import sys

    code = ("import sys, metahpo, metahpo.cli; metahpo.cli._parser(); "
            "print(sorted(m for m in ('pandas', 'sklearn', 'lightgbm', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    version = subprocess.run([sys.executable, "-m", "metahpo", "--version"], capture_output=True, text=True)
    assert version.returncode == 0 and version.stdout.startswith("metahpo ")


def test_task_is_read_from_the_command_line(tmp_path, capsys):
    path = tmp_path / "codes.csv"
    path.write_text("a,label\n" + "".join(f"{i},{i % 4}\n" for i in range(40)))  # four whole numbers: classes
    assert main(["metafeatures", str(path), "--target", "label", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["task"] == "multiclass"
    assert main(["metafeatures", str(path), "--target", "label", "--json", "--task", "regression"]) == 0
    assert json.loads(capsys.readouterr().out)["task"] == "regression"


def test_kb_ingest_reads_a_history_file_and_minimize_turns_losses_into_scores(tmp_path, capsys):
    import pandas as pd

    from metahpo.knowledge_base import KnowledgeBase

    history = tmp_path / "trials.csv"
    pd.DataFrame({"learning_rate": [0.05, 0.2], "num_leaves": [15, 31], "score": [0.31, 0.45]}).to_csv(
        history, index=False)  # log losses, lower is better
    assert main(["kb", "ingest", "sklearn:iris", "--history", str(history), "--metric", "neg_log_loss",
                 "--minimize", "--out", str(tmp_path / "mine")]) == 0
    assert json.loads(capsys.readouterr().out)["ingested"] == 2
    assert sorted(KnowledgeBase.load(tmp_path / "mine").runs["score_neg_log_loss"]) == [-0.45, -0.31]
    assert main(["kb", "ingest", "sklearn:iris", "--history", str(history), "--metric", "neg_log_loss",
                 "--out", str(tmp_path / "other")]) == 2  # a positive neg_log_loss: a loss without --minimize
    assert "neg_log_loss" in capsys.readouterr().err


def test_tune_passes_its_budget_and_exits_130_when_interrupted(tmp_path, monkeypatch, capsys):
    from metahpo import tuning

    seen, real = {}, tuning.tune

    def interrupted_after_the_first_trial(*args, **kwargs):
        seen.update(kwargs)

        def stop(study, trial):
            raise KeyboardInterrupt
        return real(*args, **{**kwargs, "callbacks": [stop]})

    monkeypatch.setattr(tuning, "tune", interrupted_after_the_first_trial)
    out = tmp_path / "result.json"
    assert main(["tune", "sklearn:iris", "--family", "lightgbm", "--n-trials", "5", "--timeout", "600", "--cv", "2",
                 "--quiet", "--out", str(out)]) == 130
    assert seen["timeout"] == 600 and seen["n_trials"] == 5
    result = json.loads(out.read_text())  # the best of the trials run is written all the same
    assert len(result["trials"]) == 1 and result["interrupted"] is True


def test_an_interrupted_tune_exits_130_when_the_reader_of_its_output_is_gone(tmp_path, monkeypatch, capfd):
    from metahpo import cli, tuning

    real = tuning.tune

    def interrupted_after_the_first_trial(*args, **kwargs):
        def stop(study, trial):
            raise KeyboardInterrupt
        return real(*args, **{**kwargs, "callbacks": [stop]})

    def reader_gone(obj):
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(tuning, "tune", interrupted_after_the_first_trial)
    monkeypatch.setattr(cli, "_print_json", reader_gone)
    monkeypatch.setattr(cli, "silence", lambda stream: None)  # capfd's stdout is not a pipe to silence
    out = tmp_path / "result.json"
    assert main(["tune", "sklearn:iris", "--family", "lightgbm", "--n-trials", "5", "--cv", "2", "--quiet",
                 "--out", str(out)]) == 130
    assert json.loads(out.read_text())["interrupted"] is True
    assert f"Result written to {out}" in capfd.readouterr().err


def test_an_unknown_sampler_is_named_in_the_command_lines_words(capsys):
    from metahpo.search import SAMPLERS

    assert main(["tune", "sklearn:iris", "--sampler", "nope"]) == 2
    assert capsys.readouterr().err == (f"metahpo: error: unknown sampler 'nope'; choose {', '.join(SAMPLERS)}, or none "
                                       f"for a cold start\n")


def test_categorical_columns_may_be_listed_with_spaces(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n" + "".join(f"{i % 4},{i % 3},{i % 2}\n" for i in range(30)))
    assert main(["metafeatures", str(path), "--target", "label", "--json", "--categorical", "a, b "]) == 0
    assert json.loads(capsys.readouterr().out)["metafeatures"]["share_categorical"] == 1.0


def test_a_timeout_alone_is_the_budget_of_tune(monkeypatch):
    from metahpo import tuning

    budgets = []

    def no_trial(*args, **kwargs):
        budgets.append((kwargs["n_trials"], kwargs["timeout"]))
        raise KeyboardInterrupt

    monkeypatch.setattr(tuning, "tune", no_trial)
    for budget in (["--timeout", "30"], [], ["--timeout", "30", "--n-trials", "5"]):
        assert main(["tune", "sklearn:iris", "--quiet", *budget]) == 130
    assert budgets == [(None, 30.0), (20, None), (5, 30.0)]  # as many trials as 30 s leave time for, as tune() runs


TUNE = [sys.executable, "-m", "metahpo", "tune", "sklearn:iris", "--family", "lightgbm", "--sampler", "none", "--cv",
        "2"]
"""A quick tune from the shell, to which a budget is added."""


def test_tune_prints_only_its_json_on_standard_output(tmp_path, capsys):
    out = tmp_path / "result.json"
    argv = [*TUNE[3:], "--n-trials", "2", "--ensemble", "2", "--out", str(out)]
    for quiet in ([], ["--quiet"]):
        assert main([*argv, *quiet]) == 0
        captured = capsys.readouterr()
        assert json.loads(captured.out) == json.loads(out.read_text())["best_params"]
        assert "\nensemble of " in captured.err and captured.err.endswith(f"\nResult written to {out}\n")
    assert captured.err.startswith("best neg_log_loss: ")  # with --quiet, the summary the progress lines end with


def test_out_is_written_through_a_temporary_file_of_its_own(tmp_path):
    from metahpo.cli import _write_json

    out, other = tmp_path / "r.json", tmp_path / ".r.json.part"
    other.write_text("{")  # what another process writing r.json has written so far
    _write_json(str(out), {"score": np.float64(0.5)})
    with pytest.raises(TypeError):
        _write_json(str(out), {"score": object()})
    assert json.loads(out.read_text()) == {"score": 0.5} and other.read_text() == "{"
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, out.name]  # no temporary file left


def test_a_result_that_cannot_be_written_is_printed_all_the_same(tmp_path, monkeypatch, capsys):
    from metahpo import tuning

    real, folder = tuning.tune, tmp_path / "gone"

    def then_the_folder_goes(*args, **kwargs):
        result = real(*args, **kwargs)
        folder.rmdir()
        return result

    folder.mkdir()
    monkeypatch.setattr(tuning, "tune", then_the_folder_goes)
    assert main([*TUNE[3:], "--n-trials", "2", "--quiet", "--out", str(folder / "r.json")]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["n_estimators"] >= 1
    assert captured.err.endswith(f"metahpo: error: cannot write {folder / 'r.json'}: No such file or directory; the "
                                 f"result is printed on standard output\n")


def test_an_error_no_one_reads_is_still_status_2(monkeypatch):
    read, write = os.pipe()
    os.close(read)  # `metahpo ... 2>&1 | head`, head done
    with open(write, "w") as gone:
        monkeypatch.setattr("sys.stderr", gone)
        assert main(["metafeatures", "sklearn:nothing"]) == 2  # no BrokenPipeError


def test_tune_goes_on_when_no_one_reads_its_progress(tmp_path):
    out = tmp_path / "result.json"
    run = subprocess.Popen([*TUNE, "--n-trials", "3", "--out", str(out)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    run.stderr.close()  # `2>&1 | head`, head done before the first line
    printed = run.stdout.read()
    assert run.wait(timeout=120) == 0
    result = json.loads(out.read_text())
    assert len(result["trials"]) == 3 and json.loads(printed) == result["best_params"]


def test_sigterm_ends_tune_as_ctrl_c_does_keeping_the_best_so_far(tmp_path):
    out = tmp_path / "result.json"
    run = subprocess.Popen([*TUNE, "--n-trials", "1000", "--out", str(out)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        next(line for line in run.stderr if line.startswith("trial "))  # a line each: standard error is no terminal
        run.send_signal(signal.SIGTERM)
        printed, _ = run.communicate(timeout=60)
    finally:
        run.kill()  # once it ended, nothing
    assert run.returncode == 130
    result = json.loads(out.read_text())
    assert result["interrupted"] is True and 1 <= len(result["trials"]) < 1000
    assert json.loads(printed) == result["best_params"]


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on Windows")
def test_an_error_while_printing_is_the_one_raised_and_the_result_still_written(tmp_path, capsys):
    from metahpo.cli import _written_after

    out = tmp_path / "result.json"
    with pytest.raises(BrokenPipeError):  # the reader of standard output gone: not a write error of ours
        with _written_after(str(out), {"a": 1}, "Result"):
            raise BrokenPipeError
    assert json.loads(out.read_text()) == {"a": 1} and "Result written to" in capsys.readouterr().err
    with pytest.raises(KeyboardInterrupt):  # a folder that cannot be written is said, the interrupt raised
        with _written_after(str(tmp_path / "gone" / "result.json"), {"a": 1}, "Result"):
            raise KeyboardInterrupt
    err = capsys.readouterr().err
    assert "cannot write" in err and "printed on standard output" not in err


def test_a_hangup_stops_a_command_as_ctrl_c_does_unless_ignored(monkeypatch, capsys):
    from metahpo import cli

    def hung_up(args):
        assert signal.getsignal(signal.SIGHUP) is not signal.SIG_DFL  # else the hangup below ends pytest
        signal.raise_signal(signal.SIGHUP)

    monkeypatch.setattr(cli, "_cmd_metafeatures", hung_up)
    before = {number: signal.signal(number, signal.SIG_DFL) for number in (signal.SIGHUP, signal.SIGTERM)}
    try:  # at their defaults, as a terminal runs a command (pytest itself may run under nohup)
        assert main(["metafeatures", "sklearn:iris"]) == 130
        assert capsys.readouterr().err == "metahpo: interrupted\n"
        assert signal.getsignal(signal.SIGHUP) is signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # restored
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
    monkeypatch.setattr(cli, "_cmd_metafeatures", lambda args: signal.getsignal(signal.SIGHUP) is signal.SIG_IGN)
    ignored = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # as nohup runs a command
    try:
        assert main(["metafeatures", "sklearn:iris"]) is True  # the hangup stays ignored
    finally:
        signal.signal(signal.SIGHUP, ignored)

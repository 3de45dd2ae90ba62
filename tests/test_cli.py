"""The command line: meta-features, knowledge-base commands, one-line errors."""

import json

import pytest

from metahpo import metafeatures
from metahpo.cli import main


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
    assert lines[0].startswith("Dataset(name='iris'") and len(lines) == 1 + len(metafeatures.METAFEATURES)
    assert lines[1].split()[:3] == ["n_rows", "simple", "150"]
    assert main(["metafeatures", "sklearn:diabetes", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["task"] == "regression" and data["metafeatures"]["n_rows"] == 442


def test_metafeatures_of_a_csv_with_target(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30)))
    assert main(["metafeatures", str(path), "--target", "label", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["task"] == "binary"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["metafeatures", "nowhere.csv"], "no such file"),
        (["metafeatures", "sklearn:nothing"], "unknown scikit-learn dataset"),
        (["metafeatures", "openml:abc"], "whole number"),
        (["kb", "info", "/nonexistent/kb"], "not a folder"),
    ],
)
def test_bad_input_is_one_line_and_status_2(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("metahpo: error:") and message in err and "\n" not in err


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


def test_kb_info_of_the_shipped_knowledge_base(capsys):
    assert main(["kb", "info", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_datasets"] >= 200


def test_kb_build_resumes_from_the_command_line(tmp_path, capsys):
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

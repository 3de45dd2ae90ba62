"""What the command line prints speaks its language: flags and plain values, within 100 columns."""

import pytest

from metahpo.cli import main


@pytest.mark.parametrize(("phases", "message"), [
    ("describe,magic", "--phases describe,magic: magic is not a phase; phases are describe, explore, cross"),
    ("nope,describe,magic", "--phases nope,describe,magic: magic, nope are not phases; phases are describe, "
                            "explore, cross"),
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

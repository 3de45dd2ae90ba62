"""Messages speak the command line's language: flags and plain values, plurals right."""

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

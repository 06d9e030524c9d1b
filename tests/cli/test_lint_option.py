"""statebound list --lint prints the z3 lint's findings (text and JSON)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from statebound.cli import main

MODEL = '''
from statebound.checker import Enum, Instance, Machine, System, Transition, Var

def lamp():
    s = Var("state", Enum("Off", "On"))
    m = Machine(name="lamp", variables=(s,), transitions=(
        Transition("on", guard=s == "Off", updates={s: "On"}),
        Transition("off", guard=s == "On", updates={s: "Off"}),
        Transition("never", guard=(s == "Off") & (s == "On"), updates={s: "Off"}),
    ))
    return System(name="lamp", instances=(Instance("lamp", m),))
'''


def test_list_lint_names_a_guard_that_is_never_true(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("z3")
    model = tmp_path / "lamp.py"
    model.write_text(MODEL, encoding="utf-8")
    assert main(["list", f"{model}:lamp", "--lint"]) == 0
    out, _ = capsys.readouterr()
    assert "lint (1):" in out and "never" in out and "[guard-never-true]" in out
    assert main(["list", f"{model}:lamp", "--lint", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr()[0])
    assert [(w["code"], w["transition"]) for w in doc["lint"]] == [("guard-never-true", "never")]
    assert main(["list", f"{model}:lamp"]) == 0
    assert "lint" not in capsys.readouterr()[0]

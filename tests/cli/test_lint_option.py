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


PARTIAL = '''
from statebound import Array, Int, Instance, Machine, System, Transition, Var, always, ref

def arr():
    a, i = Var("a", Array(Int(0, 3), size=2)), Var("i", Int(0, 3))
    m = Machine(name="m", variables=(a, i), transitions=(
        Transition("inc", guard=(i < 1) & (a[i] < 3), updates={a[i]: a[i] + 1}),
        Transition("next", guard=i < 1, updates={i: i + 1}),
    ))
    return System(name="arr", instances=(Instance("m", m),), check_deadlock=False,
                  properties=(always("small", ref("m", "a")[ref("m", "i")] <= 3),))
'''


def test_a_model_z3_cannot_lint_says_so_and_is_not_called_clean(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    # the lint refuses a property whose evaluation can fail in some state of the domains: check said
    # "note: no lint warnings: ..." (as if the model were clean) and list --lint an error about the property
    pytest.importorskip("z3")
    model = tmp_path / "arr.py"
    model.write_text(PARTIAL, encoding="utf-8")
    assert main(["check", f"{model}:arr", "--no-out"]) == 0
    _, err = capsys.readouterr()
    assert err.startswith("statebound: note: the model was not linted: property 'small': "), err
    assert "no lint warnings" not in err
    assert main(["list", f"{model}:arr", "--lint"]) == 2
    _, err = capsys.readouterr()
    assert err.startswith("statebound: error: --lint: arr cannot be linted: property 'small': "), err

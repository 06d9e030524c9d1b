"""check --lemma NAME (issue 14): an always property of the model, proved first and then assumed by
--engine induction and auto; a bad name is bad input (exit 2) that suggests a close one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from statebound.cli import main

MODEL = '''
from statebound.checker import Instance, Int, Machine, System, Transition, Var, always, ref, sometimes

def pair():
    x, y = Var("x", Int(0, 9)), Var("y", Int(0, 9))
    m = Machine(name="p", variables=(x, y), transitions=(
        Transition("step", guard=x < 4, updates={x: x + 1, y: y + 1}),
        Transition("reset", guard=x == 4, updates={x: 0, y: 0}),
    ))
    return System(name="pair", instances=(Instance("p", m),), properties=(
        always("in-step", ref("p", "x") == ref("p", "y")),
        always("y-small", ref("p", "y") <= 4),
        sometimes("y-four", ref("p", "y") == 4),
    ))
'''


@pytest.fixture
def pair(tmp_path: Path) -> str:
    model = tmp_path / "pair.py"
    model.write_text(MODEL, encoding="utf-8")
    return f"{model}:pair"


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args, "--no-out", "--no-lint"])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_lemma_is_assumed_in_the_proof_of_the_properties_checked(pair: str,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("z3")
    # y-small alone is not k-inductive for small k; with x == y assumed it is 1-inductive
    code, out, _ = _check(capsys, pair, "--engine", "induction", "--property", "y-small", "--lemma", "in-step",
                          "--format", "json")
    assert code == 0
    (outcome,) = json.loads(out)["properties"]
    assert outcome["verdict"] == "holds" and outcome["engine"] == "induction"
    assert "1-induction" in outcome["message"] and "in-step" in outcome["message"]


def test_auto_passes_the_lemmas_to_induction(pair: str, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("z3")
    # --max-states 3 leaves y-small open to exploration, so auto escalates it to induction
    code, out, _ = _check(capsys, pair, "--property", "y-small", "--lemma", "in-step", "--max-states", "3",
                          "--format", "json")
    assert code == 0
    (outcome,) = json.loads(out)["properties"]
    assert (outcome["verdict"], outcome["engine"]) == ("holds", "induction")
    assert "in-step" in outcome["message"]


@pytest.mark.parametrize(("args", "message"), [
    (["--lemma", "in-stp"], "--lemma in-stp: pair has no always property 'in-stp'; did you mean 'in-step'?"),
    (["--lemma", "y-four"], "--lemma y-four: 'y-four' is a sometimes property of pair; a lemma must be an "
                            "always(...) invariant"),
    (["--lemma", "in-step", "--engine", "fast"], "--lemma in-step: --engine fast does not use lemmas; use "
                                                 "--engine induction or --engine auto (the default)"),
])
def test_a_bad_lemma_is_bad_input_before_anything_is_checked(pair: str, capsys: pytest.CaptureFixture[str],
                                                             args: list[str], message: str) -> None:
    code, out, err = _check(capsys, pair, *args)
    assert code == 2
    assert err.strip() == f"statebound: error: {message}"
    assert out == "" and "Traceback" not in err


def test_every_bad_lemma_is_named_at_once(pair: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _check(capsys, pair, "--lemma", "nope", "--lemma", "y-four")
    assert code == 2
    assert "--lemma nope:" in err and "--lemma y-four:" in err

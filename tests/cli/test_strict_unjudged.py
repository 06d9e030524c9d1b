"""check --strict when a rule that can hold vacuously was proved by induction (auto escalates to it
when exploration is cut short): induction does not tell whether the rule's tag ever fires, so
--strict cannot say the rule is not vacuous; it said nothing and exited 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from statebound.cli import main

MODEL = '''
from statebound.checker import Instance, Int, Machine, System, Transition, Var, on_step, ref

def vac():
    x = Var("x", Int(0, 100))
    m = Machine(name="m", variables=(x,), transitions=(
        Transition("inc", guard=x < 100, updates={x: x + 1}),
        Transition("reset", guard=x == 100, updates={x: 0}),
        Transition("never", guard=x > 100, updates={x: 0}, tags="boom"),
    ))
    return System(name="vac", instances=(Instance("m", m),),
                  properties=(on_step("boom-only-small", "boom", before=ref("m", "x") < 5),))
'''


def test_strict_says_when_it_could_not_judge_vacuity(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("z3")
    model = tmp_path / "vac.py"
    model.write_text(MODEL, encoding="utf-8")
    assert main(["check", f"{model}:vac", "--no-out", "--no-lint", "--strict"]) == 5  # explored: judged
    capsys.readouterr()
    code = main(["check", f"{model}:vac", "--no-out", "--no-lint", "--strict", "--max-states", "10"])
    out, err = capsys.readouterr()
    assert "ok   boom-only-small  holds (step)" in out
    assert code == 0
    assert ("statebound: note: --strict: boom-only-small was proved by induction, which does not tell whether "
            "it holds only vacuously") in err

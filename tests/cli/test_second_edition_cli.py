"""A model that uses the second edition's System fields loads through the CLI with every field kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from statebound.cli import main

MODEL = '''
from statebound.checker import Instance, Int, Machine, System, Transition, Var, always, ref, shared

def counter():
    total = shared("total", Int(0, 5))
    n = Var("n", Int(0, 9))
    m = Machine(name="m", variables=(n,), transitions=(
        Transition("inc", guard=n < 9, updates={n: n + 1, "shared.total": ref("shared", "total") + 1}),
    ))
    return System(name="counter", instances=(Instance("m", m),), shared=(total,),
                  constraint=ref("m", "n") < 3, check_deadlock=True,
                  properties=(always("total-follows-n", ref("shared", "total") == ref("m", "n")),))
'''


def test_shared_variables_and_the_constraint_survive_loading(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "counter.py"
    model.write_text(MODEL, encoding="utf-8")
    code = main(["check", f"{model}:counter", "--no-out"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "total-follows-n  holds" in out
    assert "deadlock-free  holds" in out  # the state outside the constraint is not a deadlock

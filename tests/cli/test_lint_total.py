"""The lint that check runs after its verdicts has a total time (CHECK_LINT_TOTAL): cut short, it
gives the warnings found so far and a note, and the verdicts and exit code stand; the library's
lint(total=...) raises LintCutShort with the partial warnings."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import statebound.cli
from statebound.checker import Enum, Instance, Machine, System, Transition, Var
from statebound.checker.lint import LintCutShort, lint
from statebound.cli import main

pytest.importorskip("z3")


def _lamps(n: int) -> System:
    s = Var("state", Enum("Off", "On"))
    m = Machine(name="lamp", variables=(s,), transitions=(
        Transition("on", guard=s == "Off", updates={s: "On"}),
        Transition("never", guard=(s == "Off") & (s == "On"), updates={s: "Off"}),
    ))
    return System(name="lamps", instances=tuple(Instance(f"lamp{k}", m) for k in range(n)), check_deadlock=False)


def test_lint_without_a_total_asks_every_question() -> None:
    assert [w.instance for w in lint(_lamps(3))] == ["lamp0", "lamp1", "lamp2"]


def test_a_total_that_runs_out_raises_with_what_was_found(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(range(1000))  # each reading of the clock is a second later
    monkeypatch.setattr(time, "monotonic", lambda: float(next(clock)))
    with pytest.raises(LintCutShort) as cut:
        lint(_lamps(3), total=3.5)
    assert cut.value.skipped > 0
    assert set(cut.value.warnings) < set(lint(_lamps(3)))  # fewer warnings, and each a real one
    assert "the lint stopped after 3.5 s with" in str(cut.value)


MODEL = '''
from statebound.checker import Enum, Instance, Machine, System, Transition, Var

def lamps():
    s = Var("state", Enum("Off", "On"))
    m = Machine(name="lamp", variables=(s,), transitions=(
        Transition("on", guard=s == "Off", updates={s: "On"}),
        Transition("never", guard=(s == "Off") & (s == "On"), updates={s: "Off"}),
    ))
    return System(name="lamps", instances=(Instance("lamp", m),), check_deadlock=False)
'''


def test_check_notes_a_lint_cut_short_and_keeps_its_exit_code(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    model = tmp_path / "lamps.py"
    model.write_text(MODEL, encoding="utf-8")
    monkeypatch.setattr(statebound.cli, "CHECK_LINT_TOTAL", 1e-9)
    assert main(["check", f"{model}:lamps", "--no-out"]) == 0
    out, err = capsys.readouterr()
    assert "statebound: note: the lint stopped after 1e-09 s with" in err
    assert "the verdicts, which stand" in err
    assert "guard-never-true" not in out  # nothing was asked, so nothing is claimed

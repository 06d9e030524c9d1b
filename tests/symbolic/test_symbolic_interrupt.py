"""Ctrl-C during a z3 query: z3 answers ``unknown`` ("interrupted from keyboard") and swallows the
signal; the engines turn that answer back into a KeyboardInterrupt, and the CLI exits 130."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

z3 = pytest.importorskip("z3")

from statebound.checker.engines.symbolic._encode import solve  # noqa: E402


class _Interrupted:
    """A solver whose query was interrupted from the keyboard (what z3 reports after a Ctrl-C)."""

    def check(self, *terms: object) -> object:
        return z3.unknown

    def reason_unknown(self) -> str:
        return "interrupted from keyboard"


class _TimedOut(_Interrupted):
    def reason_unknown(self) -> str:
        return "timeout"


def test_an_interrupted_query_is_a_keyboard_interrupt() -> None:
    with pytest.raises(KeyboardInterrupt):
        solve(_Interrupted())


def test_a_query_that_ran_out_of_time_is_only_unknown() -> None:
    assert solve(_TimedOut()) == z3.unknown


def test_ctrl_c_stops_an_induction_check_from_the_command_line(tmp_path: Path) -> None:
    model = tmp_path / "hard.py"
    model.write_text(textwrap.dedent('''
        from statebound.checker import Instance, Int, Machine, System, Transition, Var, always, ref

        def hard():
            x, y = Var("x", Int(0, 2**40)), Var("y", Int(0, 2**40))
            m = Machine(name="m", variables=(x, y), transitions=(
                Transition("mix", guard=x < 2**39, updates={x: x * 3 + y, y: y * 5 + x + 1}),
            ))
            return System(name="hard", instances=(Instance("m", m),), check_deadlock=False,
                          properties=(always("never-equal-odd", ~((ref("m", "x") == ref("m", "y") * 7 + 3))),))
    '''), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-P", "-m", "statebound", "check", f"{model}:hard", "--engine", "induction",
                             "--no-out", "--no-lint"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        out, err = proc.communicate(timeout=4)
    except subprocess.TimeoutExpired:  # still proving: interrupt it
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    else:
        pytest.skip(f"the query ended before the interrupt (exit {proc.returncode}); nothing to interrupt")
    assert proc.returncode == 130, out + err
    assert "Traceback" not in err

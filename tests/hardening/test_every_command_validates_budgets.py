"""Defect 12 for every command that takes --timeout: nan, inf, zero and negatives are bad input (exit 2),
named in one line, whichever command is given them."""

from __future__ import annotations

from pathlib import Path

import pytest

from statebound.cli import main

LAMP = Path(__file__).resolve().parents[2] / "examples" / "lamp.py"


@pytest.mark.parametrize("command", [
    ["check", f"{LAMP}:lamp_and_switch"],
    ["simulate", f"{LAMP}:lamp_and_switch", "--runs", "2"],
    ["trace", f"{LAMP}:lamp_and_switch", "missing.jsonl"],
    ["conform", "no_adapter.py:adapter", f"{LAMP}:lamp_and_switch"],
])
@pytest.mark.parametrize("bad", ["nan", "inf", "0", "-1"])
def test_a_bad_timeout_is_bad_input_in_every_command(command: list[str], bad: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*command, "--no-out", "--timeout", bad])
    _, err = capsys.readouterr()
    assert code == 2
    assert f"--timeout {bad}" in err and "Traceback" not in err

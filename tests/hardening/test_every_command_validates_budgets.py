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


@pytest.mark.parametrize("command", [
    ["check", f"{LAMP}:lamp_and_switch", "--no-out"],
    ["diagram", f"{LAMP}:lamp_and_switch", "--format", "dot"],
])
@pytest.mark.parametrize("bad", ["nan", "inf", "0", "-1", "1.5", "lots"])
def test_a_bad_memory_limit_is_bad_input_in_every_exploring_command(command: list[str], bad: str,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*command, "--max-memory-mb", bad])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.strip() == (f"statebound: error: --max-memory-mb {bad}: not a whole number of megabytes, at least 1, "
                           "e.g. --max-memory-mb 2048")


COUNTER = Path(__file__).resolve().parents[1] / "cli" / "fixtures" / "lamps.py"


@pytest.mark.parametrize("engine", ["explicit", "fast", "auto"])
def test_a_memory_limit_below_what_the_process_uses_is_inconclusive(engine: str,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    # 1 MB is less than any Python process holds: every engine stops at its first look (exit 3)
    code = main(["check", f"{COUNTER}:counter", "-p", "limit=20000", "--engine", engine, "--max-memory-mb", "1",
                 "--no-out", "--no-lint"])
    out, err = capsys.readouterr()
    assert code == 3
    assert "memory limit (1 MB) reached" in out + err and "Traceback" not in err


def test_diagram_out_of_memory_suggests_only_what_diagram_takes(capsys: pytest.CaptureFixture[str],
                                                                 tmp_path: Path) -> None:
    # diagram has no --engine: the message told it to "use --engine fast or auto"
    code = main(["diagram", f"{COUNTER}:counter", "-p", "limit=20000", "--property", "bounded", "--max-memory-mb", "1",
                 "--out", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 3
    assert "memory limit (1 MB) reached" in err and "--engine" not in err, err

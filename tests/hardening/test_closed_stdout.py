"""A reader that stops reading (``statebound check ... | head -1``): the exit code is still the
verdicts' and ``--out`` is still written. click turned the first write into a closed pipe into
``sys.exit(1)`` ("violated") from inside the command, before report.json and the traces existed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAMPS = ROOT / "tests" / "cli" / "fixtures" / "lamps.py"


def _closed_stdout(*args: str, stderr_closed: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the CLI with a stdout (and maybe stderr) whose reader has gone: every write to it fails."""
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first line is written
    try:
        return subprocess.run([sys.executable, "-m", "statebound", *args], stdout=write,
                              stderr=write if stderr_closed else subprocess.PIPE, text=True, check=False,
                              cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    finally:
        os.close(write)


@pytest.mark.parametrize(("name", "code"), [("safe", 0), ("lamps", 1)])
def test_a_closed_stdout_keeps_the_exit_code_and_the_out_folder(tmp_path: Path, name: str, code: int) -> None:
    out = tmp_path / "out"
    proc = _closed_stdout("check", f"{LAMPS}:{name}", "--out", str(out), "--no-lint")
    assert proc.returncode == code, proc.stderr
    assert proc.stderr == ""  # no traceback, no "Exception ignored"
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["exit_code"] == code
    if code == 1:
        assert (out / "not-all-on.itf.json").exists()


def test_a_closed_stdout_with_json_and_a_closed_stderr(tmp_path: Path) -> None:
    proc = _closed_stdout("check", f"{LAMPS}:safe", "--no-out", "--format", "json", "--no-lint", stderr_closed=True)
    assert proc.returncode == 0
    proc = _closed_stdout("list", f"{LAMPS}:nope", stderr_closed=True)  # an error on stderr, which is closed too
    assert proc.returncode == 2

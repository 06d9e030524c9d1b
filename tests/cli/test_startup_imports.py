"""Start-up (issue 13): ``statebound --help`` and a small check load only what they use. What is
imported is asserted, not how long it takes (the machine is shared; timings go in docs/architecture.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures" / "lamps.py"
#: libraries a command imports only when it uses them
HEAVY = ("z3", "numpy", "scipy", "hypothesis", "networkx", "graphviz", "rich", "websockets")


def _imported_by(*args: str) -> set[str]:
    """The modules a fresh interpreter holds after ``statebound ARGS``."""
    code = ("import json, sys\n"
            "from statebound.cli import main\n"
            f"code = main({list(args)!r})\n"
            "print(json.dumps(sorted(sys.modules)), file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False)
    return set(json.loads(proc.stderr.strip().splitlines()[-1]))


def _roots(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_help_imports_no_library_and_no_engine() -> None:
    modules = _imported_by("--help")
    assert not _roots(modules) & set(HEAVY)
    assert not {m for m in modules if m.startswith("statebound.checker.engines.")} - {"statebound.checker.engines.base"}
    assert not {"statebound.checker.machine", "statebound.checker._compile", "statebound.diagrams"} & modules


def test_check_help_imports_no_engine() -> None:
    modules = _imported_by("check", "--help")
    assert not _roots(modules) & set(HEAVY)
    assert "statebound.checker.engines.reference" not in modules


def test_a_small_check_imports_the_reference_engine_only() -> None:
    # safe has no liveness rule (networkx is for liveness) and the lint is off (z3)
    modules = _imported_by("check", f"{FIXTURES}:safe", "--no-out", "--no-lint")
    assert not _roots(modules) & set(HEAVY)
    engines = {m.split(".")[3] for m in modules if m.startswith("statebound.checker.engines.") and m.count(".") >= 3}
    assert engines == {"auto", "base", "reference"}


def test_the_lint_is_what_brings_z3_into_a_small_check() -> None:
    modules = _imported_by("check", f"{FIXTURES}:safe", "--no-out")
    assert "z3" in _roots(modules)
    assert not _roots(modules) & {"numpy", "scipy", "hypothesis", "networkx", "graphviz"}


def test_the_verdicts_are_printed_before_any_diagram_is_drawn_or_the_lint_runs(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from statebound import cli

    seen: dict[str, str] = {}
    write_outputs, check_lint = cli._write_outputs, cli._check_lint

    def writing(*args: Any, **kwargs: Any) -> Any:
        seen["writing"] = capsys.readouterr().out
        return write_outputs(*args, **kwargs)

    def linting(*args: Any, **kwargs: Any) -> Any:
        seen["linting"] = capsys.readouterr().out
        return check_lint(*args, **kwargs)

    monkeypatch.setattr(cli, "_write_outputs", writing)
    monkeypatch.setattr(cli, "_check_lint", linting)
    assert cli.main(["check", f"{FIXTURES}:lamps", "--out", str(tmp_path / "out")]) == 1
    assert "FAIL not-all-on  violated" in seen["linting"]  # the lint comes after the verdicts
    assert "hold, 1 violated" in seen["linting"]
    assert "writing" in seen  # and the diagrams after both

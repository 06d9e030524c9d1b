"""Start-up (issue 13): ``statebound --help`` and a small check load only what they use. What is
imported is asserted, not how long it takes (the machine is shared; timings go in docs/architecture.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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

"""Results are deterministic: same model, same answer, same trace, even across processes with
different string-hash seeds (set iteration order changes with PYTHONHASHSEED)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent

SCRIPT = """
import sys
sys.path[:0] = [{root!r}, {tests!r}]
from statebound.checker import check
from zoo import ZOO
sys.path.insert(0, {bench!r})
import scalable
for e in ZOO:
    if e.error is None:
        for o in check(e.build(), budget=e.budget).outcomes:
            print(e.name, o.property, o.verdict.value, repr(o.trace), o.message, o.warnings, o.coverage.states)
for o in check(scalable.system(2, liveness=True)).outcomes:
    print("scalable", o.property, o.verdict.value, repr(o.trace), o.coverage.states)
"""


def _run(seed: str) -> str:
    code = SCRIPT.format(root=str(ROOT), tests=str(TESTS), bench=str(ROOT / "benchmarks"))
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_traces_do_not_depend_on_the_hash_seed() -> None:
    first, second = _run("1"), _run("12345")
    assert first.count("\n") > 60
    assert first == second

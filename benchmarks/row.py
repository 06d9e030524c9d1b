"""One row of ``python -m benchmarks``, run in its own process so that its peak memory is its own.

    python -m benchmarks.row ENGINE CASE N [PARAMS_JSON] [MAX_MEMORY_MB]

Prints one JSON object: states, transitions, seconds (the check's wall time, loading excluded),
the verdict of every property and the exit code a ``statebound check`` would give.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def build(case: str, n: int, params: dict[str, Any]) -> Any:
    if case in ("model", "model-live"):
        from benchmarks.scalable import system

        return system(n, liveness=case == "model-live")
    if case == "model-sym":
        from benchmarks.scalable import symmetric_system

        return symmetric_system(n)
    from statebound.models import phase3

    return getattr(phase3, case)(**params)


def main() -> None:
    engine_name, case, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    params = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
    mb = int(sys.argv[5]) if len(sys.argv) > 5 and sys.argv[5] != "-" else None
    from statebound.checker import Budget, engine

    system = build(case, n, params)
    e = engine(engine_name)
    budget = Budget(max_memory_mb=mb) if mb is not None else Budget()
    started = time.perf_counter()
    report = e.check(system, budget=budget)
    seconds = time.perf_counter() - started
    print(json.dumps({
        "states": report.coverage.states,
        "transitions": report.coverage.steps,
        "seconds": seconds,
        "complete": report.coverage.complete,
        "stopped": report.coverage.stopped,
        "verdicts": {o.property: o.verdict.value for o in report.outcomes},
        # symmetry reduction (model-sym): the states the canonical ones stand for, and why not
        "represented": getattr(report.coverage, "represented", None),
        "symmetry": getattr(report.coverage, "symmetry", None),
        "exit": int(report.exit_code()),
    }))


if __name__ == "__main__":
    main()

"""Time the reference engine against a hand-written BFS over tuples on the benchmark model.

    .venv/bin/python benchmarks/bench_reference.py [N] [repeats]

Both explore the same state space (10**N + 3*4**N states for R = 2); runs alternate so that
machine noise hits both alike, and the figure to read is the ratio of the medians.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.handwritten import bfs  # noqa: E402
from benchmarks.scalable import system  # noqa: E402
from statebound.checker import check, explore  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    expected = 10**n + 3 * 4**n
    sys_ = system(n)
    hand, ref, full = [], [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        count = bfs(n)
        hand.append(time.perf_counter() - t0)
        assert count == expected, (count, expected)
        t0 = time.perf_counter()
        ex = explore(sys_)
        ref.append(time.perf_counter() - t0)
        assert len(ex.states) == expected, (len(ex.states), expected)
        t0 = time.perf_counter()
        report = check(sys_)
        full.append(time.perf_counter() - t0)
        assert report.exit_code() == 0
    h, r, f = statistics.median(hand), statistics.median(ref), statistics.median(full)
    print(f"benchmark model N={n}: {expected:,} states, {repeats} runs each (medians)")
    print(f"  hand-written BFS over tuples   {h:7.3f} s  {expected / h:10,.0f} states/s")
    print(f"  statebound explore()           {r:7.3f} s  {expected / r:10,.0f} states/s  ratio {r / h:.2f}x")
    print(f"  statebound check() (P1 + deadlock, parents, compile) {f:7.3f} s  ratio {f / h:.2f}x")


if __name__ == "__main__":
    main()

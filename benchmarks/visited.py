"""How the fast engine's visited set was chosen: the same stream of lookups through three designs.

    .venv/bin/python -m benchmarks.visited [N]

The candidate successors the fast engine looks up while exploring MODEL.md's model at N (every
batch, in order) are recorded, then replayed through: the table of state numbers
(:class:`~statebound.checker.engines.fast._visited.Visited`, any state width), the table of
one-word states (:class:`~statebound.checker.engines.fast._visited.KeyTable`, the default when a
state fits one word) and sorting (``np.unique`` of each batch, ``searchsorted`` into a sorted
array of the visited states, merged by sorting). All three must find the same number of states.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from benchmarks.scalable import system
from statebound.checker.engines import fast
from statebound.checker.engines.fast import _visited


def record(n: int) -> list[np.ndarray]:
    batches: list[np.ndarray] = []
    original = _visited.KeyTable.insert

    def spy(self, keys, stored, count):  # type: ignore[no-untyped-def]
        batches.append(keys.copy())
        return original(self, keys, stored, count)

    _visited.KeyTable.insert = spy  # type: ignore[method-assign]
    try:
        fast.explore(system(n))
    finally:
        _visited.KeyTable.insert = original  # type: ignore[method-assign]
    return batches


def replay(table: object, batches: list[np.ndarray]) -> int:
    total = sum(len(b) for b in batches)
    stored = np.empty((total, 1), dtype=np.uint64)
    n = 0
    for keys in batches:
        _, first = table.insert(keys, stored, n)  # type: ignore[attr-defined]
        new = keys[first]
        stored[n:n + len(new)] = new
        n += len(new)
    return n


def by_sorting(batches: list[np.ndarray]) -> int:
    seen = np.empty(0, dtype=np.uint64)
    for keys in batches:
        k = np.sort(keys[:, 0])
        u = k[np.concatenate(([True], k[1:] != k[:-1]))]
        at = np.minimum(np.searchsorted(seen, u), max(len(seen) - 1, 0))
        new = u[seen[at] != u] if len(seen) else u
        seen = np.sort(np.concatenate((seen, new)))
    return len(seen)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    batches = record(n)
    print(f"MODEL.md N={n}: {sum(len(b) for b in batches):,} lookups in {len(batches)} batches")
    for name, run in (("state numbers (Visited)", lambda: replay(_visited.Visited(), batches)),
                      ("one-word states (KeyTable)", lambda: replay(_visited.KeyTable(need_ids=False), batches)),
                      ("sorting", lambda: by_sorting(batches))):
        started = time.perf_counter()
        found = run()
        print(f"  {name:<28} {time.perf_counter() - started:7.2f} s  {found:,} states")


if __name__ == "__main__":
    main()

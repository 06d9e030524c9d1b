"""How much of the benchmark model random runs reach: plain walks, swarm testing, targeting, the random engine.

    .venv/bin/python benchmarks/random_coverage.py [N] [runs] [steps] [seed]

Defaults: N = 5 (10**5 + 3 * 4**5 = 103,072 reachable states), 1,000 runs of 50 steps (issue 11).
Every strategy makes the same number of runs of the same length from the initial state; the
figure is the number of distinct states the runs visit, over the reachable states. (A visit is a
state a run is in; 1,000 runs of 50 steps visit at most 50,001 distinct states, 48.5% of them.)
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scalable import system  # noqa: E402
from statebound.checker._compile import compile_system  # noqa: E402
from statebound.checker.engines.random import simulate  # noqa: E402


def uniform_walks(c: Any, runs: int, steps: int, seed: int) -> set[Any]:
    """Plain uniform random walks (Python's random): each step one successor, uniformly."""
    rng = random.Random(seed)
    seen: set[Any] = set()
    for _ in range(runs):
        s = rng.choice(c.initial_states())
        seen.add(s)
        for _ in range(steps):
            succ = c.successors(s)
            if not succ:
                break
            s = rng.choice(succ)[1]
            seen.add(s)
    return seen


def hypothesis_walks(c: Any, runs: int, steps: int, seed: int, *, swarm: bool = False, targeted: bool = False) -> set[Any]:
    """Walks whose every choice is a Hypothesis draw: uniform, with swarm testing (each run
    disables a random subset of the transitions, as Hypothesis' stateful testing does with its
    rules), or with ``hypothesis.target`` on the number of states new to the campaign."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings, target
    from hypothesis import seed as with_seed
    from hypothesis import strategies as st

    seen: set[Any] = set()
    groups = sorted({(a.inst.machine.name, a.transition.name) for a in c.actions})
    group_of = {a.index: groups.index((a.inst.machine.name, a.transition.name)) for a in c.actions}
    choice = st.integers(0, 2**16 - 1)

    def sender(label: Any) -> int:
        return label if isinstance(label, int) else int(label[0])

    @with_seed(seed)
    @settings(max_examples=runs, database=None, deadline=None, suppress_health_check=list(HealthCheck),
              verbosity=Verbosity.quiet, phases=(Phase.generate, Phase.target) if targeted else (Phase.generate,))
    @given(st.data())
    def walk(data: Any) -> None:
        off = {g for g in range(len(groups)) if data.draw(st.booleans())} if swarm else set()
        s = c.initial_states()[0]
        new = int(s not in seen)
        seen.add(s)
        for _ in range(steps):
            pick = data.draw(choice)
            succ = c.successors(s)
            if not succ:
                continue
            allowed = [x for x in succ if group_of[sender(x[0])] not in off] or succ
            s = allowed[pick % len(allowed)][1]
            new += s not in seen
            seen.add(s)
        if targeted:
            target(float(new), label="states new to the campaign")

    walk()
    return seen


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    steps = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    model = system(n)
    reachable = 10**n + 3 * 4**n
    c = compile_system(model)
    print(f"benchmark model N={n}: {reachable:,} reachable states; {runs:,} runs of {steps} steps, seed {seed}")

    def engine(guided: bool) -> Callable[[], tuple[int, str]]:
        def go() -> tuple[int, str]:
            r = simulate(model, runs=runs, steps=steps, seed=seed, guided=guided)
            return r.coverage.states, r.outcomes[0].message.split("; ", 1)[1]
        return go

    rows: list[tuple[str, Callable[[], tuple[int, str]]]] = [
        ("plain uniform walks (Python random)", lambda: (len(uniform_walks(c, runs, steps, seed)), "")),
        ("uniform walks drawn by Hypothesis", lambda: (len(hypothesis_walks(c, runs, steps, seed)), "")),
        ("swarm testing (Hypothesis)", lambda: (len(hypothesis_walks(c, runs, steps, seed, swarm=True)), "")),
        ("hypothesis.target(new states)", lambda: (len(hypothesis_walks(c, runs, steps, seed, targeted=True)), "")),
        ("random engine, unguided", engine(False)),
        ("random engine (simulate)", engine(True)),
    ]
    for name, run in rows:
        t0 = time.perf_counter()
        states, more = run()
        print(f"{name:38} {states:>8,} states  {states / reachable:6.1%}  {time.perf_counter() - t0:6.1f} s  {more}")


if __name__ == "__main__":
    main()

"""--engine auto: exploration first; what it leaves undecided among the safety properties goes to
k-induction, and only a proof or a real counterexample replaces an inconclusive outcome."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from statebound.checker import Budget, Verdict, check, engine

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import scalable  # noqa: E402

pytest.importorskip("z3")


def test_a_space_too_large_for_the_budget_is_proved_by_induction() -> None:
    system = scalable.system(12)  # 10**12 + 3 * 4**12 states
    budget = Budget(max_states=2000)
    explored = check(system, budget=budget)
    assert {o.verdict for o in explored.outcomes} == {Verdict.INCONCLUSIVE}
    auto = engine("auto").check(system, budget=budget)
    assert [(o.property, o.verdict, o.engine) for o in auto.outcomes] == [
        (o.property, Verdict.HOLDS, "induction") for o in explored.outcomes]


def test_a_small_space_is_decided_by_exploration_alone() -> None:
    system = scalable.system(2)
    auto = engine("auto").check(system)
    reference = check(system)
    assert [(o.property, o.verdict) for o in auto.outcomes] == [(o.property, o.verdict) for o in reference.outcomes]
    assert {o.engine for o in auto.outcomes} <= {"fast", "explicit"}

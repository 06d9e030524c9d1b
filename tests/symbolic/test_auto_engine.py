"""--engine auto: exploration first; what it leaves undecided among the safety properties goes to
k-induction, and only a proof or a real counterexample replaces an inconclusive outcome."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from statebound.checker import (
    Budget,
    Instance,
    Int,
    Machine,
    Report,
    System,
    Transition,
    Var,
    Verdict,
    always,
    check,
    engine,
    ref,
)
from statebound.checker.engines.auto import SMALL_STATES, AutoEngine

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
    assert {o.engine for o in auto.outcomes} == {"explicit"}  # within the cap: the reference engine alone


def test_a_space_beyond_the_cap_is_explored_by_the_fast_engine() -> None:
    system = scalable.system(3)  # 1,192 states
    auto = AutoEngine(small_states=100).check(system)
    reference = check(system)
    assert [(o.property, o.verdict) for o in auto.outcomes] == [(o.property, o.verdict) for o in reference.outcomes]
    assert {o.engine for o in auto.outcomes} == {"fast"}
    assert auto.coverage.states == reference.coverage.states and auto.coverage.complete


def test_the_default_cap_is_the_one_documented() -> None:
    assert SMALL_STATES == 10_000
    assert AutoEngine().small_states == SMALL_STATES


def _deep(limit: int = 1 << 20, bad: int = 12) -> System:
    x = Var("x", Int(0, limit))
    m = Machine(name="c", variables=(x,), transitions=(
        Transition("tick", guard=x < limit, updates={x: x + 1}),
        Transition("reset", guard=x == limit, updates={x: 0}),
    ))
    return System(name="deep", instances=(Instance("c", m),),
                  properties=(always("below", ref("c", "x") != bad), always("in-range", ref("c", "x") <= limit)))


def test_a_violation_beyond_what_exploration_reached_is_found_and_is_a_shortest_one() -> None:
    system = _deep()
    auto = AutoEngine().check(system, budget=Budget(max_states=5))
    below = auto.outcome("below")
    assert below.verdict is Verdict.VIOLATED and below.engine in {"induction", "bmc"}
    assert below.trace is not None and len(below.trace.steps) == 12
    assert auto.outcome("in-range").verdict is Verdict.HOLDS


class _Undecided:
    """An induction engine that decides nothing (what the reference engine leaves open after one state)."""

    def __init__(self, **kwargs: object) -> None:
        pass

    def check(self, system: System, *, properties: list[str], budget: Budget) -> Report:
        return check(system, budget=Budget(max_states=1), properties=properties)


def test_bmc_searches_deeper_for_what_induction_leaves_open(monkeypatch: pytest.MonkeyPatch) -> None:
    from statebound.checker.engines import symbolic

    monkeypatch.setattr(symbolic, "InductionEngine", _Undecided)
    auto = AutoEngine().check(_deep(bad=9), budget=Budget(max_states=5))
    below = auto.outcome("below")
    assert (below.verdict, below.engine) == (Verdict.VIOLATED, "bmc")
    assert below.trace is not None and len(below.trace.steps) == 9
    # nothing undecided became holds: bmc proves no invariant
    assert auto.outcome("in-range").verdict is Verdict.INCONCLUSIVE


def test_a_violation_beyond_the_bmc_depth_stays_inconclusive(monkeypatch: pytest.MonkeyPatch) -> None:
    from statebound.checker.engines import symbolic

    monkeypatch.setattr(symbolic, "InductionEngine", _Undecided)
    auto = AutoEngine().check(_deep(bad=40), budget=Budget(max_states=5))
    assert {o.verdict for o in auto.outcomes} == {Verdict.INCONCLUSIVE}


def test_without_the_small_step_the_fast_engine_explores_where_it_packs_and_the_reference_elsewhere() -> None:
    from statebound.checker import Enum, is_in
    from statebound.checker.engines import fast

    auto = AutoEngine(small_states=0)
    assert {o.engine for o in auto.check(scalable.system(2)).outcomes} == {"fast"}
    s = Var("s", Enum("a", "b"))
    m = Machine(name="m", variables=(s,), transitions=(
        Transition("go", guard=s == "a", updates={s: "b"}, emit="e"),
        Transition("relay", on="e", updates={s: "a"}, emit="f"),
        Transition("end", on="f", updates={s: "b"}),
    ))
    system = System(name="waves", instances=(Instance("x", m), Instance("y", m)),
                    properties=(always("known", is_in(ref("x", "s"), "a", "b")),))
    if fast.unsupported(system) is None:
        pytest.skip("the fast engine packs cascades now")
    assert {o.engine for o in auto.check(system).outcomes} == {"explicit"}

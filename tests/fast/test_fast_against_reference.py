"""The fast engine against the reference engine (the oracle) on random systems and the zoo.

Both must agree on everything a report says: the reachable states (in the same breadth-first
order), verdicts, counterexamples (the very same traces, so the same lengths), messages, warnings,
where a counterexample breaks its property, and coverage, with fairness, broadcasts, budgets and
depth bounds included.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import systems, systems_v2
from zoo import ZOO

from statebound.checker import Budget, InputError, Report, System, check, engine, explore
from statebound.checker.engines import fast
from statebound.checker.engines.auto import AutoEngine

SMALL = st.one_of(systems(max_instances=3, max_transitions=4),
                  systems(max_instances=3, max_transitions=3, force_broadcast=True))


def summary(report: Report) -> list[tuple[Any, ...]]:
    """Everything an outcome says except the engine's name and the seconds it took."""
    out: list[tuple[Any, ...]] = []
    for o in report.outcomes:
        cov = o.coverage
        out.append((o.property, o.kind, o.verdict, o.trace, o.message, o.warnings, o.breach,
                    cov.states, cov.steps, cov.depth, cov.complete, cov.stopped, cov.unfired))
    c = report.coverage
    out.append((c.states, c.steps, c.depth, c.complete, c.stopped, c.unfired))
    return out


def assert_same(system: System, budget: Budget = Budget()) -> None:
    ref = check(system, budget=budget)
    got = fast.check(system, budget=budget)
    assert all(o.engine == "fast" for o in got.outcomes)
    assert summary(got) == summary(ref)


@settings(max_examples=40)
@given(SMALL)
def test_fast_explores_the_same_states_in_the_same_order(system: System) -> None:
    ref = explore(system, keep_edges=True)
    got = fast.explore(system, keep_edges=True)
    assert list(got.states) == list(ref.states)
    assert [got.depth_of(i) for i in range(len(got))] == [ref.depth_of(i) for i in range(len(ref))]
    assert [got.is_initial(i) for i in range(len(got))] == [ref.is_initial(i) for i in range(len(ref))]
    assert got.coverage().steps == ref.coverage().steps
    assert got.coverage().unfired == ref.coverage().unfired
    for sid in range(len(ref)):
        assert got.successors(sid) == ref.successors(sid)
        assert got.trace(sid) == ref.trace(sid)


@settings(max_examples=60)
@given(SMALL)
def test_fast_reports_what_the_reference_reports(system: System) -> None:
    assert_same(system)


@settings(max_examples=30)
@given(SMALL, st.data())
def test_fast_stops_where_the_reference_stops_at_a_state_budget(system: System, data: st.DataObject) -> None:
    total = len(explore(system))
    assert_same(system, Budget(max_states=data.draw(st.integers(0, total + 1), label="max_states")))


@settings(max_examples=30)
@given(SMALL, st.integers(0, 4))
def test_fast_stops_where_the_reference_stops_at_a_depth_bound(system: System, bound: int) -> None:
    assert_same(system, Budget(max_depth=bound))


RUNNABLE = [e for e in ZOO if e.error is None]
REJECTED = [e for e in ZOO if e.error is not None and not e.error[2]]  # errors found while exploring


@pytest.mark.parametrize("entry", RUNNABLE, ids=lambda e: e.name)
def test_fast_meets_every_zoo_verdict_as_the_reference_does(entry: Any) -> None:
    assert_same(entry.build(), entry.budget)


@pytest.mark.parametrize("entry", REJECTED, ids=lambda e: e.name)
def test_fast_reports_a_model_error_found_while_exploring_as_the_reference_does(entry: Any) -> None:
    system = entry.build()
    with pytest.raises(Exception) as ref:
        check(system)
    with pytest.raises(type(ref.value)) as got:
        fast.check(system)
    assert str(got.value) == str(ref.value)
    assert getattr(got.value, "trace", None) == getattr(ref.value, "trace", None)


def test_the_fast_engine_is_registered_by_name() -> None:
    e = engine("fast")
    assert e.name == "fast"


@settings(max_examples=30)
@given(systems_v2(errors=False))
def test_fast_checks_a_second_edition_system_like_the_reference_or_says_it_cannot(system: System) -> None:
    """Constructs of issue 9 the fast engine does not pack are refused with a message, never
    checked wrongly; what it accepts it checks exactly as the reference engine does."""
    why = fast.unsupported(system)
    if why is not None:
        with pytest.raises(InputError, match="--engine fast cannot check"):
            fast.check(system)
        return
    assert_same(system)


def _counter(n: int) -> System:
    from statebound.checker import Instance, Int, Machine, Transition, Var, always, ref

    x = Var("x", Int(0, n))
    m = Machine(name="counter", variables=(x,), transitions=(Transition("inc", guard=x < n, updates={x: x + 1}),))
    return System(name="counter", instances=(Instance("c", m),), properties=(always("small", ref("c", "x") <= n),),
                  check_deadlock=False)


def test_a_memory_limit_stops_the_search_with_inconclusive_never_holds() -> None:
    report = fast.check(_counter(5000), budget=Budget(max_memory_mb=1))
    o = report.outcome("small")
    assert o.verdict.value == "inconclusive"
    assert not report.coverage.complete
    assert report.coverage.stopped == "memory limit (1 MB) reached"
    assert o.message.startswith("not decided: memory limit (1 MB) reached after ")


def test_auto_uses_the_fast_engine_where_it_applies_and_the_reference_elsewhere() -> None:
    from statebound.checker import Enum, Instance, Machine, Transition, Var, always, is_in, ref

    auto = AutoEngine(small_states=0)  # past the small-space step, straight to the packed search
    assert {o.engine for o in auto.check(_counter(3)).outcomes} == {"fast"}
    s = Var("s", Enum("a", "b"))
    m = Machine(name="m", variables=(s,), transitions=(
        Transition("go", guard=s == "a", updates={s: "b"}, emit="e"),
        Transition("relay", on="e", updates={s: "a"}, emit="f"),
        Transition("end", on="f", updates={s: "b"}),
    ))
    system = System(name="waves", instances=(Instance("x", m), Instance("y", m)),
                    properties=(always("known", is_in(ref("x", "s"), "a", "b")),))
    why = fast.unsupported(system)
    assert why is not None and "cascade in waves" in why
    assert {o.engine for o in auto.check(system).outcomes} == {"explicit"}
    with pytest.raises(InputError, match="--engine fast cannot check waves: .*; use --engine explicit"):
        fast.check(system)

"""The zoo (tests/zoo.py) through the reference explicit engine: every pinned verdict, length,
warning and state count; every broken model caught, every good one holding."""

from __future__ import annotations

import pytest
from zoo import ZOO, Expect

from statebound.checker import Verdict, check, explore

RUNNABLE = [e for e in ZOO if e.error is None]
REJECTED = [e for e in ZOO if e.error is not None]


def test_the_zoo_is_big_enough_and_covers_every_kind() -> None:
    assert len(ZOO) >= 15
    kinds = set()
    for e in RUNNABLE:
        kinds |= {p.kind for p in e.build().properties}
    assert kinds == {"always", "sometimes", "step", "never-after", "leads-to"}
    assert any(e.broken for e in ZOO) and any(not e.broken for e in ZOO)


@pytest.mark.parametrize("entry", RUNNABLE, ids=lambda e: e.name)
def test_zoo_model_meets_its_pinned_verdicts(entry: Expect) -> None:
    report = check(entry.build(), budget=entry.budget)
    got = {o.property: o.verdict for o in report.outcomes}
    assert got == dict(entry.verdicts)
    for name, n in entry.lengths.items():
        trace = report.outcome(name).trace
        assert trace is not None, name
        assert len(trace) == n, name
    for name, text in entry.warnings.items():
        warnings = report.outcome(name).warnings
        if text:
            assert any(text in w for w in warnings), warnings
        else:
            assert warnings == ()
    if entry.states is not None:
        assert report.coverage.states == entry.states
        assert len(explore(entry.build()).states) == entry.states


@pytest.mark.parametrize("entry", RUNNABLE, ids=lambda e: e.name)
def test_broken_zoo_models_are_caught_and_good_ones_hold(entry: Expect) -> None:
    report = check(entry.build(), budget=entry.budget)
    verdicts = {o.verdict for o in report.outcomes}
    if entry.broken:
        assert verdicts != {Verdict.HOLDS}, "a deliberately broken model passed"
    else:
        assert verdicts == {Verdict.HOLDS}


@pytest.mark.parametrize("entry", RUNNABLE, ids=lambda e: e.name)
def test_every_violation_carries_a_trace_except_a_missing_witness(entry: Expect) -> None:
    report = check(entry.build(), budget=entry.budget)
    for o in report.outcomes:
        if o.verdict is Verdict.VIOLATED and o.kind != "sometimes":
            assert o.trace is not None, o.property
            assert o.message
        if o.verdict is Verdict.INCONCLUSIVE:
            assert o.trace is None
            assert not o.coverage.complete
            assert o.coverage.stopped


@pytest.mark.parametrize("entry", REJECTED, ids=lambda e: e.name)
def test_zoo_models_that_must_be_rejected_are(entry: Expect) -> None:
    assert entry.error is not None
    kind, text, at_build = entry.error
    with pytest.raises(kind) as info:
        check(entry.build())
    assert text in str(info.value)
    if at_build:
        with pytest.raises(kind):
            entry.build()
    else:
        system = entry.build()  # well-formed: the error shows only while exploring
        assert system.name
    if entry.error_trace is not None:
        trace = info.value.trace  # type: ignore[attr-defined]
        assert trace is not None and len(trace) == entry.error_trace


@pytest.mark.parametrize("entry", RUNNABLE, ids=lambda e: e.name)
def test_every_zoo_trace_replays_on_the_independent_interpreter(entry: Expect) -> None:
    from test_engine_against_reference import assert_valid_execution, assert_valid_lasso, reference

    from statebound.checker import LeadsTo

    system = entry.build()
    ref = reference(system)
    for o in check(system, budget=entry.budget).outcomes:
        if o.trace is None:
            continue
        p = system.property(o.property) if o.property != "deadlock-free" else None
        if isinstance(p, LeadsTo):
            assert_valid_lasso(ref, p, o.trace)
        else:
            assert_valid_execution(ref, o.trace)


def test_the_lasso_of_the_model_that_needs_strong_fairness_cycles_through_the_flicker() -> None:
    from zoo import by_name

    o = check(by_name("flicker-weak").build()).outcome("pending-delivered")
    trace = o.trace
    assert trace is not None and trace.loop is not None and trace.loop < len(trace)
    assert {s.transition for s in trace.steps[trace.loop:]} == {"flick", "flock"}
    assert o.message  # wording belongs to the output layer; structure is pinned above


def test_the_lasso_of_an_unfair_model_stutters() -> None:
    from zoo import by_name

    trace = check(by_name("closer-unfair").build()).outcome("closing-closes").trace
    assert trace is not None and trace.loop == len(trace) == 1
    assert trace.final() == {"s.sock": "Closing"}

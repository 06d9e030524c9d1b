"""Property tests of the random engine, the state machine and replay over random systems (issue 11).

The judge is the independent tree-walking interpreter of ``tests/checker/test_engine_against_reference``
and the exhaustive engine: every simulated run is an execution of the model, every violation the
random engine (or the generated state machine) reports is one the exhaustive engine finds too,
and replaying an ITF file written by ``check`` gives back its verdict.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test
from strategies import systems

from statebound.checker import LeadsTo, NeverAfter, OnStep, System, Trace, Verdict, check
from statebound.checker._compile import compile_system
from statebound.checker.engines.random import PropertyViolation, machine_for, simulate
from statebound.checker.output import to_itf
from statebound.checker.replay import replay, trace_from_itf

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "checker"))
from test_engine_against_reference import (  # noqa: E402 - the reference lives beside the reference engine's tests
    Reference,
    assert_valid_execution,
    is_deadlock,
    plain,
    reference,
    step_breaks,
)

SMALL = st.one_of(systems(max_instances=3, max_transitions=4), systems(max_instances=3, max_transitions=3, force_broadcast=True))
#: simulate() runs Hypothesis inside these Hypothesis tests (it is the random engine's generator); each
#: example is a whole simulation, so fewer examples than the profile's
NESTED = settings(suppress_health_check=[HealthCheck.nested_given, HealthCheck.too_slow], deadline=None, max_examples=25)


def assert_fair_lasso(ref: Reference, system: System, p: LeadsTo, trace: Trace) -> None:
    """*trace* is a lasso that breaks *p* under TLA+'s WF_vars/SF_vars (issue 9): a transition is
    enabled where one of its steps changes the state, and taken by a step that changes it; an
    obligation is a fair transition or a group of ``System(fairness=...)``."""
    states, labels = assert_valid_execution(ref, trace)
    loop = trace.loop
    assert loop is not None and 0 <= loop <= len(labels)
    assert any(ref.holds(p.p, s) and not any(ref.holds(p.q, x) for x in states[min(j, loop):])
               for j, s in enumerate(states)), "no p-state from which q never holds"
    groups = [(t.fair, {(i.name, t.name)}) for i, t in system.transitions() if t.on is None and t.fair]
    groups += [(g.kind, set(g.transitions)) for g in getattr(system, "fairness", ())]

    def enabled(s: Any, members: set[tuple[str, str]]) -> bool:
        return any(t != s and (lab[0], lab[1]) in members for lab, t in ref.successors[s])

    if loop == len(labels):  # it stops: nothing fair may be enabled there
        assert not any(enabled(states[-1], members) for _, members in groups), "it stops where something fair is enabled"
        return
    assert states[-1] == states[loop]
    taken = {(lab[0], lab[1]) for m, lab in enumerate(labels) if m >= loop and states[m] != states[m + 1]}
    for kind, members in groups:
        en = [enabled(s, members) for s in states[loop:-1]]
        if all(en) or (kind == "strong" and any(en)):
            assert taken & members, f"{kind} fairness of {sorted(members)} is not met on the cycle"


def confirm(ref: Reference, system: System, name: str, trace: Trace) -> None:
    """*trace* is a real execution that breaks property *name*, judged by the independent interpreter."""
    if name == "deadlock-free":
        assert_valid_execution(ref, trace)
        assert is_deadlock(ref, plain(trace, system)[-1])
        return
    p = system.property(name)
    if isinstance(p, LeadsTo):
        assert_fair_lasso(ref, system, p, trace)
        return
    states, labels = assert_valid_execution(ref, trace)
    if isinstance(p, OnStep):
        assert step_breaks(ref, p, states[-2], labels[-1], states[-1])
    elif not isinstance(p, NeverAfter):
        assert not ref.holds(p.expr, states[-1])


@NESTED
@given(SMALL, st.integers(0, 3))
def test_every_simulated_run_is_an_execution_of_the_model(system: System, seed: int) -> None:
    ref = reference(system)
    c = compile_system(system)
    runs: list[tuple[Any, Any]] = []
    simulate(system, runs=15, steps=12, seed=seed, on_run=lambda states, labels: runs.append((states, labels)))
    assert runs
    for states, labels in runs:
        assert_valid_execution(ref, c.trace(list(states), list(labels)))


@NESTED
@given(SMALL, st.integers(0, 3))
def test_every_reported_violation_is_confirmed_by_the_exhaustive_engine(system: System, seed: int) -> None:
    ref = reference(system)
    exhaustive = check(system)
    got = simulate(system, runs=25, steps=12, seed=seed)
    for o in got.outcomes:
        want = exhaustive.outcome(o.property)
        if o.verdict is Verdict.VIOLATED:
            assert want.verdict is Verdict.VIOLATED, o.property
            assert o.trace is not None
            confirm(ref, system, o.property, o.trace)
        elif o.verdict is Verdict.HOLDS:  # a witness
            assert o.kind == "sometimes" and want.verdict is Verdict.HOLDS and o.trace is not None
            states, _ = assert_valid_execution(ref, o.trace)
            assert ref.holds(system.property(o.property).expr, states[-1])  # type: ignore[union-attr]


@NESTED
@given(SMALL)
def test_the_generated_state_machine_fails_only_on_real_violations(system: System) -> None:
    exhaustive = check(system)
    try:
        run_state_machine_as_test(machine_for(system), settings=settings(
            max_examples=5, stateful_step_count=10, database=None, deadline=None, derandomize=True,
            phases=[Phase.generate]))
    except PropertyViolation as v:
        assert exhaustive.outcome(v.property).verdict is Verdict.VIOLATED
        confirm(reference(system), system, v.property, v.trace)


@given(SMALL)
def test_replaying_an_itf_file_written_by_check_reproduces_its_verdict(system: System) -> None:
    for o in check(system).outcomes:
        if o.trace is None:
            continue
        doc = json.loads(json.dumps(to_itf(o.trace, system=system.name, prop=o.property)))
        again = replay(system, trace_from_itf(doc), o.property)
        assert again.applies
        assert again.trace.states == o.trace.states and again.trace.loop == o.trace.loop
        if o.verdict is Verdict.VIOLATED:
            assert again.is_violated(o.property), again.explain(o.property)
        else:
            assert o.property in again.witnessed

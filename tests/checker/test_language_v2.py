"""The language, second edition (issue 9): fairness groups, cascades, shared variables, families,
arrays and quantifiers, initial predicates, state constraints, arithmetic, deriving variants.

Each construct has targeted tests with exact messages here; the random-system tests against the
independent interpreter are in ``test_engine_against_reference.py``.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, note
from strategies import systems_v2

from statebound.checker import (
    DEADLOCK,
    Enum,
    Fairness,
    Instance,
    LeadsTo,
    Machine,
    ModelError,
    System,
    Transition,
    Var,
    Verdict,
    check,
    explore,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_engine_against_reference import (  # noqa: E402 - the interpreter lives beside the engine's tests
    Reference,
    StepError,
    assert_report_matches,
    fair_violation_exists,
    initial_states,
    reference,
    successors,
)

STATE = Var("state", Enum("Idle", "Busy"))


def _worker() -> Machine:
    return Machine(name="worker", variables=(STATE,), transitions=(
        Transition("start", guard=STATE == "Idle", updates={STATE: "Busy"}),
        Transition("stop", guard=STATE == "Busy", updates={STATE: "Idle"}),
        Transition("poke", on="ping"),
    ))


def _pinger() -> Machine:
    return Machine(name="pinger", variables=(STATE,), transitions=(Transition("ping", emit="ping"),))


# --------------------------------------------------------------------------- fairness groups


def test_a_fairness_group_names_instances_and_transitions() -> None:
    group = Fairness("weak", (("w", "start"), ("w", "stop")), name="worker-progress")
    s = System(name="s", instances=(Instance("w", _worker()), Instance("p", _pinger())), fairness=(group,))
    assert s.fairness == (group,)
    assert Fairness("strong", [["w", "start"]]).transitions == (("w", "start"),)


def test_a_fairness_group_with_unknown_names_is_a_model_error() -> None:
    with pytest.raises(ModelError) as err:
        System(name="s", instances=(Instance("w", _worker()), Instance("p", _pinger())), fairness=(
            Fairness("weak", (("v", "start"), ("w", "strat"), ("w", "poke"), ("w", "stop"), ("w", "stop"))),
            Fairness("fair", (), name="g"),  # type: ignore[arg-type]
        ))
    assert err.value.lines == (
        "s/fairness #0: there is no instance 'v'; instances: w, p",
        "s/fairness #0: instance 'w' has no transition 'strat'; did you mean 'start'?",
        "s/fairness #0: w.poke is a receiving transition, which cannot be fair; "
        "make the emitting transitions fair instead",
        "s/fairness #0: lists w.stop twice; list each transition once",
        "s/fairness 'g': kind 'fair' is not a fairness; use 'weak' or 'strong'",
        "s/fairness 'g': names no transition; list at least one (instance, transition)",
    )


# --------------------------------------------------------------------------- random systems against the interpreter

V2 = systems_v2()


def _reference_or_error(system: System) -> Reference | None:
    """The interpreter's graph, or None when it meets a model error (then the engine must too)."""
    try:
        return reference(system)
    except StepError as err:
        note(f"the interpreter meets a model error: {err}")
        with pytest.raises(ModelError):
            check(system)
        return None


@given(V2)
def test_v2_explore_reaches_exactly_what_the_interpreter_reaches(system: System) -> None:
    ref = _reference_or_error(system)
    if ref is None:
        return
    ex = explore(system, keep_edges=True)
    assert ex.complete
    assert set(ex.states) == set(ref.graph.nodes)
    assert {s for s in range(len(ex)) if ex.is_initial(s)} == {ex.states.index(s) for s in ref.initial}
    dist = ref.distances()
    assert [dist[s] for s in ex.states] == [ex.depth_of(sid) for sid in range(len(ex))]
    labelled = {(ex.states[sid], (step.instance, step.transition, step.receivers), ex.states[tid])
                for sid in range(len(ex)) for step, tid in ex.successors(sid)}
    assert labelled == {(s, lab, t) for s, succ in ref.successors.items() for lab, t in succ}


@given(V2)
def test_v2_every_verdict_and_counterexample_matches_the_interpreter(system: System) -> None:
    ref = _reference_or_error(system)
    if ref is None:
        return
    report = check(system)
    if system.constraint is not None:
        # a state outside the constraint is not a deadlock, which the reference engine does not
        # know yet (see test_a_state_outside_the_constraint_is_not_a_deadlock)
        report = replace(report, outcomes=tuple(o for o in report.outcomes if o.property != DEADLOCK))
    assert_report_matches(ref, report)


@given(V2)
def test_v2_leads_to_matches_an_exhaustive_fair_cycle_search(system: System) -> None:
    ref = _reference_or_error(system)
    if ref is None:
        return
    report = check(system)
    for p in system.properties:
        if isinstance(p, LeadsTo):
            expected = fair_violation_exists(ref, p)
            if expected is not None:
                assert (report.outcome(p.name).verdict is Verdict.VIOLATED) == expected


@given(systems_v2(errors=True, with_properties=False))
def test_v2_model_errors_found_while_exploring_match_the_interpreter(system: System) -> None:
    try:
        reference(system)
        failing = False
    except StepError:
        failing = True
    if not failing:
        explore(system)
        return
    with pytest.raises(ModelError) as err:
        explore(system)
    trace = err.value.trace
    if trace is not None:  # found while exploring: the trace reaches the state where it fails
        states = [tuple(v for _, v in values) for values in trace.states]
        assert states[0] in initial_states(system)
        with pytest.raises(StepError):
            successors(system, states[-1])

"""prev() and unchanged(): step rules that compare a variable with its value before the step."""

from __future__ import annotations

import pytest

from statebound import checker
from statebound.checker import (
    Enum,
    Instance,
    Int,
    Machine,
    ModelError,
    System,
    Transition,
    Var,
    always,
    check,
    on_step,
    prev,
    ref,
    unchanged,
)

STATE = Var("state", Enum("Idle", "Busy"))
N = Var("n", Int(0, 3))


def counter(*, bump_on_ping: bool) -> System:
    m = Machine(name="counter", variables=(STATE, N), transitions=(
        Transition("work", guard=(STATE == "Idle") & (N < 3), updates={STATE: "Busy", N: N + 1}, tags="work"),
        Transition("done", guard=STATE == "Busy", updates={STATE: "Idle"}),
        Transition("ping", guard=N > 0, updates={N: N - 1} if bump_on_ping else {}, tags="ping"),
    ))
    return System(name="counter", instances=(Instance("c", m),), check_deadlock=False, properties=(
        on_step("ping-changes-nothing", "ping", after=unchanged(ref("c", "n"), ref("c", "state"))),
        on_step("work-counts-up", "work", after=N == prev(N) + 1),
    ))


def test_unchanged_holds_when_the_tagged_step_changes_nothing() -> None:
    report = check(counter(bump_on_ping=False))
    assert report.outcome("ping-changes-nothing").holds
    assert report.outcome("work-counts-up").holds


def test_unchanged_catches_a_tagged_step_that_changes_a_variable() -> None:
    o = check(counter(bump_on_ping=True)).outcome("ping-changes-nothing")
    assert o.verdict is checker.Verdict.VIOLATED
    assert o.trace is not None and len(o.trace) == 2  # work (n: 0 -> 1), then ping (n: 1 -> 0)
    assert [s.transition for s in o.trace.steps] == ["work", "ping"]
    assert o.message == "step 2 is tagged ping and it breaks the rule's after-condition"


def test_prev_outside_a_step_rule_is_a_model_error() -> None:
    m = Machine(name="counter", variables=(STATE, N), transitions=(Transition("work", updates={N: 0}),))
    with pytest.raises(ModelError) as err:
        System(name="s", instances=(Instance("c", m),), properties=(always("odd", ref("c", "n") == prev(ref("c", "n"))),))
    assert err.value.lines == (
        "property 'odd' expression: uses prev(), which only means something after a step; "
        "use prev() and unchanged() in on_step(..., after=...)",
    )


def test_prev_in_a_guard_is_a_model_error() -> None:
    with pytest.raises(ModelError) as err:
        Machine(name="counter", variables=(N,), transitions=(Transition("t", guard=N == prev(N)),))
    assert err.value.lines == (
        "counter/transition 't': uses prev(), which only a step property can read; "
        "guards and updates already read the state before the step; drop prev()",
    )


def test_the_public_api_is_pinned() -> None:
    assert sorted(checker.__all__) == sorted([
        "Always", "Bool", "Breach", "Budget", "Change", "Const", "Coverage", "DEADLOCK", "Engine", "Enum", "ExitCode",
        "Exploration", "Expr", "FALSE", "InputError", "Instance", "Int", "InternalError", "Kind", "LeadsTo", "Machine",
        "ModelError", "NeverAfter", "OnStep", "Op", "Outcome", "Problem", "Property", "PropertyError", "Ref", "Report",
        "Side", "Sometimes", "StateboundError", "Step", "System", "TRUE", "Trace", "Transition", "UserError", "Var",
        "Verdict", "all_of", "always", "any_of", "check", "count", "engine", "explore", "implies", "is_in", "ite",
        "leads_to", "never_after", "on_step", "prev", "ref", "sometimes", "to_text", "unchanged",
        # the language, second edition (issue 9)
        "Fairness", "Array", "Family", "SELF", "exists", "forall", "max_of", "min_of", "shared",
        # temporal properties (issue 9)
        "Eventually", "EventuallyAlways", "InfinitelyOften", "OnEveryStep", "eventually", "eventually_always",
        "infinitely_often", "on_every_step",
    ])
    for name in checker.__all__:
        assert hasattr(checker, name), name

"""Parametric proofs over a symmetric family (issue 14): ``InductionEngine(parametric=True)``
says ``holds`` only when it proved a property for every family size N, and says which method
decided each verdict. The tests can fail: a family whose invariant breaks only at N = 3, a design
without the invalidation cascade, and random family systems checked against the explicit engine
for N = 1..4 whenever the engine claims every N."""

from __future__ import annotations

from family_strategies import family_systems
from hypothesis import HealthCheck, given, note, settings
from symbolic_checks import check_counterexample_to_induction

from statebound.checker import (
    Bool,
    Family,
    Instance,
    Int,
    Machine,
    ModelError,
    System,
    Transition,
    Var,
    Verdict,
    always,
    check,
    ref,
    shared,
)
from statebound.checker.engines.symbolic import InductionEngine
from statebound.checker.engines.symbolic._param import resized
from statebound.models import chat_panes

EVERY_N = "proved for every N >= 1 by quantified 1-induction over family"


def test_every_rule_of_the_chat_panes_is_proved_for_every_n() -> None:
    report = InductionEngine(parametric=True, lemmas=chat_panes.LEMMAS, max_n=2).check(chat_panes.system(n=2))
    for o in report.outcomes:
        if o.kind == "sometimes":
            # a witness for each N checked, which is not every N
            assert o.verdict is Verdict.INCONCLUSIVE and "a witness for each N = 1..2" in o.message
            continue
        assert o.verdict is Verdict.HOLDS, (o.property, o.message)
        assert o.message.startswith(EVERY_N + " pane"), o.message
        assert o.coverage.complete


def test_without_the_lemma_the_step_rule_is_proved_only_for_each_n_checked() -> None:
    system = chat_panes.system(n=2)
    lemma = {p.name for p in chat_panes.LEMMAS}
    report = InductionEngine(parametric=True, max_n=3).check(
        system, properties=[p.name for p in system.properties if p.name not in lemma])
    o = report.outcome("new-socket-only-when-closed")
    assert o.verdict is Verdict.INCONCLUSIVE
    assert "proved for N = 1..3" in o.message and "not for every N" in o.message
    assert "counterexample" in o.message  # the quantified step's, which names the lemma to write
    assert report.outcome("no-live-socket-when-not-active").verdict is Verdict.HOLDS
    # the counterexample to the quantified step is a real step of the system of its size, from a
    # state where the rule held, breaking it
    assert o.trace is not None and len(o.trace) == 1
    members = len({inst for (inst, _), _ in o.trace.states[0] if inst.startswith("pane[")})
    check_counterexample_to_induction(resized(chat_panes.system(n=2), "pane", members), o)


def test_a_design_without_the_invalidation_cascade_is_not_proved_and_its_violation_is_found() -> None:
    system = chat_panes.system(n=2).without_event("invalidated")
    report = InductionEngine(parametric=True, lemmas=chat_panes.LEMMAS, max_n=3).check(system)
    o = report.outcome("no-live-socket-when-not-active")
    assert o.verdict is Verdict.VIOLATED and o.message.startswith("violated for N = 1 ")
    explicit = check(resized(system, "pane", 1)).outcome(o.property)
    assert explicit.verdict is Verdict.VIOLATED and o.trace is not None and explicit.trace is not None
    assert len(o.trace) == len(explicit.trace)


def _grab(n: int) -> System:
    """Members each add one to a shared counter once: ``g <= 2`` holds for N <= 2 only."""
    g = shared("g", Int(0, 9))
    done = Var("done", Bool())
    m = Machine(name="member", variables=(done,), transitions=(
        Transition("grab", guard=~done, updates={done: True, g: g + 1}),
        Transition("idle", guard=done),
    ))
    return System(name="grab", instances=(Family("m", m, n=n, symmetric=True),), shared=(g,),
                  properties=(always("at-most-two", ref("shared", "g") <= 2),))


def test_an_invariant_that_breaks_only_at_three_members_is_not_proved_for_every_n() -> None:
    assert check(_grab(2)).outcome("at-most-two").verdict is Verdict.HOLDS
    report = InductionEngine(parametric=True, max_n=5).check(_grab(2))
    o = report.outcome("at-most-two")
    assert o.verdict is Verdict.VIOLATED, o.message
    assert o.message.startswith("violated for N = 3 "), o.message
    assert o.trace is not None and len(o.trace) == 3
    assert "for N = 1..2: no violation" in o.warnings


def test_a_system_without_a_symmetric_family_is_checked_as_declared_and_says_so() -> None:
    s = Var("s", Bool())
    m = Machine(name="m", variables=(s,), transitions=(Transition("flip", updates={s: ~s}),))
    system = System(name="plain", instances=(Instance("a", m),), properties=(always("true", ref("a", "s") | ~ref("a", "s")),))
    report = InductionEngine(parametric=True).check(system)
    assert report.outcome("true").verdict is Verdict.HOLDS
    assert any("no family is declared symmetric" in w for w in report.outcome("true").warnings)


@settings(max_examples=max(10, settings().max_examples // 2), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(family_systems())
def test_a_proof_for_every_n_is_never_refuted_for_n_up_to_four(system: System) -> None:
    try:
        report = InductionEngine(parametric=True, max_n=2, max_k=1, pdr=False, quantified_seconds=2).check(system)
    except ModelError:
        return  # a model error of some N, which the explicit engine reports as well
    note("\n".join(f"{o.property}: {o.verdict} {o.message}" for o in report.outcomes))
    proved = [o.property for o in report.outcomes if o.verdict is Verdict.HOLDS]
    for o in report.outcomes:
        if o.verdict is Verdict.INCONCLUSIVE and o.trace is not None and "quantified induction step" in o.message:
            members = len({inst for (inst, _), _ in o.trace.states[0] if inst.startswith("f[")})
            check_counterexample_to_induction(resized(system, "f", members), o)
    assert all(EVERY_N in o.message for o in report.outcomes if o.verdict is Verdict.HOLDS)
    for n in range(1, 5):
        try:
            explicit = check(resized(system, "f", n))
        except ModelError:
            assert not proved, f"proved for every N, but N = {n} is a model error"
            continue
        for o in report.outcomes:
            theirs = explicit.outcome(o.property)
            if o.property in proved:
                assert theirs.verdict is not Verdict.VIOLATED, (o.property, n)
            if o.verdict is Verdict.VIOLATED and f"violated for N = {n} " in o.message:
                assert theirs.verdict is Verdict.VIOLATED, (o.property, n)

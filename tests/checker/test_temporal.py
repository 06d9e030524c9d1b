"""The temporal properties of issue 9: ``infinitely_often`` (``[]<>p``), ``eventually_always``
(``<>[]p``), ``eventually`` (``<>p``) and ``on_every_step`` (``[][A]_v``).

Their verdicts on random systems are compared with a brute-force reading of TLA+'s fairness in
``test_fairness_reference.py``; here: hand-made models with pinned lassos and messages, the
step rule over every step against the graph, vacuity, budgets, how the outputs name them, the
errors a malformed one gives, and what the other engines answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import atoms, systems
from test_fairness_reference import Graph, ev, graph_of

from statebound.checker import (
    Budget,
    Expr,
    Instance,
    Int,
    Kind,
    Machine,
    ModelError,
    Op,
    System,
    Trace,
    Transition,
    Var,
    Verdict,
    check,
    engine,
    explore,
    implies,
    prev,
    ref,
)
from statebound.checker.output import format_report, property_text, report_to_json
from statebound.checker.property import (
    OnEveryStep,
    eventually,
    eventually_always,
    infinitely_often,
    on_every_step,
)

X = ref("m", "x")


def counter(*props: object, back: bool = True) -> System:
    """x counts 0..3 under weak fairness; from 3 an unfair ``back`` may return to 1; ``noop`` is
    strongly fair at 1 but changes nothing, so it imposes nothing."""
    x = Var("x", Int(0, 3))
    ts = [Transition("inc", guard=x < 3, updates={x: x + 1}, fair="weak"),
          Transition("noop", guard=x == 1, updates={x: x}, fair="strong")]
    if back:
        ts.append(Transition("back", guard=x == 3, updates={x: 1}))
    m = Machine(name="m", variables=(x,), transitions=tuple(ts))
    return System(name="counter", instances=(Instance("m", m),), check_deadlock=False,
                  properties=props)  # type: ignore[arg-type]


def steps(trace: Trace | None) -> list[str]:
    assert trace is not None
    return [s.transition for s in trace.steps]


# --------------------------------------------------------------------------- the three liveness kinds


def test_infinitely_often_holds_when_every_fair_execution_keeps_coming_back() -> None:
    # from 3 the execution may stop (back is not fair): stopping in a 3-state satisfies []<>(x = 3)
    o = check(counter(infinitely_often("keeps-reaching-three", X == 3))).outcome("keeps-reaching-three")
    assert (o.verdict, o.kind, o.trace, o.warnings) == (Verdict.HOLDS, Kind.INFINITELY_OFTEN, None, ())


def test_infinitely_often_is_violated_by_a_fair_execution_that_leaves_for_good() -> None:
    o = check(counter(infinitely_often("keeps-zero", X == 0))).outcome("keeps-zero")
    assert o.verdict is Verdict.VIOLATED
    assert steps(o.trace) == ["inc", "inc", "inc"]
    assert o.trace is not None and o.trace.loop == 3  # it stops in 3
    assert o.message == ("after step 1 the condition does not hold; from there the execution may stop "
                         "(nothing fair is enabled), and it never holds again")


def test_eventually_is_checked_from_the_initial_states_only() -> None:
    report = check(counter(eventually("reaches-two", X == 2), eventually("reaches-four", X > 3)))
    assert report.outcome("reaches-two").verdict is Verdict.HOLDS
    o = report.outcome("reaches-four")
    assert o.verdict is Verdict.VIOLATED and steps(o.trace) == ["inc", "inc", "inc"]
    assert o.message == "the condition never holds: after step 3 the execution may stop (nothing fair is enabled)"


def test_eventually_counts_an_initial_state_that_already_satisfies_it() -> None:
    o = check(counter(eventually("starts-at-zero", X == 0))).outcome("starts-at-zero")
    assert o.verdict is Verdict.HOLDS


def test_eventually_always_is_violated_by_a_fair_cycle_through_a_bad_state() -> None:
    report = check(counter(eventually_always("ends-positive", X >= 1), eventually_always("ends-at-three", X == 3)))
    assert report.outcome("ends-positive").verdict is Verdict.HOLDS
    o = report.outcome("ends-at-three")
    assert o.verdict is Verdict.VIOLATED
    assert steps(o.trace) == ["inc", "inc", "inc", "back"]
    assert o.trace is not None and o.trace.loop == 1
    assert o.message == ("steps 2-4 repeat forever, fairly, and after step 1 (where the cycle starts) the "
                         "condition does not hold")
    assert o.breach is not None and o.breach.state == 1


def test_eventually_always_counts_stopping_in_a_bad_state() -> None:
    x = Var("x", Int(0, 1))
    m = Machine(name="m", variables=(x,), transitions=(Transition("on", guard=x == 0, updates={x: 1}),))
    system = System(name="lazy", instances=(Instance("m", m),), check_deadlock=False,
                    properties=(eventually_always("switches-on", X == 1),))
    o = check(system).outcome("switches-on")
    assert o.verdict is Verdict.VIOLATED and steps(o.trace) == []
    assert o.message == "in the initial state the condition does not hold, and the execution may stop " \
                        "(nothing fair is enabled) there"


def test_a_fair_transition_that_only_stutters_keeps_no_execution_going() -> None:
    # noop at 1 changes nothing: an execution may stop at 1 only if inc is not enabled, and it is
    o = check(counter(eventually_always("leaves-one", X != 1), back=False)).outcome("leaves-one")
    assert o.verdict is Verdict.HOLDS


@pytest.mark.parametrize("make", [infinitely_often, eventually_always, eventually])
def test_a_partial_exploration_never_decides_a_temporal_property(make: Callable[[str, Any], Any]) -> None:
    system = counter(make("p", X >= 0))
    assert check(system).outcome("p").verdict is Verdict.HOLDS
    o = check(system, budget=Budget(max_states=2)).outcome("p")
    assert o.verdict is Verdict.INCONCLUSIVE
    assert o.message.startswith("not decided: liveness needs the whole state graph")
    late = check(system, budget=Budget(timeout=1e-9)).outcome("p")
    assert late.verdict is Verdict.INCONCLUSIVE


# --------------------------------------------------------------------------- on_every_step


def test_on_every_step_checks_every_step_without_tags() -> None:
    report = check(counter(on_every_step("grows", X > prev(X)),
                           on_every_step("grows-or-returns", implies(X < prev(X), X == 1))))
    o = report.outcome("grows")
    assert (o.verdict, o.kind) == (Verdict.VIOLATED, Kind.EVERY_STEP)
    assert steps(o.trace) == ["inc", "inc", "inc", "back"]  # noop changes nothing: exempt
    assert o.message == "step 4 breaks the rule's condition"
    assert o.breach is not None and (o.breach.step, str(o.breach.side)) == (4, "after")
    assert report.outcome("grows-or-returns").verdict is Verdict.HOLDS


def test_on_every_step_exempts_steps_that_leave_its_subscript_unchanged() -> None:
    y = Var("y", Int(0, 1))
    x = Var("x", Int(0, 1))
    m = Machine(name="m", variables=(x, y), transitions=(
        Transition("tick", guard=y == 0, updates={y: 1}),
        Transition("set", guard=(y == 1) & (x == 0), updates={x: 1}),
    ))
    def system(*props: object) -> System:
        return System(name="s", instances=(Instance("m", m),), check_deadlock=False,
                      properties=props)  # type: ignore[arg-type]
    ys = ref("m", "y")
    # [][y' = y + 1]_x: only steps that change x must satisfy it
    assert check(system(on_every_step("r", ys == prev(ys) + 1, unless_unchanged=[X]))).outcome("r").verdict \
        is Verdict.VIOLATED
    assert check(system(on_every_step("r", X == prev(X) + 1, unless_unchanged=[X]))).outcome("r").verdict \
        is Verdict.HOLDS


def test_on_every_step_warns_when_it_holds_vacuously() -> None:
    report = check(counter(on_every_step("never-big", implies(X > 5, X == 0)),
                           on_every_step("never-moves", X == 0, unless_unchanged=[ref("m", "x") * 0])))
    assert report.outcome("never-big").warnings == ("holds vacuously: no step satisfies m.x > 5",)
    assert report.outcome("never-moves").warnings == ("holds vacuously: no step changes m.x * 0",)


def test_a_violated_every_step_rule_found_within_a_budget_is_real() -> None:
    o = check(counter(on_every_step("never-three", X != 3)), budget=Budget(max_depth=3)).outcome("never-three")
    assert o.verdict is Verdict.VIOLATED and o.trace is not None and len(o.trace) == 3
    o = check(counter(on_every_step("small", X <= 3)), budget=Budget(max_depth=1)).outcome("small")
    assert o.verdict is Verdict.INCONCLUSIVE


def _every_step_props(system: System, draw: st.DrawFn) -> tuple[OnEveryStep, ...]:
    names = [i.name for i in system.instances]
    i = draw(st.sampled_from(names))
    n, s = ref(i, "n"), ref(i, "state")
    a = atoms(system)
    return (
        on_every_step("n-never-drops", n >= prev(n)),
        on_every_step("state-moves", implies(prev(s) == "s0", s != "s0"), unless_unchanged=[s]),
        on_every_step("atom", implies(prev(draw(a)), draw(a))),
        on_every_step("atom-unless", draw(a) | (prev(n) == n), unless_unchanged=[ref(draw(st.sampled_from(names)), "b")]),
    )


@st.composite
def step_systems(draw: st.DrawFn) -> System:
    system = draw(systems(max_instances=3, max_transitions=4, with_properties=False))
    return dataclasses.replace(system, properties=_every_step_props(system, draw), check_deadlock=False)


def _exempt(gr: Graph, p: OnEveryStep, s: int, t: int) -> bool:
    if p.unless_unchanged is None:
        return s == t
    env = [dict(zip(gr.system.slots, gr.states[k], strict=True)) for k in (s, t)]
    return all(ev(e, env[1], env[0]) == ev(e, env[0], None) for e in p.unless_unchanged)


def _step_holds(gr: Graph, e: Expr, s: int, t: int) -> bool:
    env = [dict(zip(gr.system.slots, gr.states[k], strict=True)) for k in (s, t)]
    return bool(ev(e, env[1], env[0]))


@given(step_systems())
def test_on_every_step_matches_every_step_of_the_graph(system: System) -> None:
    gr = graph_of(system)
    ex = explore(system)
    depth = {ex.states[sid]: ex.depth_of(sid) for sid in range(len(ex))}
    report = check(system)
    for p in system.properties:
        assert isinstance(p, OnEveryStep)
        live = [(s, t) for s in range(len(gr.states)) for _, t in gr.steps[s] if not _exempt(gr, p, s, t)]
        bad = [depth[gr.states[s]] + 1 for s, t in live if not _step_holds(gr, p.after, s, t)]
        o = report.outcome(p.name)
        assert (o.verdict is Verdict.VIOLATED) == bool(bad)
        if bad:
            assert o.trace is not None and len(o.trace) == min(bad)
            index = {x: k for k, x in enumerate(gr.states)}
            ids = [index[tuple(v for _, v in st_)] for st_ in o.trace.states]
            assert ids[0] in gr.initial
            for k, step in enumerate(o.trace.steps):
                assert ((step.instance, step.transition), ids[k + 1]) in gr.steps[ids[k]]
            assert not _exempt(gr, p, ids[-2], ids[-1]) and not _step_holds(gr, p.after, ids[-2], ids[-1])
            assert o.breach is not None and o.breach.step == len(o.trace)
        else:
            vacuous = any(w.startswith("holds vacuously") for w in o.warnings)
            premise = p.after.args[0] if isinstance(p.after, Op) and p.after.op == "implies" else None
            assert vacuous == (not live or (premise is not None
                                            and not any(_step_holds(gr, premise, s, t) for s, t in live)))


# --------------------------------------------------------------------------- outputs and errors


def test_the_outputs_name_the_new_kinds() -> None:
    props = (infinitely_often("a", X == 3), eventually_always("b", X >= 1), eventually("c", X == 2),
             on_every_step("d", X >= prev(X)), on_every_step("e", X >= prev(X), unless_unchanged=[X]))
    assert [property_text(p) for p in props] == [
        "infinitely often m.x == 3", "eventually always m.x >= 1", "eventually m.x == 2",
        "every step that changes something ends where m.x >= prev(m.x)",
        "every step that changes m.x ends where m.x >= prev(m.x)",
    ]
    system = counter(*props)
    report = check(system)
    assert [o["kind"] for o in report_to_json(report)["properties"]] == [
        "infinitely-often", "eventually-always", "eventually", "every-step", "every-step"]
    text = "\n".join(format_report(report, system=system))
    assert "FAIL d  violated (every-step, 4 steps)" in text
    assert "rule: every step that changes something ends where m.x >= prev(m.x)" in text


def test_a_malformed_temporal_property_is_a_model_error_naming_every_problem() -> None:
    x = Var("x", Int(0, 3))
    with pytest.raises(ModelError) as err:
        counter(infinitely_often("Bad Name", X + 1), eventually("e", x == 1),
                on_every_step("s", X, unless_unchanged=[]), on_every_step("t", X == 1, unless_unchanged=[prev(X)]))
    text = str(err.value)
    assert "property 'Bad Name': the name is not kebab-case" in text
    assert "property 'Bad Name' expression: is Int(1, 4), not a boolean" in text
    assert "'x' names no instance" in text
    assert "property 's' unless_unchanged: names no variable" in text
    assert "property 't' unless_unchanged: prev(m.x) uses prev()" in text
    with pytest.raises(ModelError, match="uses prev"):
        counter(eventually_always("p", X == prev(X)))


# --------------------------------------------------------------------------- the other engines


@pytest.mark.parametrize("name", ["random", "bmc", "induction"])
def test_the_other_engines_leave_a_temporal_property_inconclusive(name: str) -> None:
    system = counter(infinitely_often("a", X == 0), eventually_always("b", X == 3), eventually("c", X > 3),
                     on_every_step("d", X > prev(X)))
    for o in engine(name).check(system).outcomes:
        assert o.verdict is Verdict.INCONCLUSIVE, o
        if name != "random":
            assert o.message == (f"not decided: {o.kind} properties are not checked by the symbolic engines; "
                                 "use the explicit engine (--engine explicit)")

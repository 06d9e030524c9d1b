"""The language, second edition (issue 9): fairness groups, cascades, shared variables, families,
arrays and quantifiers, initial predicates, state constraints, arithmetic, deriving variants.

Each construct has targeted tests with exact messages, and random systems using them
(``strategies.systems_v2``) are checked against the independent interpreter of
``test_engine_against_reference.py``.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, settings
from strategies import systems_v2

from statebound.checker import (
    DEADLOCK,
    SELF,
    Array,
    Bool,
    Enum,
    Fairness,
    Family,
    Instance,
    Int,
    LeadsTo,
    Machine,
    ModelError,
    System,
    Transition,
    Var,
    Verdict,
    always,
    check,
    count,
    exists,
    explore,
    forall,
    implies,
    ite,
    leads_to,
    max_of,
    min_of,
    prev,
    ref,
    shared,
    sometimes,
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
#: the profile's settings, without the health checks that the size of these systems can trip
V2_SETTINGS = settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                              HealthCheck.large_base_example, HealthCheck.filter_too_much])


def _reference_or_error(system: System) -> Reference | None:
    """The interpreter's graph, or None when it meets a model error (then the engine must too)."""
    try:
        return reference(system)
    except StepError as err:
        note(f"the interpreter meets a model error: {err}")
        with pytest.raises(ModelError):
            check(system)
        return None


@V2_SETTINGS
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


@V2_SETTINGS
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


@V2_SETTINGS
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


@V2_SETTINGS
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


# --------------------------------------------------------------------------- cascades


def _session_store_tabs(*, tabs: int = 2) -> System:
    """The session's 401 handler closes every socket: session -> store -> every tab, one step."""
    s = Var("state", Enum("Active", "Invalid"))
    k = Var("sock", Enum("Closed", "Open"))
    session = Machine(name="session", variables=(s,), transitions=(
        Transition("api_401", guard=s == "Active", updates={s: "Invalid"}, emit="http_401"),
        Transition("login", guard=s == "Invalid", updates={s: "Active"}),
    ))
    store = Machine(name="store", variables=(Var("closed", Int(0, 9)),), transitions=(
        Transition("on_401", on="http_401", emit="invalidate"),
    ))
    tab = Machine(name="tab", variables=(k,), transitions=(
        Transition("open", guard=(k == "Closed") & (ref("session", "state") == "Active"), updates={k: "Open"}),
        Transition("close", on="invalidate", guard=k == "Open", updates={k: "Closed"}),
    ))
    return System(name="cascade", instances=(Instance("session", session), Instance("store", store),
                                             Family("tab", tab, n=tabs)),
                  properties=(always("no-socket-while-invalid", implies(
                      ref("session", "state") == "Invalid", forall("tab", lambda j: ref("tab", "sock", j) == "Closed"))),))


def test_a_receiver_may_emit_and_the_cascade_is_one_atomic_step() -> None:
    system = _session_store_tabs()
    report = check(system)
    assert report.outcome("no-socket-while-invalid").holds
    assert report.coverage.states == 5
    ex = explore(system, keep_edges=True)
    steps = {(st.transition, st.receivers) for sid in range(len(ex)) for st, _ in ex.successors(sid)}
    assert ("api_401", (("store", "on_401"), ("tab[0]", "close"), ("tab[1]", "close"))) in steps
    assert ("api_401", (("store", "on_401"),)) in steps  # no socket open: the cascade ends at the store


def test_each_instance_takes_part_once_per_step_and_every_guard_reads_the_state_before_it() -> None:
    s = Var("state", Enum("Idle", "Done"))
    seen = Var("seen", Bool())
    a = Machine(name="a", variables=(s, seen), transitions=(
        Transition("start", guard=s == "Idle", updates={s: "Done"}, emit="ping"),
        Transition("back", on="pong", updates={seen: True}),  # a is the sender: it cannot take part again
    ))
    b = Machine(name="b", variables=(seen,), transitions=(
        # reads a's state before the step (Idle), not after it (Done)
        Transition("reply", on="ping", guard=ref("a", "state") == "Idle", updates={seen: True}, emit="pong"),
    ))
    c = Machine(name="c", variables=(seen,), transitions=(
        Transition("hear", on="pong", guard=ref("b", "seen") == False, updates={seen: True}),  # noqa: E712
    ))
    system = System(name="s", instances=(Instance("a", a), Instance("b", b), Instance("c", c)), check_deadlock=False)
    ex = explore(system, keep_edges=True)
    [(step, tid)] = ex.successors(0)
    assert step.receivers == (("b", "reply"), ("c", "hear"))
    assert dict(ex.values(tid)) == {("a", "state"): "Done", ("a", "seen"): False, ("b", "seen"): True,
                                    ("c", "seen"): True}


def test_an_emit_cycle_is_a_model_error() -> None:
    s = Var("state", Enum("a", "b"))
    m = Machine(name="m", variables=(s,), transitions=(
        Transition("a", emit="x"), Transition("b", on="x", emit="y"), Transition("c", on="y", emit="x"),
    ))
    with pytest.raises(ModelError) as err:
        System(name="s", instances=(Instance("p", m), Instance("q", m)))
    assert err.value.lines == (
        "p/transition 'c': events cascade in a cycle: x -> y -> x; "
        "a receiver may emit only events that do not lead back to the one it receives",
    )


# --------------------------------------------------------------------------- shared variables


def _peterson() -> System:
    """Peterson's mutual exclusion: a family of two, a shared flag array and a shared turn."""
    flag = shared("flag", Array(Bool(), size=2))
    turn = shared("turn", Int(0, 1))
    pc = Var("pc", Enum("idle", "set", "wait", "cs"))
    other = 1 - SELF
    proc = Machine(name="proc", variables=(pc,), transitions=(
        Transition("want", guard=pc == "idle", updates={flag[SELF]: True, pc: "set"}),
        Transition("yield_turn", guard=pc == "set", updates={turn: other, pc: "wait"}, fair="weak"),
        Transition("enter", guard=(pc == "wait") & (~flag[other] | (turn == SELF)), updates={pc: "cs"}, fair="weak"),
        Transition("leave", guard=pc == "cs", updates={flag[SELF]: False, pc: "idle"}, fair="weak"),
    ))
    in_cs = count("p", lambda j: ref("p", "pc", j) == "cs")
    return System(name="peterson", instances=(Family("p", proc, n=2, symmetric=True),), shared=(flag, turn),
                  properties=(always("mutual-exclusion", in_cs <= 1), sometimes("someone-enters", in_cs == 1),
                              leads_to("waiting-enters", ref("p", "pc", 0) == "wait", ref("p", "pc", 0) == "cs")))


def test_peterson_with_shared_variables_is_safe_and_live() -> None:
    system = _peterson()
    report = check(system)
    assert [o.verdict for o in report.outcomes] == [Verdict.HOLDS] * 4
    ref_graph = reference(system)
    assert report.coverage.states == len(ref_graph.graph) == 20
    assert system.slots[-2:] == (("shared", "flag"), ("shared", "turn"))
    assert sorted(system.features()) == ["array", "count_of", "except", "family", "item", "member", "self_index",
                                         "shared", "symmetric"]


def test_a_sender_and_its_receiver_writing_one_shared_variable_is_a_model_error() -> None:
    s = Var("state", Enum("a", "b"))
    g = shared("g", Int(0, 3))
    snd = Machine(name="snd", variables=(s,), transitions=(
        Transition("go", guard=s == "a", updates={s: "b", g: 1}, emit="e"),))
    rcv = Machine(name="rcv", variables=(s,), transitions=(Transition("r", on="e", updates={g: 2}),))
    with pytest.raises(ModelError) as err:
        System(name="s", instances=(Instance("x", snd), Instance("y", rcv)), shared=(g,))
    assert err.value.lines == (
        "x/transition 'go': writes shared.g, and so does y/transition 'r', which its event 'e' sets off in the "
        "same step; two writes to one variable in one step are a model error; let one of them write it",
    )


def test_two_receivers_writing_one_shared_variable_in_a_step_is_found_with_its_trace() -> None:
    s = Var("state", Enum("a", "b"))
    g = shared("g", Int(0, 3))
    snd = Machine(name="snd", variables=(s,), transitions=(Transition("go", guard=s == "a", updates={s: "b"}, emit="e"),))
    rcv = Machine(name="rcv", variables=(s,), transitions=(Transition("r", on="e", updates={g: 2}),))
    with pytest.raises(ModelError) as err:
        check(System(name="s", instances=(Instance("x", snd), Family("y", rcv, n=2)), shared=(g,)))
    assert err.value.lines == (
        "x/transition 'go': y[0]/transition 'r' and y[1]/transition 'r' both write shared.g in one step after 0 "
        "steps; two writes to one variable in one step are a model error: let one of them write it (the trace "
        "that reaches it is shown)",
    )
    assert err.value.trace is not None and len(err.value.trace) == 0


def test_shared_variable_mistakes_are_model_errors() -> None:
    s = Var("state", Enum("a", "b"))
    g = shared("g", Int(0, 3))
    writer = Machine(name="w", variables=(s,), transitions=(Transition("t", updates={g: 1}),))
    cases = [
        (lambda: System(name="s", instances=(Instance("x", writer),)),
         "x/transition 't': updates shared.g, which is not a shared variable of s; declare it in System(shared=...)"),
        (lambda: System(name="s", instances=(Instance("shared", writer),), shared=(g,)),
         "s/instance 'shared': the name 'shared' is where the shared variables live; rename the instance"),
        (lambda: Machine(name="m", variables=(s, g), transitions=()),
         "m/variable 'g': is a shared variable, which belongs to the system; list it in System(shared=...) and "
         "leave it out of the machine's variables"),
        (lambda: System(name="s", instances=(Instance("x", writer),), shared=(g, shared("g", Bool()))),
         "s/shared 'g': declared twice; rename one of them"),
    ]
    for build, expected in cases:
        with pytest.raises(ModelError) as err:
            build()
        assert expected in err.value.lines


# --------------------------------------------------------------------------- families, quantifiers, arrays


def test_a_family_names_its_members_and_self_is_each_ones_index() -> None:
    n = Var("n", Int(0, 3))
    m = Machine(name="node", variables=(n,), transitions=(
        Transition("copy_next", guard=n == 0, updates={n: SELF + 1}),
    ))
    system = System(name="ring", instances=(Family("node", m, n=3),), check_deadlock=False)
    assert [i.name for i in system.instances] == ["node[0]", "node[1]", "node[2]"]
    assert system.families[0].n == 3 and not system.families[0].symmetric
    final = explore(system).states[-1]
    assert final == (1, 2, 3)


def test_quantifiers_range_over_a_family_or_integers() -> None:
    x = Var("x", Int(0, 2))
    m = Machine(name="m", variables=(x,), transitions=(
        Transition("inc", guard=(x < 2) & forall("m", lambda j: ref("m", "x", j) >= x), updates={x: x + 1}),
    ))
    system = System(name="q", instances=(Family("m", m, n=2),), check_deadlock=False, properties=(
        always("close", forall("m", lambda i: forall("m", lambda j: abs(ref("m", "x", i) - ref("m", "x", j)) <= 1))),
        sometimes("both-two", count("m", lambda j: ref("m", "x", j) == 2) == 2),
        always("some-small", exists(Int(0, 1), lambda j: ref("m", "x", j) <= 1) | (ref("m", "x", 0) == 2)),
    ))
    report = check(system)
    assert [o.verdict for o in report.outcomes] == [Verdict.HOLDS] * 3
    nested = forall("m", lambda j: forall("m", lambda j: ref("m", "x", j) > 0))
    assert str(nested) == "forall(j in m: forall(j' in m: m[j'].x > 0))"


def test_arrays_are_indexed_by_expressions() -> None:
    temp = shared("temp", Array(Int(0, 1), size=2), initial=(1, 0))
    b = shared("b", Array(Int(0, 3), size=2))
    m = Machine(name="m", variables=(Var("done", Bool()),), transitions=(
        Transition("bump", guard=~Var("done", Bool()), updates={b[temp[SELF]]: b[temp[SELF]] + 1, Var("done", Bool()): True}),
    ))
    system = System(name="arr", instances=(Family("m", m, n=2),), shared=(temp, b), check_deadlock=False)
    final = explore(system).states[-1]
    assert final[-1] == (1, 1)  # m[0] bumped b[temp[0]] = b[1], m[1] bumped b[temp[1]] = b[0]


def test_family_and_array_mistakes_are_model_errors() -> None:
    s = Var("state", Enum("a", "b"))
    arr = Var("arr", Array(Int(0, 3), size=3))
    i = Var("i", Int(0, 3))
    p = Machine(name="p", variables=(s,), transitions=(Transition("t", guard=ref("q", "state", SELF + 1) == "a"),))
    cases = [
        (lambda: System(name="s", instances=(Instance("q", p),)),
         "q/transition 't' guard: there is no family 'q'; families: none"),
        (lambda: System(name="s", instances=(*list(Family("q", p, n=3))[:2],)),
         "s/family 'q': has 3 members but the system lists q[0], q[1]; put the Family itself in instances=, not "
         "some of its members"),
        (lambda: System(name="s", instances=(Family("q", p, n=0),)),
         "s/family 'q': n=0 is not a positive number of members; give n=N with N >= 1"),
        (lambda: System(name="s", instances=(Family("q", p, n=2),), properties=(always("x", SELF == 0),)),
         "property 'x' expression: SELF is read where no instance is firing; use SELF in a machine's guards and "
         "updates, or quantify: forall(family, lambda j: ...)"),
        (lambda: System(name="s", instances=(Family("q", Machine(name="m", variables=(s,), transitions=(
            Transition("t", guard=exists("z", lambda j: ref("z", "state", j) == "a")),)), n=2),)),
         "q[*]/transition 't' guard: there is no family 'z'; families: q"),
        (lambda: Machine(name="m", variables=(arr, i), transitions=(Transition("t", guard=arr[i + 5] < 3),)),
         "m/transition 't' guard: the index 'i + 5' (Int(5, 8)) of arr is always outside 0..2; indices count from 0"),
        (lambda: Machine(name="m", variables=(arr, i), transitions=(Transition("t", updates={arr[0]: 1, arr[0]: 2}),)),
         "m/transition 't': updates arr[0] twice; assign each element once per transition"),
        (lambda: Machine(name="m", variables=(arr, i), transitions=(Transition("t", updates={arr[1]: 9}),)),
         "m/transition 't' update 'arr[1]': the value (Int(9, 9)) is always outside Int(0, 3); the elements of arr "
         "are Int(0, 3)"),
        (lambda: Machine(name="m", variables=(Var("a", Array(Bool(), size=0)),), transitions=()),
         "m/variable 'a': size=0 is not a positive number of elements; give size=N with N >= 1"),
    ]
    for build, expected in cases:
        with pytest.raises(ModelError) as err:
            build()
        assert expected in err.value.lines


def test_an_index_out_of_range_while_exploring_is_a_model_error_with_its_trace() -> None:
    s = Var("state", Enum("a", "b"))
    p = Machine(name="p", variables=(s,), transitions=(
        Transition("t", guard=(s == "a") & (ref("q", "state", SELF + 1) == "a"), updates={s: "b"}),))
    with pytest.raises(ModelError) as err:
        explore(System(name="s", instances=(Family("q", p, n=2),)))
    assert err.value.lines == (
        "q[1]/transition 't': q[self + 1].state reads index 2, outside 0..1 after 0 steps; keep the index in "
        "range (guard the transition, or ite()) (the trace that reaches it is shown)",
    )
    b = Var("b", Array(Int(0, 3), size=3))
    i = Var("i", Int(0, 3))
    m = Machine(name="m", variables=(b, i), transitions=(
        Transition("t", guard=b[i] < 3, updates={b[i]: b[i] + 1, i: (i + 1) % 4}),))
    with pytest.raises(ModelError) as err:
        explore(System(name="s", instances=(Instance("m", m),)))
    assert err.value.lines == (
        "m/transition 't': b[i] reads index 3, outside 0..2 after 3 steps; keep the index in range (guard the "
        "transition, or ite()) (the trace that reaches it is shown)",
    )
    assert err.value.trace is not None and len(err.value.trace) == 3


# --------------------------------------------------------------------------- initial predicate and constraint


X = Var("x", Int(0, 3), initial=range(4))
Y = Var("y", Int(0, 3), initial=range(4))
XY = Machine(name="m", variables=(X, Y), transitions=(Transition("t", guard=X < Y, updates={X: X + 1}),))


def test_the_initial_predicate_filters_the_product_of_initial_values() -> None:
    system = System(name="s", instances=(Instance("m", XY),), initial=ref("m", "x") + ref("m", "y") == 3,
                    check_deadlock=False)
    ex = explore(system)
    assert [ex.states[s] for s in range(len(ex)) if ex.is_initial(s)] == [(0, 3), (1, 2), (2, 1), (3, 0)]
    assert len(ex) == 8


def test_an_initial_predicate_over_a_large_product_is_never_materialised() -> None:
    big = Machine(name="m", variables=(Var("x", Int(0, 10**5), initial=range(10**5 + 1)),
                                       Var("y", Int(0, 10**5), initial=range(10**5 + 1)),
                                       Var("z", Int(0, 10**5), initial=range(10**5 + 1))), transitions=())
    system = System(name="s", instances=(Instance("m", big),), check_deadlock=False,
                    initial=(ref("m", "x") == 7) & (ref("m", "y") == ref("m", "x") + 1) & (ref("m", "z") == 3))
    assert explore(system).states == [(7, 8, 3)]  # 10^15 combinations: only the conjuncts' prefixes are searched


def test_an_initial_predicate_nothing_satisfies_is_a_model_error() -> None:
    with pytest.raises(ModelError) as err:
        check(System(name="s", instances=(Instance("m", XY),), initial=ref("m", "x") > 5))
    assert err.value.lines == (
        "s/initial: no state satisfies m.x > 5 (of the 16 combinations of the variables' initial values); each "
        "variable starts only in its initial= values: widen them (e.g. initial=range(lo, hi + 1)) or relax the "
        "predicate",
    )


def test_a_predicate_given_as_an_initial_value_says_where_it_belongs() -> None:
    for initial, kind in ((lambda v: v > 0, "a function"), (Var("n", Int(0, 3)) > 0, "an expression")):
        with pytest.raises(ModelError) as err:
            Machine(name="m", variables=(Var("x", Int(0, 3), initial=initial),), transitions=())
        assert err.value.lines == (
            f"m/variable 'x': initial= is {kind}, not a value; give a value or a set of values here; a condition "
            "on the initial state goes in the system's initial predicate, System(initial=...)",
        )


def test_states_outside_the_constraint_are_kept_but_not_expanded() -> None:
    n = Var("n", Int(0, 9))
    m = Machine(name="m", variables=(n,), transitions=(Transition("inc", guard=n < 9, updates={n: n + 1}),))
    system = System(name="s", instances=(Instance("m", m),), constraint=ref("m", "n") < 3, check_deadlock=False,
                    properties=(always("small", ref("m", "n") <= 3), sometimes("three", ref("m", "n") == 3)))
    report = check(system)
    assert report.coverage.states == 4  # 0, 1, 2 and 3, which is not expanded
    assert report.outcome("small").holds and report.outcome("three").holds
    ex = explore(system, keep_edges=True)
    assert ex.successors(3) == []


def test_a_state_outside_the_constraint_is_not_a_deadlock() -> None:
    n = Var("n", Int(0, 9))
    m = Machine(name="m", variables=(n,), transitions=(Transition("inc", guard=n < 9, updates={n: n + 1}),))
    system = System(name="s", instances=(Instance("m", m),), constraint=ref("m", "n") < 3)
    assert check(system).outcome(DEADLOCK).holds


# --------------------------------------------------------------------------- arithmetic and ite


def test_modulo_floor_division_min_max_and_abs() -> None:
    n = Var("n", Int(0, 9))
    k = Var("k", Int(-3, 3), initial=0)
    m = Machine(name="m", variables=(n, k), transitions=(
        Transition("step", guard=n < 9, updates={n: n + 1, k: max_of(min_of(k - n % 3 + n // 4, 3), -3)}),))
    system = System(name="s", instances=(Instance("m", m),), check_deadlock=False,
                    properties=(always("bounded", abs(ref("m", "k")) <= 3),))
    assert check(system).outcome("bounded").holds
    assert explore(system).states == [
        (0, 0), (1, 0), (2, -1), (3, -3), (4, -3), (5, -3), (6, -3), (7, -2), (8, -2), (9, -2)]
    assert set(explore(system).states) == set(reference(system).graph)
    t = System(name="s", instances=(Instance("m", m),)).type_of
    assert str(t(n % 4, "m")) == "Int(0, 3)" and str(t(n // -2, "m")) == "Int(-5, 0)"
    assert str(t(abs(k), "m")) == "Int(0, 3)" and str(t(min_of(n, k, 2), "m")) == "Int(-3, 2)"


def test_division_by_zero_is_a_model_error() -> None:
    n = Var("n", Int(0, 3))
    with pytest.raises(ModelError) as err:
        Machine(name="m", variables=(n,), transitions=(Transition("t", guard=n % 0 == 1),))
    assert err.value.lines == ("m/transition 't' guard: 'n % 0' divides by zero; the divisor '0' is always 0",)
    m = Machine(name="m", variables=(n,), transitions=(
        Transition("t", guard=(n < 3) & (6 // (2 - n) >= 0), updates={n: n + 1}),))
    with pytest.raises(ModelError) as err:
        explore(System(name="s", instances=(Instance("m", m),)))
    assert err.value.lines == (
        "m/transition 't': 6 // (2 - n) divides by zero after 2 steps; keep the divisor away from 0 (guard "
        "the transition, or ite()) (the trace that reaches it is shown)",
    )


def test_python_min_and_max_on_expressions_point_to_min_of_and_max_of() -> None:
    n = Var("n", Int(0, 3))
    with pytest.raises(TypeError, match=r"write min_of\(\.\.\.\) or max_of\(\.\.\.\)"):
        min(n, 2)


def test_a_nested_ite_over_names_is_one_of_those_names() -> None:
    s = Var("state", Enum("a", "b", "c"))
    c, d = Var("c", Bool()), Var("d", Bool())
    m = Machine(name="m", variables=(s, c, d), transitions=(
        Transition("t", updates={s: ite(c, "a", ite(d, "b", "c")), c: ~c}), Transition("u", updates={d: ~d})))
    system = System(name="s", instances=(Instance("m", m),))
    assert {v for st in explore(system).states for v in st[:1]} == {"a", "b", "c"}
    assert set(explore(system).states) == set(reference(system).graph)
    with pytest.raises(ModelError) as err:  # a name the variable does not have is still caught
        Machine(name="m", variables=(s, c, d), transitions=(Transition("t", updates={s: ite(c, s, ite(d, "a", "Bogus"))}),))
    assert err.value.lines == (
        "m/transition 't' update 'state': 'Bogus' is not a value of state (a, b, c); use one of the declared values",)


def test_an_update_that_can_never_fit_says_what_to_do_whatever_its_guard() -> None:
    retries = Var("retries", Int(0, 0))
    with pytest.raises(ModelError) as err:
        Machine(name="client", variables=(retries,), transitions=(
            Transition("retry", guard=retries < 0, updates={retries: retries + 1}),))
    assert err.value.lines == (
        "client/transition 'retry' update 'retries': the value (Int(1, 1)) is always outside Int(0, 0); retries is "
        "Int(0, 0); this is checked whatever the guard (retries < 0) allows, so widen the domain (a "
        "System(constraint=...) can keep the exploration within the old bounds) or leave the transition out of "
        "this variant (machine.without('retry'))",
    )


# --------------------------------------------------------------------------- variants


def test_variants_replace_add_and_remove_transitions() -> None:
    m = _worker()
    stuck = m.with_transitions(Transition("stop", guard=STATE == "Idle"), Transition("rest"))
    assert [t.name for t in stuck.transitions] == ["start", "stop", "poke", "rest"]
    assert [t.name for t in m.without("stop", "poke").transitions] == ["start"]
    with pytest.raises(ModelError) as err:
        m.without("stpo")
    assert err.value.lines == ("worker: has no transition 'stpo' to remove; did you mean 'stop'?",)


def test_dropping_an_event_removes_its_receivers_and_replacing_an_instance_rebuilds_the_system() -> None:
    system = System(name="s", instances=(Instance("w", _worker()), Instance("p", _pinger())))
    quiet = system.without_event("ping")
    assert [(i.name, [t.name for t in i.machine.transitions]) for i in quiet.instances] == [
        ("w", ["start", "stop"]), ("p", ["ping"])]
    assert quiet.instance("p").machine.transition("ping").emit is None  # type: ignore[union-attr]
    lazy = system.replace_instance("w", _worker().without("start"))
    assert [t.name for t in lazy.instance("w").machine.transitions] == ["stop", "poke"]
    with pytest.raises(ModelError) as err:
        system.without_event("pong")
    assert err.value.lines == ("s: no transition emits or receives 'pong'; did you mean 'ping'?",)


def test_a_receiver_of_an_event_nobody_emits_is_a_warning() -> None:
    system = System(name="s", instances=(Instance("w", _worker()), Instance("p", _pinger().without("ping"))))
    assert [str(w) for w in system.warnings] == [
        "w/transition 'poke': receives 'ping' but no instance emits it; this transition can never fire; drop it, "
        "or the whole event with system.without_event('ping')",
    ]


def test_the_guide_has_a_runnable_example_of_every_construct() -> None:
    """tests/docs/test_guide.py runs every ``# example:`` block of the guide in order."""
    import re

    guide = (Path(__file__).resolve().parents[2] / "docs" / "guide.md").read_text(encoding="utf-8")
    names = re.findall(r"```python\n# example: (.*)\n", guide)
    for construct in ("cascades", "shared variables", "families and arrays", "initial and constraint", "arithmetic",
                      "fairness groups", "variants"):
        assert construct in names


def test_state_predicates_cannot_read_the_state_before_a_step() -> None:
    n = Var("n", Int(0, 3))
    m = Machine(name="m", variables=(n,), transitions=(Transition("t", guard=n < 3, updates={n: n + 1}),))
    with pytest.raises(ModelError) as err:
        System(name="s", instances=(Instance("m", m),), constraint=ref("m", "n") == prev(ref("m", "n")))
    assert err.value.lines == ("s/constraint: uses prev(), which only a step property can read; "
                               "a state predicate reads one state; drop prev()",)


def test_derived_systems_keep_their_families_and_shared_variables() -> None:
    system = _peterson()
    again = replace(system, params=(("n", 2),))
    assert again.families == system.families and again.shared == system.shared
    assert check(again).coverage.states == 20

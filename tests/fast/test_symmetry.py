"""Symmetry reduction of the fast engine (issue 13) against the unreduced reference engine.

On random systems with a family declared symmetric: the same verdicts as the reference engine's
unreduced run, shortest counterexamples of the same lengths that replay step by step on the
unreduced model (the reference engine's compiled successor function), exactly one stored state per
orbit of the reference's reachable states, and as many represented states as the reference has.
A model or property that tells the members apart is explored unreduced, and the coverage says so.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from strategies import FAMILY

from statebound.checker import (
    SELF,
    Enum,
    Family,
    InputError,
    Instance,
    Int,
    Machine,
    Report,
    System,
    Transition,
    Var,
    always,
    check,
    count,
    exists,
    explore,
    forall,
    implies,
    is_in,
    leads_to,
    on_step,
    ref,
    sometimes,
)
from statebound.checker._compile import compile_system
from statebound.checker.engines import fast
from statebound.checker.property import LeadsTo, NeverAfter
from statebound.checker.result import Trace, Verdict

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from scalable import symmetric_system  # noqa: E402  (benchmarks/ is not a package on the path)
from scalable import system as plain_system

STATE = Enum("s0", "s1", "s2")


@st.composite
def _guard(draw: st.DrawFn, own: tuple[Var, Var, Var], in_family: bool) -> Any:
    """A guard that the members of ``f`` cannot tell apart (mostly), or, rarely, one that can."""
    state, n, b = own
    pool = ["own", "exists", "forall", "count", "env"]
    if in_family:
        pool += ["other", "other"]
    which = draw(st.sampled_from(pool))
    v = draw(st.sampled_from(STATE.names))
    if which == "own":
        return (state == v) | b if draw(st.booleans()) else state != v
    if which == "exists":
        return exists("f", lambda j: ref("f", "state", j) == v)
    if which == "forall":
        return forall("f", lambda j: ref("f", "n", j) <= draw(st.integers(0, 2)))
    if which == "count":
        return count("f", lambda j: ref("f", "b", j) == "yes") <= draw(st.integers(0, 2))
    if which == "env":
        return ref("e", "state") == v
    return exists("f", lambda j: (j != SELF) & (ref("f", "state", j) == v))


@st.composite
def _machine(draw: st.DrawFn, name: str, in_family: bool) -> Machine:
    state, n, b = Var("state", STATE), Var("n", Int(0, 2)), Var("b", Enum("no", "yes"))
    flag = b == "yes"
    own = (state, n, flag)
    ts = []
    for k in range(draw(st.integers(1, 4))):
        guard = draw(_guard(own, in_family))
        updates: dict[Any, Any] = {state: draw(st.sampled_from(STATE.names))}
        if draw(st.booleans()):
            guard = guard & (n < 2)
            updates[n] = n + 1
        if draw(st.booleans()):
            updates[b] = draw(st.sampled_from(["no", "yes"]))
        role = draw(st.sampled_from(["plain", "plain", "emit", "on"]))
        ts.append(Transition(f"t{k}", guard=guard, updates=updates, tags=draw(st.sampled_from(["a", "b", ()])),
                             emit="ev" if role == "emit" else None, on="ev" if role == "on" else None))
    return Machine(name=name, variables=(state, n, b), transitions=tuple(ts))


@st.composite
def symmetric_systems(draw: st.DrawFn, symmetric: bool = True) -> System:
    """A random system of an environment ``e`` and a family ``f`` of 2-3 members declared
    symmetric, with broadcasts, quantified guards and properties; most of them really are
    symmetric, some name a member or use an index as a number, some check liveness."""
    fam = _machine("member", True)
    env = _machine("env", False)
    member, environment = draw(fam), draw(env)
    events = {t.emit for m in (member, environment) for t in m.transitions} - {None}
    # a receiver with no sender is only a warning; an emitter with no receiver gets one
    receivers = {t.on for m in (member, environment) for t in m.transitions} - {None}
    if events - receivers:
        member = member.with_transitions(Transition("r", on="ev", updates={"b": "yes"}))
    atom = st.one_of(
        st.sampled_from(STATE.names).map(lambda v: exists("f", lambda j: ref("f", "state", j) == v)),
        st.integers(0, 2).map(lambda k: count("f", lambda j: ref("f", "n", j) >= 1) <= k),
        st.sampled_from(STATE.names).map(lambda v: forall("f", lambda j: ref("f", "state", j) != v)),
        st.sampled_from(STATE.names).map(lambda v: ref("e", "state") == v),
    )
    asymmetric = st.sampled_from(STATE.names).map(lambda v: ref("f[0]", "state") == v)
    prop = st.one_of(atom, atom.flatmap(lambda a: atom.map(lambda b: implies(a, b))))
    props: list[Any] = [always("inv", draw(prop)), sometimes("wit", draw(prop))]
    if any("a" in t.tags for m in (member, environment) for t in m.transitions):
        props.append(on_step("step", "a", before=draw(st.one_of(prop, st.just(Var("n", Int(0, 2)) < 2))),
                             after=draw(prop)))
    extra = draw(st.integers(0, 7))
    if extra == 0:
        props.append(always("asym", draw(asymmetric)))
    elif extra == 1:
        props.append(leads_to("live", draw(prop), draw(prop)))
    elif extra == 2:
        member = member.with_transitions(Transition("first", guard=SELF == 0, updates={"n": 0}))
    return System(name="random-symmetric", properties=tuple(props), check_deadlock=draw(st.booleans()),
                  instances=(Instance("e", environment),
                             Family("f", member, n=draw(st.integers(2, 3)), symmetric=symmetric)))


def orbit_key(system: System, state: tuple[Any, ...], family: str = FAMILY) -> tuple[Any, ...]:
    """The state with the members of ``f`` as a sorted tuple of blocks: equal for two states
    exactly when one is the other with the members renamed (independent of the engine's code)."""
    fam = system.family(family)
    blocks = [tuple(state[system.slot_of(fam.member(k), v.name)] for v in fam.machine.variables) for k in range(fam.n)]
    members = {system.slot_of(fam.member(k), v.name) for k in range(fam.n) for v in fam.machine.variables}
    rest = tuple(x for s, x in enumerate(state) if s not in members)
    return rest, tuple(sorted(blocks, key=repr))


def assert_replays(system: System, trace: Trace) -> None:
    """Every step of *trace* is a step of the unreduced model, from one of its initial states."""
    c = compile_system(system)
    states = [tuple(v for _, v in s) for s in trace.states]
    assert states[0] in c.initial_states()
    for k, (a, b) in enumerate(zip(states, states[1:], strict=False)):
        steps = [c.step(lab, a, t) for lab, t in c.successors(a) if t == b]
        assert trace.steps[k] in steps, f"step {k + 1} of the trace is no step of the model"


def verdicts(report: Report) -> dict[str, Verdict]:
    return {o.property: o.verdict for o in report.outcomes}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(symmetric_systems())
def test_a_symmetric_check_agrees_with_the_unreduced_reference(system: System) -> None:
    assume(fast.unsupported(system) is None)
    try:
        ref_report = check(system)
    except Exception:  # a model error found while exploring: the fast engine's own tests cover those
        assume(False)
        raise
    try:
        got = fast.check(system)
    except InputError:  # a property the packed compiler does not handle (arithmetic on variables)
        assume(False)
        raise
    cov = got.coverage
    assert cov.symmetry is not None  # the system declares a symmetric family: the coverage says what it did
    event("reduced" if cov.represented is not None else "refused")
    event("some property violated" if any(o.verdict is Verdict.VIOLATED for o in got.outcomes) else "none violated")
    if cov.represented is None:
        # refused: explored unreduced, exactly as the reference engine explores it
        assert cov.symmetry.startswith("symmetry: not reduced")
        assert (cov.states, cov.steps, cov.depth, cov.unfired) == (
            ref_report.coverage.states, ref_report.coverage.steps, ref_report.coverage.depth, ref_report.coverage.unfired)
        for a, b in zip(got.outcomes, ref_report.outcomes, strict=True):
            assert (a.property, a.verdict, a.trace, a.breach) == (b.property, b.verdict, b.trace, b.breach)
        return
    assert cov.symmetry.startswith("symmetry: reduced over f")
    assert not any(isinstance(p, (LeadsTo, NeverAfter)) for p in system.properties)
    reachable = explore(system).states
    assert cov.states == len({orbit_key(system, s) for s in reachable})
    assert cov.represented == len(reachable) == ref_report.coverage.states
    assert cov.depth == ref_report.coverage.depth
    assert cov.unfired == ref_report.coverage.unfired
    assert verdicts(got) == verdicts(ref_report)
    for a, b in zip(got.outcomes, ref_report.outcomes, strict=True):
        if b.trace is None:
            assert a.trace is None
            continue
        assert a.trace is not None
        assert len(a.trace) == len(b.trace)
        assert (a.breach is None) == (b.breach is None)
        if a.breach is not None and b.breach is not None:
            assert (a.breach.state, a.breach.step) == (b.breach.state, b.breach.step)
        assert_replays(system, a.trace)


@settings(max_examples=30, deadline=None)
@given(symmetric_systems(symmetric=False))
def test_a_family_not_declared_symmetric_is_checked_exactly_as_the_reference_does(system: System) -> None:
    """The fast engine spells out SELF, quantifiers and ref(family, x, j) for its compiler: without
    a symmetric family nothing is reduced and everything a report says is the reference's."""
    assume(fast.unsupported(system) is None)
    ref_report, got = check(system), fast.check(system)
    assert got.coverage.symmetry is None and "symmetry" not in got.coverage.to_json()
    assert dataclasses.replace(got.coverage, seconds=0) == dataclasses.replace(ref_report.coverage, seconds=0)
    for a, b in zip(got.outcomes, ref_report.outcomes, strict=True):
        assert (a.property, a.verdict, a.trace, a.breach, a.message, a.warnings) == (
            b.property, b.verdict, b.trace, b.breach, b.message, b.warnings)


# ---------------------------------------------------------------------------- a family of clients


SOCK = Enum("Idle", "Connecting", "Open", "Closed")


def clients(n: int = 3, *, guard_extra: Any = None, props: tuple[Any, ...] | None = None, **kw: Any) -> System:
    """A server and *n* clients; a client connects only while no other one is connecting."""
    sock = Var("sock", SOCK)
    tries = Var("tries", Int(0, 2))
    up = Var("up", Enum("down", "up"))
    others_idle = forall("c", lambda j: implies(j != SELF, ref("c", "sock", j) != "Connecting"))
    guard = (sock == "Idle") & (ref("server", "up") == "up") & others_idle
    if guard_extra is not None:
        guard = guard & guard_extra
    client = Machine(name="client", variables=(sock, tries), transitions=(
        Transition("connect", guard=guard, updates={sock: "Connecting"}, tags="connect"),
        Transition("open", guard=sock == "Connecting", updates={sock: "Open"}),
        Transition("fail", guard=(sock == "Connecting") & (tries < 2), updates={sock: "Idle", tries: tries + 1}),
        Transition("close", guard=sock == "Open", updates={sock: "Closed"}),
        Transition("drop", on="crash", guard=sock == "Open", updates={sock: "Closed"}),
    ))
    server = Machine(name="server", variables=(up,), transitions=(
        Transition("start", guard=up == "down", updates={up: "up"}),
        Transition("crash", guard=up == "up", updates={up: "down"}, emit="crash"),
    ))
    if props is None:
        props = (always("one-connecting", count("c", lambda j: ref("c", "sock", j) == "Connecting") <= 1),)
    return System(name="clients", instances=(Instance("server", server), Family("c", client, n=n, symmetric=True)),
                  properties=props, check_deadlock=False, **kw)


def test_the_benchmark_model_is_reduced_to_its_orbits_with_the_same_verdicts() -> None:
    for n in (2, 3, 4):
        got = fast.check(symmetric_system(n))
        plain = fast.check(plain_system(n))
        assert got.coverage.represented == plain.coverage.states == 10**n + 3 * 4**n
        # orbits: multisets of n client states among 10 while Active, 4 otherwise
        from math import comb

        assert got.coverage.states == comb(n + 9, 9) + 3 * comb(n + 3, 3)
        assert got.coverage.reduction is not None and got.coverage.reduction > 1
        assert [o.verdict for o in got.outcomes] == [o.verdict for o in plain.outcomes]
        assert [u.replace("[", "").replace("]", "") for u in got.coverage.unfired] == list(plain.coverage.unfired)
        assert got.coverage.to_json()["symmetry"]["reduced"] is True


def test_a_violation_found_on_canonical_states_is_a_concrete_shortest_trace() -> None:
    system = clients(3, props=(
        always("never-two-open", count("c", lambda j: ref("c", "sock", j) == "Open") <= 1),
        sometimes("all-closed", forall("c", lambda j: ref("c", "sock", j) == "Closed")),
        on_step("connect-while-up", "connect", before=ref("server", "up") == "down"),
    ))
    got, ref_report = fast.check(system), check(system)
    assert got.coverage.represented == ref_report.coverage.states > got.coverage.states
    for name in ("never-two-open", "all-closed", "connect-while-up"):
        a, b = got.outcome(name), ref_report.outcome(name)
        assert a.verdict is b.verdict
        assert a.trace is not None and b.trace is not None and len(a.trace) == len(b.trace)
        assert a.breach == b.breach
        assert_replays(system, a.trace)
    assert got.outcome("never-two-open").verdict is Verdict.VIOLATED


@pytest.mark.parametrize(("why", "build"), [
    ("names the member 'c[0]'", lambda: clients(props=(always("c0-idle-or-open", is_in(ref("c[0]", "sock"), "Idle", "Open")),))),
    ("reads a member of the symmetric family 'c' at a chosen index",
     lambda: clients(guard_extra=ref("c", "sock", (SELF + 1) % 3) != "Open")),
    ("uses SELF as a number", lambda: clients(guard_extra=SELF > 0)),
    ("reads a member of the symmetric family 'c' at a chosen index",
     lambda: clients(props=(always("first-idle", ref("c", "sock", 0) != "Connecting"),))),
    ("uses the index 'j' of a quantifier over 'c' as a number",
     lambda: clients(props=(always("ordered", forall("c", lambda j: (j < 2) | (ref("c", "sock", j) == "Idle"))),))),
    ("the whole check runs unreduced",
     lambda: clients(props=(leads_to("opens", ref("c[0]", "sock") == "Connecting", ref("c[0]", "sock") != "Connecting"),))),
])
def test_a_model_or_property_that_tells_members_apart_is_explored_unreduced_and_says_why(why: str, build: Any) -> None:
    system = build()
    got, ref_report = fast.check(system), check(system)
    assert got.coverage.represented is None and got.coverage.reduction is None
    assert got.coverage.symmetry is not None and got.coverage.symmetry.startswith("symmetry: not reduced")
    assert why in got.coverage.symmetry
    assert got.coverage.states == ref_report.coverage.states
    assert verdicts(got) == verdicts(ref_report)
    assert got.coverage.to_json()["symmetry"] == {"reduced": False, "note": got.coverage.symmetry,
                                                  "represented_states": None, "factor": None}


def test_a_system_without_a_symmetric_family_reports_nothing_about_symmetry() -> None:
    cov = fast.check(plain_system(2)).coverage
    assert cov.symmetry is None and cov.represented is None
    assert "symmetry" not in cov.to_json()


def test_the_reduced_exploration_stores_canonical_states_whose_orbits_cover_the_reachable_ones() -> None:
    system = clients(3)
    ex = fast.explore(system, symmetry=True)
    reachable = explore(system).states
    assert ex.symmetry is not None
    assert len(ex) == len({orbit_key(system, s, "c") for s in reachable})
    assert {orbit_key(system, s, "c") for s in ex.states} == {orbit_key(system, s, "c") for s in reachable}
    for sid in range(len(ex)):
        tr = ex.trace(sid)
        assert tuple(v for _, v in tr.states[-1]) == ex.state(sid)
        assert len(tr) == ex.depth_of(sid)
        assert_replays(system, tr)


def test_two_symmetric_families_are_reduced_together() -> None:
    s, n = Var("s", Enum("a", "b", "c")), Var("n", Int(0, 1))
    m = Machine(name="m", variables=(s, n), transitions=(
        Transition("go", guard=(s == "a") & forall("g", lambda j: ref("g", "s", j) != "c"), updates={s: "b"}),
        Transition("up", guard=(s == "b") & (n < 1), updates={n: n + 1, s: "a"}),
        Transition("end", guard=exists("f", lambda j: (j != SELF) & (ref("f", "s", j) == "b")), updates={s: "c"}, emit="e"),
    ))
    h = Machine(name="h", variables=(s,), transitions=(
        Transition("t", guard=(s == "a") & (count("f", lambda j: ref("f", "s", j) == "b") >= 1), updates={s: "b"}),
        Transition("r", on="e", guard=s == "b", updates={s: "c"}),
        Transition("back", guard=s == "c", updates={s: "a"}),
    ))
    system = System(name="two", instances=(Family("f", m, n=3, symmetric=True), Family("g", h, n=2, symmetric=True)),
                    properties=(always("few-c", count("g", lambda j: ref("g", "s", j) == "c") < 2),))
    got, ref_report = fast.check(system), check(system)
    assert got.coverage.symmetry is not None and "f (3 members), g (2 members)" in got.coverage.symmetry
    assert got.coverage.represented == ref_report.coverage.states > got.coverage.states
    assert verdicts(got) == verdicts(ref_report)
    o, b = got.outcome("few-c"), ref_report.outcome("few-c")
    assert o.verdict is Verdict.VIOLATED and o.trace is not None and b.trace is not None
    assert len(o.trace) == len(b.trace)
    assert_replays(system, o.trace)

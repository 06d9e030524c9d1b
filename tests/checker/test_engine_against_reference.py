"""Property tests of the reference explicit engine against an independent interpreter.

The interpreter below walks expression trees (Const / Ref / Op) directly and builds the state graph
with networkx; it shares nothing with ``checker._compile`` but the model's data (the system's
slot order is used only to lay states out the same way). Against it we check reachability, that
every counterexample is a real execution that really breaks its property and is as short as
possible, budgets, liveness lassos (including an exhaustive fair-cycle search) and determinism.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx
from hypothesis import given, note
from hypothesis import strategies as st

from statebound.checker import (
    Always, Budget, Const, Expr, LeadsTo, NeverAfter, Op, OnStep, Ref, Sometimes, System, Trace, Verdict,
    check, explore,
)
from strategies import systems

State = tuple[Any, ...]
Label = tuple[str, str, tuple[tuple[str, str], ...]]  # (sender instance, transition, receivers)


# --------------------------------------------------------------------------- the reference


def ev(e: Expr, env: dict[tuple[str, str], Any], me: str | None) -> Any:
    """Evaluate *e* in *env* (``{(instance, variable): value}``) as read by instance *me*."""
    if isinstance(e, Const):
        return e.value
    if isinstance(e, Ref):
        return env[(e.instance if e.instance is not None else me, e.name)]  # type: ignore[index]
    assert isinstance(e, Op), e
    a = e.args
    match e.op:
        case "not":
            return not ev(a[0], env, me)
        case "and":
            return all(ev(x, env, me) for x in a)
        case "or":
            return any(ev(x, env, me) for x in a)
        case "implies":
            return (not ev(a[0], env, me)) or ev(a[1], env, me)
        case "ite":
            return ev(a[1], env, me) if ev(a[0], env, me) else ev(a[2], env, me)
        case "in":
            x = ev(a[0], env, me)
            return any(x == ev(v, env, me) for v in a[1:])
        case "count":
            return sum(1 for x in a if ev(x, env, me))
    x, y = ev(a[0], env, me), ev(a[1], env, me)
    return {
        "==": lambda: x == y, "!=": lambda: x != y, "<": lambda: x < y, "<=": lambda: x <= y,
        ">": lambda: x > y, ">=": lambda: x >= y, "+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
    }[e.op]()


@dataclass
class Reference:
    """The state graph of a system, built by the tree-walking interpreter."""

    system: System
    graph: nx.DiGraph  # edge attribute "labels": set of Label
    initial: set[State]
    successors: dict[State, list[tuple[Label, State]]]

    def env(self, s: State) -> dict[tuple[str, str], Any]:
        return dict(zip(self.system.slots, s))

    def holds(self, e: Expr, s: State, me: str | None = None) -> bool:
        return bool(ev(e, self.env(s), me))

    def distances(self) -> dict[State, int]:
        g = self.graph.copy()
        g.add_node("init")
        g.add_edges_from(("init", s) for s in self.initial)
        return {s: d - 1 for s, d in nx.single_source_shortest_path_length(g, "init").items() if s != "init"}

    def enabled_fair(self, s: State) -> set[tuple[str, str, str]]:
        env = self.env(s)
        return {
            (inst.name, t.name, t.fair)
            for inst in self.system.instances
            for t in inst.machine.transitions
            if t.on is None and t.fair is not None and ev(t.guard, env, inst.name)
        }


def initial_states(system: System) -> set[State]:
    choices = []
    for inst in system.instances:
        for v in inst.machine.variables:
            init = v.initial
            if init is None:
                choices.append([v.domain.values[0]])
            elif isinstance(init, (set, frozenset, list, tuple)):
                choices.append(list(init))
            else:
                choices.append([init])
    return {tuple(c) for c in itertools.product(*choices)}


def successors(system: System, s: State) -> list[tuple[Label, State]]:
    env = dict(zip(system.slots, s))
    out: list[tuple[Label, State]] = []

    def writes(inst: str, t: Any) -> dict[tuple[str, str], Any]:
        return {(inst, var): ev(value, env, inst) for var, value in t.updates}  # all read the pre-state

    for inst in system.instances:
        for t in inst.machine.transitions:
            if t.on is not None or not ev(t.guard, env, inst.name):
                continue
            base = dict(env)
            base.update(writes(inst.name, t))
            options = []
            if t.emit is not None:
                for other in system.instances:
                    if other.name == inst.name:
                        continue
                    enabled = [r for r in other.machine.transitions if r.on == t.emit and ev(r.guard, env, other.name)]
                    if enabled:  # an instance with an enabled receiver must take part
                        options.append([(other.name, r) for r in enabled])
            for combo in itertools.product(*options):
                new = dict(base)
                for other_name, r in combo:
                    new.update(writes(other_name, r))
                t_state = tuple(new[k] for k in system.slots)
                for k, value in zip(system.slots, t_state):
                    assert system.instance(k[0]).machine.variable(k[1]).domain.contains(value)  # type: ignore[union-attr]
                out.append(((inst.name, t.name, tuple((o, r.name) for o, r in combo)), t_state))
    return out


def reference(system: System) -> Reference:
    init = initial_states(system)
    g = nx.DiGraph()
    succ: dict[State, list[tuple[Label, State]]] = {}
    todo = list(init)
    g.add_nodes_from(init)
    while todo:
        s = todo.pop()
        if s in succ:
            continue
        succ[s] = successors(system, s)
        for label, t in succ[s]:
            if t not in g:
                todo.append(t)
            if g.has_edge(s, t):
                g[s][t]["labels"].add(label)
            else:
                g.add_edge(s, t, labels={label})
    return Reference(system, g, init, succ)


# --------------------------------------------------------------------------- trace checks


def plain(trace: Trace, system: System) -> list[State]:
    out = []
    for values in trace.states:
        assert tuple(k for k, _ in values) == system.slots
        out.append(tuple(v for _, v in values))
    return out


def fired(system: System, label: Label) -> list[tuple[str, Any]]:
    inst, tname, recv = label
    out = [(inst, system.instance(inst).machine.transition(tname))]
    out += [(o, system.instance(o).machine.transition(r)) for o, r in recv]
    return out


def assert_valid_execution(ref: Reference, trace: Trace) -> tuple[list[State], list[Label]]:
    """Every step of *trace* is one the model allows, with the changes it reports."""
    states = plain(trace, ref.system)
    assert states[0] in ref.initial, "the trace does not start in an initial state"
    assert len(states) == len(trace.steps) + 1
    labels = []
    for i, step in enumerate(trace.steps):
        label = (step.instance, step.transition, tuple(step.receivers))
        allowed = ref.successors[states[i]]
        assert (label, states[i + 1]) in allowed, f"step {i} ({label}) is not a step of the model"
        sender = ref.system.instance(step.instance).machine.transition(step.transition)
        assert sender is not None and sender.on is None and step.event == sender.emit
        changed = {(c.instance, c.variable): (c.before, c.after) for c in step.changes}
        diff = {k: (a, b) for k, a, b in zip(ref.system.slots, states[i], states[i + 1]) if a != b}
        assert changed == diff, f"step {i} reports changes {changed}, not {diff}"
        labels.append(label)
    return states, labels


def step_breaks(ref: Reference, p: OnStep, s: State, label: Label, t: State) -> bool:
    for inst, tr in fired(ref.system, label):
        if tr.tags & p.tags and not (ref.holds(p.before, s, inst) and ref.holds(p.after, t, inst)):
            return True
    return False


def is_deadlock(ref: Reference, s: State) -> bool:
    if ref.successors[s]:
        return False
    return ref.system.terminal is None or not ref.holds(ref.system.terminal, s)


# --------------------------------------------------------------------------- never_after reference


def observer_distance(ref: Reference, p: NeverAfter) -> int | None:
    """Length of the shortest trace breaking *p*, by BFS over (state, armed instances)."""
    system = ref.system

    def who(label: Label, tags: Iterable[str]) -> set[str]:
        tags = frozenset(tags)
        names = {inst for inst, t in fired(system, label) if t.tags & tags}
        return ({"*"} if names else set()) if not p.per_instance else names

    until_tags = p.until if isinstance(p.until, frozenset) else frozenset()
    watched = {i.name for i in system.instances
               if any(t.tags & (p.trigger | p.forbidden) for t in i.machine.transitions)}
    start = [(s, frozenset()) for s in ref.initial]
    dist = {n: 0 for n in start}
    queue = list(start)
    for node in queue:  # BFS: the list grows while we walk it
        s, armed = node
        for label, t in ref.successors[s]:
            if armed & who(label, p.forbidden):
                return dist[node] + 1
            trig = who(label, p.trigger)
            if isinstance(p.until, frozenset):
                reset = who(label, until_tags)
                if p.per_instance and reset - watched:
                    reset = set(armed)  # an until step of an unwatched instance resets everyone
                new = frozenset(trig | (armed - reset))  # triggering wins over resetting
            else:  # until a state satisfies the expression, the state after the trigger included
                new = frozenset(n for n in trig | armed if not ref.holds(p.until, t, None if n == "*" else n))
            nxt = (t, new)
            if nxt not in dist:
                dist[nxt] = dist[node] + 1
                queue.append(nxt)
    return None


# --------------------------------------------------------------------------- leads_to reference


def fair_violation_exists(ref: Reference, p: LeadsTo, limit: int = 11) -> bool | None:
    """Exhaustive reference for leads_to: is there a reachable p-state from which a fair execution
    avoids q forever? Fair infinite executions are characterised by their infinity set S (a
    strongly connected set of not-q states, taking every edge inside it); S is fair when every weak
    transition enabled in all of S, and every strong one enabled somewhere in S, is taken inside S.
    Finite executions may stop where no fair transition is enabled. Returns None when an SCC is too
    big to enumerate its subsets."""
    nq = {s for s in ref.graph if not ref.holds(p.q, s)}
    g = ref.graph.subgraph(nq)
    ends = {s for s in nq if not ref.enabled_fair(s)}
    for comp in nx.strongly_connected_components(g):
        comp = sorted(comp)
        if len(comp) > limit:
            return None
        for r in range(1, len(comp) + 1):
            for subset in itertools.combinations(comp, r):
                S = set(subset)
                sub = g.subgraph(S)
                if sub.number_of_edges() == 0 or not nx.is_strongly_connected(sub):
                    continue
                taken = {(lab[0], lab[1]) for _, _, d in sub.edges(data=True) for lab in d["labels"]}
                en = [ref.enabled_fair(s) for s in S]
                everywhere = set.intersection(*en)
                somewhere = set.union(*en)
                if all((i, t) in taken for i, t, f in everywhere if f == "weak") and all(
                    (i, t) in taken for i, t, f in somewhere if f == "strong"
                ):
                    ends |= S
    bad = set(ends)
    for e in ends:
        bad |= nx.ancestors(g, e)
    return any(ref.holds(p.p, s) for s in bad)


def assert_valid_lasso(ref: Reference, p: LeadsTo, trace: Trace) -> None:
    states, labels = assert_valid_execution(ref, trace)
    loop = trace.loop
    assert loop is not None and 0 <= loop <= len(labels)
    # the p-state: from there on (the cycle included) q never holds
    js = [j for j, s in enumerate(states) if ref.holds(p.p, s)
          and not any(ref.holds(p.q, x) for x in states[min(j, loop):])]
    assert js, "no state of the lasso is a p-state from which q never holds"
    if loop == len(labels):  # stutters forever in the last state: nothing fair may be enabled there
        assert not ref.enabled_fair(states[-1]), "the execution stops where a fair transition is enabled"
        return
    assert states[-1] == states[loop], "the cycle does not return to states[loop]"
    cycle = states[loop:-1]
    taken = {(lab[0], lab[1]) for lab in labels[loop:]}
    en = [ref.enabled_fair(s) for s in cycle]
    for inst, tname, fair in set.intersection(*en):
        if fair == "weak":
            assert (inst, tname) in taken, f"weakly fair {inst}.{tname} is enabled throughout the cycle but never taken"
    for inst, tname, fair in set.union(*en):
        if fair == "strong":
            assert (inst, tname) in taken, f"strongly fair {inst}.{tname} is enabled in the cycle but never taken"


# --------------------------------------------------------------------------- the tests

SMALL = st.one_of(systems(max_instances=3, max_transitions=4), systems(max_instances=3, max_transitions=3, force_broadcast=True))


@given(SMALL)
def test_explore_reaches_exactly_what_the_reference_reaches(system: System) -> None:
    ref = reference(system)
    ex = explore(system)
    assert ex.complete
    assert len(ex.states) == len(set(ex.states))
    assert set(ex.states) == set(ref.graph.nodes)
    dist = ref.distances()
    depths = [ex.depth_of(sid) for sid in range(len(ex))]
    assert [dist[s] for s in ex.states] == depths, "BFS depths are not shortest distances"
    assert depths == sorted(depths), "states are not in breadth-first order"
    assert ex.coverage().steps == sum(len(v) for v in ref.successors.values())


@given(SMALL)
def test_explore_keeps_exactly_the_reference_edges(system: System) -> None:
    ref = reference(system)
    ex = explore(system, keep_edges=True)
    got = {(ex.states[s], t_id) for s in range(len(ex)) for _, t_id in ex.successors(s)}
    got = {(s, ex.states[t]) for s, t in got}
    assert got == set(ref.graph.edges)
    labelled = set()
    for sid in range(len(ex)):
        for step, tid in ex.successors(sid):
            labelled.add((ex.states[sid], (step.instance, step.transition, step.receivers), ex.states[tid]))
    assert labelled == {(s, lab, t) for s, succ in ref.successors.items() for lab, t in succ}


@given(SMALL)
def test_every_counterexample_is_a_real_shortest_execution(system: System) -> None:
    ref = reference(system)
    dist = ref.distances()
    report = check(system)
    for o in report.outcomes:
        note(f"{o.property}: {o.verdict} {o.message}")
        p = system.property(o.property) if o.property != "deadlock-free" else None
        if isinstance(p, Always):
            bad = [dist[s] for s in ref.graph if not ref.holds(p.expr, s)]
            assert (o.verdict is Verdict.VIOLATED) == bool(bad)
            if bad:
                states, _ = assert_valid_execution(ref, o.trace)  # type: ignore[arg-type]
                assert not ref.holds(p.expr, states[-1])
                assert len(o.trace) == min(bad)  # type: ignore[arg-type]
        elif isinstance(p, Sometimes):
            good = [dist[s] for s in ref.graph if ref.holds(p.expr, s)]
            assert (o.verdict is Verdict.HOLDS) == bool(good)
            if good:
                states, _ = assert_valid_execution(ref, o.trace)  # type: ignore[arg-type]
                assert ref.holds(p.expr, states[-1])
                assert len(o.trace) == min(good)  # type: ignore[arg-type]
        elif isinstance(p, OnStep):
            bad = [dist[s] + 1 for s, succ in ref.successors.items() for lab, t in succ if step_breaks(ref, p, s, lab, t)]
            assert (o.verdict is Verdict.VIOLATED) == bool(bad)
            if bad:
                states, labels = assert_valid_execution(ref, o.trace)  # type: ignore[arg-type]
                assert step_breaks(ref, p, states[-2], labels[-1], states[-1])
                assert len(o.trace) == min(bad)  # type: ignore[arg-type]
            else:
                tagged = any(t.tags & p.tags for s, succ in ref.successors.items() for lab, _ in succ
                             for _, t in fired(system, lab))
                assert bool(o.warnings) == (not tagged)
        elif isinstance(p, NeverAfter):
            shortest = observer_distance(ref, p)
            assert (o.verdict is Verdict.VIOLATED) == (shortest is not None)
            if shortest is not None:
                states, labels = assert_valid_execution(ref, o.trace)  # type: ignore[arg-type]
                assert len(o.trace) == shortest  # type: ignore[arg-type]
                last = fired(system, labels[-1])
                assert any(t.tags & p.forbidden for _, t in last)
        elif isinstance(p, LeadsTo):
            if o.verdict is Verdict.VIOLATED:
                assert_valid_lasso(ref, p, o.trace)  # type: ignore[arg-type]
            else:
                assert o.verdict is Verdict.HOLDS
        else:
            assert o.property == "deadlock-free"
            dead = [dist[s] for s in ref.graph if is_deadlock(ref, s)]
            assert (o.verdict is Verdict.VIOLATED) == bool(dead)
            if dead:
                states, _ = assert_valid_execution(ref, o.trace)  # type: ignore[arg-type]
                assert is_deadlock(ref, states[-1])
                assert len(o.trace) == min(dead)  # type: ignore[arg-type]


@given(SMALL)
def test_leads_to_verdicts_match_an_exhaustive_fair_cycle_search(system: System) -> None:
    ref = reference(system)
    report = check(system)
    for p in system.properties:
        if isinstance(p, LeadsTo):
            expected = fair_violation_exists(ref, p)
            if expected is None:
                continue
            o = report.outcome(p.name)
            assert (o.verdict is Verdict.VIOLATED) == expected, o.trace
            if expected:
                assert_valid_lasso(ref, p, o.trace)  # type: ignore[arg-type]


@given(SMALL, st.data())
def test_a_budget_overrun_is_never_holds(system: System, data: st.DataObject) -> None:
    ref = reference(system)
    total = ref.graph.number_of_nodes()
    if total < 2:
        return
    limit = data.draw(st.integers(1, total - 1), label="max_states")
    report = check(system, budget=Budget(max_states=limit))
    assert not report.coverage.complete
    assert report.coverage.states <= limit
    for o in report.outcomes:
        if o.verdict is Verdict.HOLDS:  # only a witness actually found is a sound "holds"
            assert o.kind == "sometimes" and o.trace is not None
            assert_valid_execution(ref, o.trace)
        elif o.verdict is Verdict.VIOLATED and o.trace is not None:
            assert_valid_execution(ref, o.trace)  # a violation found early is still real
        else:  # a missing witness is only "violated" after a complete search
            assert o.verdict is Verdict.INCONCLUSIVE


@given(SMALL, st.integers(0, 3))
def test_a_depth_bound_is_never_holds_unless_the_graph_is_that_shallow(system: System, bound: int) -> None:
    ref = reference(system)
    deepest = max(ref.distances().values())
    report = check(system, budget=Budget(max_depth=bound))
    for o in report.outcomes:
        if o.verdict is Verdict.HOLDS and o.kind != "sometimes":
            assert deepest <= bound, f"{o.property} holds although states deeper than {bound} exist"
        if o.trace is not None and not o.trace.is_lasso:
            assert len(o.trace) <= bound


@given(SMALL)
def test_results_are_deterministic(system: System) -> None:
    first, second = check(system), check(system)

    def strip(report: Any) -> list[tuple[Any, ...]]:
        return [(o.property, o.verdict, o.trace, o.message, o.warnings, o.coverage.states, o.coverage.steps,
                 o.coverage.unfired) for o in report.outcomes]

    assert strip(first) == strip(second)
    assert explore(system).states == explore(system).states


@given(SMALL)
def test_unfired_transitions_are_exactly_those_the_reference_never_fires(system: System) -> None:
    ref = reference(system)
    fired_names = {f"{inst}.{t.name}" for succ in ref.successors.values() for lab, _ in succ
                   for inst, t in fired(system, lab)}
    every = {f"{i.name}.{t.name}" for i, t in system.transitions()}
    assert set(explore(system).coverage().unfired) == every - fired_names

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
from strategies import systems

from statebound.checker import (
    Always,
    Budget,
    Const,
    Expr,
    LeadsTo,
    NeverAfter,
    OnStep,
    Op,
    Ref,
    Sometimes,
    System,
    Trace,
    Verdict,
    check,
    explore,
)

State = tuple[Any, ...]
Label = tuple[str, str, tuple[tuple[str, str], ...]]  # (sender instance, transition, receivers)


# --------------------------------------------------------------------------- the reference


class StepError(Exception):
    """A model error the interpreter meets while exploring (the engine must raise ModelError):
    an update outside its domain, an index out of range, a division by zero, two writes of one
    shared variable in one step, or no initial state."""


def ev(e: Expr, env: dict[tuple[str, str], Any], me: str | None, system: System | None = None,
       bound: dict[str, int] | None = None) -> Any:
    """Evaluate *e* in *env* (``{(instance, variable): value}``) as read by instance *me*; the
    nodes of the second edition (issue 9) need *system* (families) and the quantifier indices
    in *bound*."""
    bound = bound or {}

    def go(x: Expr) -> Any:
        return ev(x, env, me, system, bound)

    if isinstance(e, Const):
        return e.value
    if isinstance(e, Ref):
        return env[(e.instance if e.instance is not None else me, e.name)]  # type: ignore[index]
    assert isinstance(e, Op), e
    a = e.args
    match e.op:
        case "not":
            return not go(a[0])
        case "and":
            return all(go(x) for x in a)
        case "or":
            return any(go(x) for x in a)
        case "implies":
            return (not go(a[0])) or go(a[1])
        case "ite":
            return go(a[1]) if go(a[0]) else go(a[2])
        case "in":
            x = go(a[0])
            return any(x == go(v) for v in a[1:])
        case "count":
            return sum(1 for x in a if go(x))
        case "min":
            return min(go(x) for x in a)
        case "max":
            return max(go(x) for x in a)
        case "abs":
            return abs(go(a[0]))
        case "%" | "//":
            x, y = go(a[0]), go(a[1])
            if y == 0:
                raise StepError(f"{e} divides by zero")
            return x % y if e.op == "%" else x // y
        case "item":
            arr, i = go(a[0]), go(a[1])
            if not 0 <= i < len(arr):
                raise StepError(f"index {i} out of range")
            return arr[i]
        case "except":
            arr, i, v = go(a[0]), go(a[1]), go(a[2])
            if not 0 <= i < len(arr):
                raise StepError(f"index {i} out of range")
            return tuple(v if k == i else x for k, x in enumerate(arr))
        case "self_index":
            assert system is not None and me is not None
            index = system.instance(me).index
            assert index is not None
            return index
        case "bound":
            return bound[a[0].value]  # type: ignore[attr-defined]
        case "member":
            assert system is not None
            family, var = a[0].value, a[2].value  # type: ignore[attr-defined]
            i = go(a[1])
            if not 0 <= i < system.family(family).n:
                raise StepError(f"member {i} of {family} out of range")
            return env[(f"{family}[{i}]", var)]
        case "forall" | "exists" | "count_of":
            name, over, body = a[0].value, a[1], a[2]  # type: ignore[attr-defined]
            assert isinstance(over, Op)
            if over.op == "family":
                assert system is not None
                indices = range(system.family(over.args[0].value).n)  # type: ignore[attr-defined]
            else:
                indices = range(over.args[0].value, over.args[1].value + 1)  # type: ignore[attr-defined]
            values = [ev(body, env, me, system, {**bound, name: k}) for k in indices]
            return all(values) if e.op == "forall" else any(values) if e.op == "exists" else sum(map(bool, values))
    x, y = go(a[0]), go(a[1])
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
        return dict(zip(self.system.slots, s, strict=True))

    def holds(self, e: Expr, s: State, me: str | None = None) -> bool:
        return bool(ev(e, self.env(s), me, self.system))

    def distances(self) -> dict[State, int]:
        g = self.graph.copy()
        g.add_node("init")
        g.add_edges_from(("init", s) for s in self.initial)
        return {s: d - 1 for s, d in nx.single_source_shortest_path_length(g, "init").items() if s != "init"}

    def expanded(self, s: State) -> bool:
        """True unless *s* lies outside the system's constraint (then nothing follows it)."""
        return self.system.constraint is None or self.holds(self.system.constraint, s)

    def enabled_fair(self, s: State) -> set[tuple[str, str, str]]:
        """The fairness obligations enabled in *s*, read as TLA+'s WF_vars/SF_vars (issue 9): a
        fair transition ``(instance, transition, kind)`` is enabled where one of its steps changes
        the state (a step that changes nothing neither enables nor takes it); a group of
        ``System(fairness=...)`` is ``("group", k, kind)``, enabled where one of its members is."""
        real = {(lab[0], lab[1]) for lab, t in self.successors[s] if t != s}
        out = {
            (inst.name, t.name, t.fair)
            for inst in self.system.instances
            for t in inst.machine.transitions
            if t.on is None and t.fair is not None and (inst.name, t.name) in real
        }
        for k, g in enumerate(self.system.fairness):
            if real & set(g.transitions):
                out.add(("group", str(k), g.kind))
        return out

    def taken(self, steps: Iterable[tuple[State, Label, State]]) -> set[tuple[str, str]]:
        """The obligations (as in :meth:`enabled_fair`, without the kind) that *steps* take: a
        step that changes the state takes its sender and every group the sender is in."""
        out: set[tuple[str, str]] = set()
        for s, lab, t in steps:
            if s != t:
                out.add((lab[0], lab[1]))
                out.update(("group", str(k)) for k, g in enumerate(self.system.fairness)
                           if (lab[0], lab[1]) in g.transitions)
        return out


def _initial_values(var: Any) -> list[Any]:
    init, domain = var.initial, var.domain
    if init is None:
        if hasattr(domain, "size"):  # an Array: its first value repeats the element's
            return [tuple(domain.element.values[0] for _ in range(domain.size))]
        return [domain.values[0]]
    if hasattr(domain, "size"):
        return list(init) if isinstance(init, (set, frozenset)) else [init]
    if isinstance(init, (set, frozenset, list, tuple, range)):
        return list(init)
    return [init]


def initial_states(system: System) -> set[State]:
    """The product of the initial values (instances, then shared variables), filtered by the
    initial predicate; StepError when nothing is left."""
    choices = [_initial_values(v) for inst in system.instances for v in inst.machine.variables]
    choices += [_initial_values(v) for v in system.shared]
    states = {tuple(c) for c in itertools.product(*choices)}
    if system.initial is not None:
        states = {s for s in states if ev(system.initial, dict(zip(system.slots, s, strict=True)), None, system)}
        if not states:
            raise StepError("no initial state")
    return states


def _slot_name(inst: str, var: str) -> tuple[str, str]:
    return ("shared", var[len("shared."):]) if var.startswith("shared.") else (inst, var)


def successors(system: System, s: State) -> list[tuple[Label, State]]:
    """Every step from *s*: a sender, then waves of receivers (each instance at most once per
    step, guards and values reading *s*), as the guide's semantics say."""
    env = dict(zip(system.slots, s, strict=True))
    if system.constraint is not None and not ev(system.constraint, env, None, system):
        return []
    out: list[tuple[Label, State]] = []

    def writes(inst: str, t: Any) -> list[tuple[tuple[str, str], Any]]:
        return [(_slot_name(inst, var), ev(value, env, inst, system)) for var, value in t.updates]  # the pre-state

    def enabled(inst: Any, t: Any) -> bool:
        return bool(ev(t.guard, env, inst.name, system))

    for inst in system.instances:
        for t in inst.machine.transitions:
            if t.on is not None or not enabled(inst, t):
                continue
            # a partial step: (who took part, receivers so far, writes so far, events of the last wave)
            todo = [({inst.name}, (), writes(inst.name, t), {t.emit} - {None})]
            while todo:
                part, recv, done, events = todo.pop(0)
                options = []
                for other in system.instances:
                    if other.name in part:
                        continue
                    ready = [r for r in other.machine.transitions if r.on in events and enabled(other, r)]
                    if ready:  # an instance with an enabled receiver must take part
                        options.append([(other.name, r) for r in ready])
                if not options:
                    new = dict(env)
                    seen: set[tuple[str, str]] = set()
                    for k, value in done:
                        if k in seen:
                            raise StepError(f"two writes of {k} in one step")
                        seen.add(k)
                        new[k] = value
                    t_state = tuple(new[k] for k in system.slots)
                    for (i, v), value in zip(system.slots, t_state, strict=True):
                        var = system.shared_variable(v) if i == "shared" else system.instance(i).machine.variable(v)
                        if not var.domain.contains(value):  # type: ignore[union-attr]
                            raise StepError(f"{i}.{v} := {value!r} is outside its domain")
                    out.append(((inst.name, t.name, recv), t_state))
                    continue
                for combo in itertools.product(*options):
                    step = recv + tuple((o, r.name) for o, r in combo)
                    more = [w for o, r in combo for w in writes(o, r)]
                    todo.append((part | {o for o, _ in combo}, step, done + more, {r.emit for _, r in combo} - {None}))
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
        diff = {k: (a, b) for k, a, b in zip(ref.system.slots, states[i], states[i + 1], strict=True) if a != b}
        assert changed == diff, f"step {i} reports changes {changed}, not {diff}"
        labels.append(label)
    return states, labels


def step_breaks(ref: Reference, p: OnStep, s: State, label: Label, t: State) -> bool:
    for inst, tr in fired(ref.system, label):
        if tr.tags & p.tags and not (ref.holds(p.before, s, inst) and ref.holds(p.after, t, inst)):
            return True
    return False


def is_deadlock(ref: Reference, s: State) -> bool:
    if ref.successors[s] or not ref.expanded(s):  # a state outside the constraint is only not expanded
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
    obligation enabled in all of S, and every strong one enabled somewhere in S, is taken inside S
    (by a step that changes the state: TLA+'s WF_vars/SF_vars, issue 9). Finite executions may
    stop where no fair obligation is enabled. Returns None when an SCC is too big to enumerate
    its subsets."""
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
                taken = ref.taken((u, lab, v) for u, v, d in sub.edges(data=True) for lab in d["labels"])
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
    taken = ref.taken((states[m], labels[m], states[m + 1]) for m in range(loop, len(labels)))
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
    assert_report_matches(reference(system), check(system))


def assert_report_matches(ref: Reference, report: Any) -> None:
    """Every verdict of *report* is the interpreter's, and every counterexample or witness a real
    shortest execution (issue 9: shared with the second edition's tests)."""
    system = ref.system
    dist = ref.distances()
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

"""Extraction: machines, systems, explored state graphs and traces to neutral diagrams.

Every function here is pure: it reads checker definitions and results and returns the frozen
:class:`~diagrams.graph.Graph` or :class:`~diagrams.graph.Sequence` that the renderers draw.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..checker import Budget, Const, Enum, Expr, Machine, Op, Outcome, Step, System, Trace, Transition, Verdict, explore
from ..checker.expr import Value, refs_of
from ..checker.result import StateValues, show_value
from ._labels import (
    WIDTH,
    as_self,
    branches,
    compact,
    conjuncts,
    is_false,
    possible_values,
    shortener,
    specialise,
    text,
    wrap_guard,
    wrap_items,
    wrap_list,
)
from .graph import ANY, Cluster, Edge, Graph, Lifeline, Mark, Message, Node, Sequence

__all__ = [
    "from_machine",
    "from_system",
    "from_exploration",
    "from_trace",
    "highlight",
    "touched_instances",
    "transition_names",
    "MAX_GRAPH_STATES",
]

#: the state-graph view draws at most this many states (dot slows down sharply beyond)
MAX_GRAPH_STATES = 60


def _control_values(m: Machine) -> tuple[Value, ...]:
    if m.control is None:
        return ()
    var = m.variable(m.control)
    assert var is not None and isinstance(var.domain, Enum)
    return var.domain.values


def _state_id(v: Value, prefix: str = "") -> str:
    return f"{prefix}{v}"


# --------------------------------------------------------------------------- machine


@dataclass(frozen=True, slots=True)
class _Raw:
    """One transition drawn between two control states, before bundling."""

    source: str
    target: str
    name: str
    tags: tuple[str, ...]
    event: str | None
    guard: tuple[str, ...]  # conjuncts
    actions: tuple[str, ...]  # "x := e" items and "emit e"


def _transition_edges(
    m: Machine, t: Transition, *, selves: Iterable[str | None], prefix: str = "", brief: bool = False
) -> list[_Raw]:
    """The arrows that draw *t*: one per (source state, target state, residual guard)."""
    tags = tuple(sorted(t.tags)) + ((f"{t.fair} fair",) if t.fair else ())
    selves = tuple(selves)
    states = _control_values(m)
    ctrl = m.control
    if ctrl is None:
        only = _state_id(m.name, prefix)
        plan: list[tuple[str, str, Expr, dict[str, Expr]]] = [(only, only, t.guard, dict(t.updates))]
    else:
        plan = []
        for v in states:
            g = specialise(t.guard, ctrl, v, selves=selves)
            if is_false(g):
                continue
            ups = {name: specialise(e, ctrl, v, selves=selves) for name, e in t.updates}
            if ctrl not in ups:
                plan.append((_state_id(v, prefix), _state_id(v, prefix), g, ups))
                continue
            for cond, tgt in branches(ups[ctrl], states):
                if tgt is None:  # an update the diagram cannot predict: an edge to every state
                    for w in possible_values(ups[ctrl], states):
                        plan.append((_state_id(v, prefix), _state_id(w, prefix), g, ups))
                    continue
                # one edge per branch of an ite(): the branch condition joins the guard
                guard = g if cond is None else specialise(Op("and", (g, cond)), ctrl, v, selves=selves)
                if is_false(guard):
                    continue
                mine = {**ups, ctrl: Const(tgt)}
                plan.append((_state_id(v, prefix), _state_id(tgt, prefix), guard, mine))
    # a transition that leaves every state the same way is drawn once, from "any state"
    if ctrl is not None and len(states) > 2:
        ids = [_state_id(v, prefix) for v in states]
        texts = {(text(g), tuple((n, text(e)) for n, e in ups.items())) for _, _, g, ups in plan}
        stays = all(s == d for s, d, _, _ in plan)
        sources_all = sorted({s for s, _, _, _ in plan}) == sorted(ids) and len(plan) == len(ids)
        dests = {d for _, d, _, _ in plan}
        if sources_all and len(texts) == 1 and (stays or len(dests) == 1):
            _, d, g, ups = plan[0]
            plan = [(prefix + ANY, prefix + ANY if stays else d, g, ups)]
    out = []
    for src, dst, g, ups in plan:
        actions: list[str] = []
        if not brief:
            actions = [f"{n} := {text(as_self(e, selves))}" for n, e in ups.items() if n != ctrl or not _is_const(e)]
            if t.emit:
                actions.append(f"emit {t.emit}")
        out.append(_Raw(src, dst, t.name, () if brief else tags, t.on,
                        () if brief else tuple(conjuncts(as_self(g, selves))), tuple(actions)))
    return out


def _bundle(raws: list[_Raw], shorten: Callable[[str], str] = lambda s: s) -> list[Edge]:
    """One edge per (source, target): parallel transitions become one arrow with one label
    (issue 16). Its ``name`` lists every transition (``transition_names``); what it shows is
    compacted: names, events, guards and actions that differ only in a word or a number are
    written once with the differences in braces (``on_close_{1000,1001}[ws{1,2}]``), a guard
    conjunct every transition has is written once, and the owner prefix every label repeats is
    dropped (``shorten``)."""
    groups: dict[tuple[str, str], list[_Raw]] = {}
    for r in raws:
        groups.setdefault((r.source, r.target), []).append(r)
    out = []
    for (src, dst), group in groups.items():
        names = list(dict.fromkeys(r.name for r in group))
        tags = group[0].tags
        if all(r.tags == tags for r in group):
            shown = compact(shorten(n) for n in names)
        else:  # tags that only some have follow their names
            tags = ()
            shown = compact(shorten(r.name) + (" «" + " ".join(r.tags) + "»" if r.tags else "") for r in group)
        events = compact(shorten(r.event) for r in group if r.event)
        common = [c for c in group[0].guard if all(c in r.guard for r in group[1:])]
        rest = [" & ".join(c for c in r.guard if c not in common) for r in group]
        guard = [shorten(c) for c in common]
        if any(rest):
            alternatives = compact(shorten(x) for x in rest if x)
            # one compacted condition reads well (cur == {0,1}); several are left out: the label
            # would grow as long as the transitions it bundles (statebound list has them all)
            guard.append(alternatives[0] if len(alternatives) == 1 and all(rest) else "…")
        actions = compact(shorten(a) for r in group for a in r.actions)
        out.append(Edge(
            source=src, target=dst, name=", ".join(names),
            label=tuple(wrap_list(shown, WIDTH)) if shown != names else (),
            tags=tags, event=", ".join(events) if events else None,
            guard=wrap_guard(guard), actions=wrap_items(actions),
        ))
    return out


def transition_names(edge: Edge) -> tuple[str, ...]:
    """The transitions an edge draws (several when parallel edges were bundled)."""
    return tuple(edge.name.split(", ")) if edge.name else ()


def _is_const(e: Expr) -> bool:
    return isinstance(e, Const)


def _machine_nodes(m: Machine, *, prefix: str = "", cluster: str | None = None,
                   edges: list[Edge]) -> list[Node]:
    if m.control is None:
        return [Node(id=_state_id(m.name, prefix), label=m.name, cluster=cluster)]
    var = m.variable(m.control)
    assert var is not None
    initial = set(var.initial_values)
    nodes = [
        Node(
            id=_state_id(v, prefix),
            label=str(v),
            marks=frozenset({Mark.INITIAL}) if v in initial else frozenset(),
            cluster=cluster,
        )
        for v in _control_values(m)
    ]
    if any(e.source == prefix + ANY for e in edges):
        nodes.append(Node(id=prefix + ANY, label="any state", marks=frozenset({Mark.ANY}), cluster=cluster))
    return nodes


def from_machine(machine: Machine, *, instances: tuple[str, ...] = ()) -> Graph:
    """The control-state diagram of *machine*.

    Nodes are the values of its control variable (one node when it has none), initial states
    marked; each transition is an edge from every control state it can leave, labelled
    ``name «tags» [guard] / updates``. A transition that behaves the same in every state is
    drawn once from an *any state* node.

    Parameters
    ----------
    machine : Machine
        What to draw.
    instances : tuple of str
        Names of the instances of *machine* (shown in the title; references to them count as
        *self* when guards are specialised).

    Examples
    --------
    >>> from statebound import Enum, Machine, Transition, Var
    >>> s = Var("state", Enum("Off", "On"))
    >>> g = from_machine(Machine(name="lamp", variables=(s,), transitions=(
    ...     Transition("on", guard=s == "Off", updates={s: "On"}),)))
    >>> [(e.source, e.target, e.name) for e in g.edges]
    [('Off', 'On', 'on')]
    """
    raws: list[_Raw] = []
    for t in machine.transitions:
        raws += _transition_edges(machine, t, selves=instances)
    edges = _bundle(raws, shortener(instances))
    nodes = _machine_nodes(machine, edges=edges)
    others = [v.name for v in machine.variables if v.name != machine.control]
    notes = []
    drawn = {n for e in edges for n in transition_names(e)}
    dead = [t.name for t in machine.transitions if t.name not in drawn]
    if dead:  # a guard false in every control state is a modelling mistake worth showing
        notes.append("never enabled (guard false in every state): " + ", ".join(dead))
    if others:
        notes.append("variables: " + ", ".join(
            f"{v.name}{' (hidden)' if v.hidden else ''}" for v in machine.variables if v.name != machine.control))
    title = f"machine {machine.name}"
    if instances:
        title += " (" + ", ".join(instances) + ")"
    return Graph(
        name=machine.name,
        title=title,
        nodes=tuple(nodes),
        edges=tuple(edges),
        direction="LR",
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- system


def _owners(names: list[str]) -> dict[str, str | None]:
    """The cluster each instance's cluster is drawn in: its owner by dotted name
    (``ChatProvider.client.ws1`` is owned by ``ChatProvider.client``); a dotted prefix that is no
    instance but owns two or more becomes a group of its own (``group:ChatProvider``)."""
    known = set(names)
    parent: dict[str, str | None] = {}
    for n in names:
        parts = n.split(".")
        owner: str | None = None
        for k in range(len(parts) - 1, 0, -1):
            p = ".".join(parts[:k])
            if p in known:
                owner = p
                break
            if len({m[len(p) + 1:].split(".")[0] for m in names if m.startswith(p + ".")}) >= 2:
                owner = "group:" + p  # owns two or more things: a frame of its own
                break
        parent[n] = owner
    for group in sorted({g for g in parent.values() if g is not None and g.startswith("group:")}):
        p = group.removeprefix("group:")
        above = _owners([q for q in names if not q.startswith(p + ".")] + [p]).get(p)
        parent[group] = above
    return parent


def from_system(system: System, *, trace: Trace | None = None, outcome: Outcome | None = None) -> Graph:
    """The system overview: one cluster per instance holding its control states (parallel
    transitions bundled into one labelled arrow), drawn inside the cluster of its owner
    (``component`` > ``component.client`` > ``component.client.ws1``, by dotted instance names),
    broadcasts as dashed edges from emitter to receiver, and dotted edges to an instance from every
    instance whose variables it reads. With *trace*, the steps it takes are numbered on the
    arrows and the states it passes through are marked, as in :func:`highlight`.

    Cross-instance edges meet at a small *events* note inside each cluster that lists what the
    instance emits, receives and reads, so they never cut through the state diagrams.
    """
    nodes: list[Node] = []
    edges: list[Edge] = []
    clusters: list[Cluster] = []
    emits: dict[str, dict[str, list[str]]] = {}
    receives: dict[str, dict[str, list[str]]] = {}
    reads: dict[str, dict[str, set[str]]] = {}
    for inst in system.instances:
        for t in inst.machine.transitions:
            if t.emit:
                emits.setdefault(inst.name, {}).setdefault(t.emit, []).append(t.name)
            if t.on:
                receives.setdefault(inst.name, {}).setdefault(t.on, []).append(t.name)
            for e in t.expressions():
                for r in refs_of(e):
                    if r.instance is not None and r.instance != inst.name:
                        reads.setdefault(inst.name, {}).setdefault(r.instance, set()).add(r.name)
    owners = _owners([i.name for i in system.instances])
    for group, above in owners.items():
        if group.startswith("group:"):
            clusters.append(Cluster(id=group, label=group.removeprefix("group:"), parent=above))
    for inst in system.instances:
        m = inst.machine
        prefix = inst.name + "::"
        own = shortener([inst.name])
        raws: list[_Raw] = []
        for t in m.transitions:
            raws += _transition_edges(m, t, selves=(inst.name,), prefix=prefix, brief=True)
        mine = _bundle(raws, own)
        mine_nodes = _machine_nodes(m, prefix=prefix, cluster=inst.name, edges=mine)
        if trace is not None and any(inst.name == i for i in touched_instances(trace)):
            mine_nodes, mine = _mark_trace(system, inst.name, trace, mine_nodes, mine, prefix=prefix)
        nodes += mine_nodes
        edges += mine
        details = []
        if emits.get(inst.name):
            details += _wrapped("emits ", compact(own(ev) for ev in emits[inst.name]))
        if receives.get(inst.name):
            details += _wrapped("on ", compact(own(ev) for ev in receives[inst.name]))
        details += _wrapped("reads ", [f"{own(o)}.{{{','.join(sorted(vs))}}}" if len(vs) > 1 else f"{own(o)}.{next(iter(vs))}"
                                       for o, vs in sorted(reads.get(inst.name, {}).items())])
        if details:
            nodes.append(Node(id=_hub(inst.name), label="events", details=tuple(details),
                              marks=frozenset({Mark.NOTE}), cluster=inst.name))
        kind = "implementation" if m.implementation else "environment"
        clusters.append(Cluster(id=inst.name, label=f"{inst.name} : {m.name} ({kind})", parent=owners.get(inst.name)))
    for sender in system.instances:  # one dashed arrow per (emitter, receiver), naming every event
        own = shortener([sender.name])
        for receiver in system.instances:
            events = [ev for ev in emits.get(sender.name, {})
                      if receiver.name != sender.name and ev in receives.get(receiver.name, {})]
            if events:
                shown = compact(own(ev) for ev in events)
                edges.append(Edge(source=_hub(sender.name), target=_hub(receiver.name), name=", ".join(events),
                                  label=tuple(wrap_list(shown, WIDTH)), marks=frozenset({Mark.BROADCAST})))
    for reader in system.instances:
        for owner, names in sorted(reads.get(reader.name, {}).items()):
            if owner in {i.name for i in system.instances}:
                edges.append(Edge(source=_hub(owner), target=_hub(reader.name),
                                  name="reads " + ", ".join(sorted(names)), marks=frozenset({Mark.READS})))
    notes = ["dashed: broadcast event, emitter → receiver; dotted: an instance reads another's variables"]
    title = f"system {system.name}" + _params(system)
    if trace is not None:
        verdict = _verdict(outcome)
        title += f" — {verdict}" if verdict else ""
        notes.insert(0, f"the trace's {len(trace.steps)} steps are numbered on the arrows they take")
    return Graph(
        name=system.name,
        title=title,
        nodes=tuple(nodes),
        edges=tuple(edges),
        clusters=tuple(clusters),
        direction="LR",
        notes=tuple(notes),
    )


def _wrapped(head: str, items: list[str]) -> list[str]:
    """``head a, b, c`` wrapped, later lines indented under the first item."""
    if not items:
        return []
    lines = wrap_list(items, WIDTH)
    return [head + lines[0]] + ["   " + ln for ln in lines[1:]]


def _hub(instance: str) -> str:
    return instance + "::events"


def _params(system: System) -> str:
    if not system.params:
        return ""
    return " (" + ", ".join(f"{k}={v}" for k, v in system.params) + ")"


# --------------------------------------------------------------------------- state graph


def _state_lines(system: System, values: StateValues) -> tuple[str, ...]:
    """One line per instance: its control state, then its other variables (booleans by name when true)."""
    by_instance: dict[str, list[tuple[str, Any]]] = {}
    for (iname, vname), val in values:
        by_instance.setdefault(iname, []).append((vname, val))
    lines = []
    for inst in system.instances:
        control = inst.machine.control
        parts = []
        head = ""
        for vname, val in by_instance.get(inst.name, []):
            if vname == control:
                head = show_value(val)
            elif isinstance(val, bool):
                if val:
                    parts.append(vname)
            else:
                parts.append(f"{vname}={show_value(val)}")
        line = f"{inst.name}: {head}" if head else f"{inst.name}:"
        if parts:
            line += " " + ("(" + ", ".join(parts) + ")" if head else ", ".join(parts))
        lines.append(line)
    return tuple(lines)


def _control_key(system: System, values: StateValues) -> tuple[str, ...]:
    """The control state of every instance that has one: what a state-graph cluster groups by."""
    controls = {(i.name, i.machine.control) for i in system.instances if i.machine.control}
    return tuple(f"{i}: {show_value(x)}" for (i, v), x in values if (i, v) in controls)


def from_exploration(system: System, *, max_states: int = MAX_GRAPH_STATES, timeout: float = 10.0,
                     trace: Trace | None = None, outcome: Outcome | None = None) -> Graph:
    """The reachable state graph of *system*, drawn only when small.

    Explores at most ``max_states + 1`` states (and for at most *timeout* seconds); when there
    are more, draws the first *max_states* in BFS order and says so in a note node, so a large
    configuration never hangs the diagram. States that share the control state of every instance
    (and differ only in other variables) are drawn in one cluster. With *trace*, its states are
    drawn too (also beyond the cap), the path it takes is numbered and marked like a
    counterexample on a machine, and its last state is marked final.
    """
    budget = Budget(max_states=max_states + 1, timeout=timeout) if trace is None else Budget(timeout=timeout)
    ex = explore(system, keep_edges=True, budget=budget)
    path: list[int] = []
    if trace is not None:
        index = {ex.values(sid): sid for sid in range(len(ex))}
        path = [index[st] for st in trace.states if st in index]
        if len(path) != len(trace.states):
            path = []  # the exploration stopped before reaching the whole trace: draw it unmarked
    shown_ids = list(range(min(len(ex), max_states)))
    shown_ids += [sid for sid in dict.fromkeys(path) if sid >= max_states]
    shown = set(shown_ids)
    truncated = len(ex) > max_states or not ex.complete
    steps_on: dict[tuple[int, int], list[int]] = {}
    loop_pairs: set[tuple[int, int]] = set()
    for k in range(len(path) - 1):
        steps_on.setdefault((path[k], path[k + 1]), []).append(k + 1)
        if trace is not None and trace.loop is not None and k >= trace.loop:
            loop_pairs.add((path[k], path[k + 1]))
    on_path, final = set(path), (path[-1] if path else None)
    keys = {sid: _control_key(system, ex.values(sid)) for sid in shown_ids}
    counts: dict[tuple[str, ...], int] = {}
    for key in keys.values():
        counts[key] = counts.get(key, 0) + 1
    cluster_ids: dict[tuple[str, ...], str] = {}
    clusters: list[Cluster] = []
    for key, n in counts.items():
        if n >= 2 and key:
            cluster_ids[key] = f"ctrl{len(cluster_ids)}"
            clusters.append(Cluster(id=cluster_ids[key], label=", ".join(key)))
    nodes: list[Node] = []
    edges: list[Edge] = []
    for sid in shown_ids:
        marks: set[Mark] = set()
        if ex.is_initial(sid):
            marks.add(Mark.INITIAL)
        successors = ex.successors(sid)
        if not successors and not truncated:
            marks.add(Mark.DEADLOCK)
        if sid in on_path:
            marks.add(Mark.VISITED)
        if sid == final:
            marks.add(Mark.FINAL)
        if trace is not None and trace.loop is not None and sid in path[trace.loop:]:
            marks.add(Mark.LOOP)
        nodes.append(Node(id=f"s{sid}", label=f"s{sid}", details=_state_lines(system, ex.values(sid)),
                          marks=frozenset(marks), cluster=cluster_ids.get(keys[sid])))
        for step, tid in successors:
            if tid not in shown:
                continue
            acts = tuple(f"→ {i}.{t}" for i, t in step.receivers)
            taken = steps_on.pop((sid, tid), [])  # several steps between two states: number them once
            edge_marks = frozenset({Mark.STEP} | ({Mark.LOOP} if (sid, tid) in loop_pairs else set())) if taken else frozenset()
            edges.append(Edge(source=f"s{sid}", target=f"s{tid}", name=step.label, actions=acts,
                              steps=tuple(taken), marks=edge_marks))
    notes: list[str] = []
    if trace is not None:
        verdict = _verdict(outcome)
        notes.append((verdict + ": " if verdict else "") + f"the trace's {len(trace.steps)} steps are numbered"
                     + ("" if path else " (not drawn: the exploration stopped before reaching it)"))
    if truncated:
        more = "more than" if not ex.complete or len(ex) > max_states else ""
        summary = (f"state graph too large to draw: {more} {max_states} reachable states; "
                   f"showing the first {min(len(ex), max_states)} in breadth-first order").replace("  ", " ")
        if len(shown_ids) > max_states:
            summary += f" and the {len(shown_ids) - max_states} more the trace passes"
        notes.append(summary)
        nodes.append(Node(id="truncated", label="…", details=(
            f"more than {max_states} states:", "the rest is not drawn;", "try smaller parameters"),
            marks=frozenset({Mark.NOTE})))
    else:
        notes.append(f"{len(shown_ids)} reachable states, {len(edges)} steps")
    return Graph(
        name=f"{system.name}-graph",
        title=f"state graph of {system.name}" + _params(system),
        nodes=tuple(nodes),
        edges=tuple(edges),
        clusters=tuple(clusters),
        direction="TB",
        notes=tuple(notes),
    )


# --------------------------------------------------------------------------- traces


def touched_instances(trace: Trace) -> tuple[str, ...]:
    """Instances that fire or receive in some step of *trace*, in order of first appearance."""
    seen: dict[str, None] = {}
    for st in trace.steps:
        seen.setdefault(st.instance, None)
        for i, _ in st.receivers:
            seen.setdefault(i, None)
    return tuple(seen)


def _value(state: tuple[tuple[tuple[str, str], Any], ...], inst: str, var: str) -> Any:
    for (i, v), x in state:
        if i == inst and v == var:
            return x
    raise KeyError((inst, var))


def _verdict(outcome: Outcome | None) -> str:
    if outcome is None:
        return ""
    kind = "counterexample to" if outcome.verdict is Verdict.VIOLATED else "trace of"
    return f"{kind} {outcome.property}"


def from_trace(system: System, trace: Trace, *, outcome: Outcome | None = None) -> Sequence:
    """A trace as a sequence diagram: one lifeline per instance, each step a message from its
    instance to itself carrying what changed, each broadcast a message from the sender to every
    receiver."""
    lifelines = []
    for inst in system.instances:
        ctrl = inst.machine.control
        start = show_value(_value(trace.states[0], inst.name, ctrl)) if ctrl else ""
        end = show_value(_value(trace.states[-1], inst.name, ctrl)) if ctrl else ""
        lifelines.append(Lifeline(id=inst.name, label=inst.name, machine=inst.machine.name, start=start, end=end))
    messages: list[Message] = []
    for k, st in enumerate(trace.steps):
        number = k + 1
        marks = frozenset({Mark.STEP} | ({Mark.LOOP} if trace.loop is not None and k >= trace.loop else set()))

        def changes(inst: str, st: Step = st) -> tuple[str, ...]:
            out = []
            for ch in st.changes:
                if ch.instance != inst:
                    continue
                if ch.control:
                    out.append(f"{show_value(ch.before)} → {show_value(ch.after)}")
                else:
                    out.append(f"{ch.variable}: {show_value(ch.before)} → {show_value(ch.after)}")
            return tuple(out)

        messages.append(Message(step=number, source=st.instance, target=st.instance, name=st.transition,
                                event=st.event, changes=changes(st.instance), marks=marks))
        for receiver, tname in st.receivers:
            messages.append(Message(step=number, source=st.instance, target=receiver, name=tname,
                                    event=st.event, changes=changes(receiver), marks=marks | {Mark.BROADCAST}))
    verdict = _verdict(outcome)
    title = f"{system.name}: " + (verdict if verdict else f"trace of {len(trace.steps)} steps")
    return Sequence(
        name=f"{system.name}-sequence",
        title=title,
        lifelines=tuple(lifelines),
        messages=tuple(messages),
        steps=len(trace.steps),
        loop=trace.loop,
        verdict=(outcome.message.splitlines()[0] if outcome is not None and outcome.message else verdict),
    )


def _mark_trace(system: System, instance: str, trace: Trace, nodes: list[Node], edges: list[Edge], *,
                prefix: str = "") -> tuple[list[Node], list[Edge]]:
    """*nodes* and *edges* of *instance*'s machine (ids starting with *prefix*) with *trace* drawn
    on them: edges it takes carry the numbers of their steps, states it passes are marked visited,
    the state where it ends final, and a lasso's cycle as the loop."""
    inst = system.instance(instance)
    m = inst.machine
    ctrl = m.control

    def state_of(k: int) -> str:
        return prefix + (show_value(_value(trace.states[k], instance, ctrl)) if ctrl else m.name)

    taken: dict[int, list[int]] = {}
    loop_edges: set[int] = set()
    edges = list(edges)
    for k, st in enumerate(trace.steps):
        fired = [st.transition] if st.instance == instance else [t for i, t in st.receivers if i == instance]
        if not fired:
            continue
        before, after = state_of(k), state_of(k + 1)
        match = _match_edge(edges, fired[0], before, after, any_id=prefix + ANY)
        if match is None:  # an update to a value the diagram could not predict: draw it
            t = m.transition(fired[0])
            tags = tuple(sorted(t.tags)) if t and not prefix else ()
            edges.append(Edge(source=before, target=after, name=fired[0], tags=tags))
            match = len(edges) - 1
        taken.setdefault(match, []).append(k + 1)
        if trace.loop is not None and k >= trace.loop:
            loop_edges.add(match)
    for idx, steps in taken.items():
        marks = {Mark.STEP} | ({Mark.LOOP} if idx in loop_edges else set())
        edges[idx] = replace(edges[idx], steps=tuple(steps), marks=edges[idx].marks | frozenset(marks))
    visited = {state_of(k) for k in range(len(trace.states))}
    in_loop = ({state_of(k) for k in range(trace.loop, len(trace.states))}
               if trace.loop is not None else set())
    final = state_of(len(trace.states) - 1)
    out = []
    for n in nodes:
        node_marks: set[Mark] = set()
        if n.id in visited:
            node_marks.add(Mark.VISITED)
        if n.id in in_loop:
            node_marks.add(Mark.LOOP)
        if n.id == final:
            node_marks.add(Mark.FINAL)
        out.append(n.with_marks(*node_marks))
    return out, edges


def highlight(system: System, instance: str, trace: Trace, *, outcome: Outcome | None = None) -> Graph:
    """The machine diagram of *instance* with the counterexample drawn on it.

    Edges that the trace takes are marked and carry the numbers of their steps; the states it
    passes through are marked visited, the state where it ends is marked final, and for a lasso
    the steps and states of the repeating cycle are marked as the loop.
    """
    inst = system.instance(instance)
    m = inst.machine
    ctrl = m.control
    base = from_machine(m, instances=(instance,))
    nodes, edges = _mark_trace(system, instance, trace, list(base.nodes), list(base.edges))
    final = show_value(_value(trace.states[-1], instance, ctrl)) if ctrl else m.name
    mine = sum(len(e.steps) for e in edges)
    verdict = _verdict(outcome)
    title = f"{instance} : {m.name}" + (f" — {verdict}" if verdict else "")
    notes = [f"{instance} takes {mine} of the {len(trace.steps)} steps (numbered); it ends in {final}"]
    if trace.loop is not None:
        if trace.loop == len(trace.steps):
            notes.append(f"lasso: the last state repeats forever (nothing fair is enabled in {final})")
        else:
            notes.append(f"lasso: steps {trace.loop + 1}–{len(trace.steps)} repeat forever (orange)")
    notes += list(base.notes)
    return replace(base, name=f"{instance}", title=title, nodes=tuple(nodes), edges=tuple(edges), notes=tuple(notes))


def _match_edge(edges: list[Edge], name: str, before: str, after: str, *, any_id: str = ANY) -> int | None:
    for i, e in enumerate(edges):
        if name not in transition_names(e):
            continue
        if e.source == before and e.target == after:
            return i
    for i, e in enumerate(edges):
        if name in transition_names(e) and e.source == any_id and (
                e.target == after or (e.target == any_id and before == after)):
            return i
    return None

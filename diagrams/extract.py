"""Extraction: machines, systems, explored state graphs and traces to neutral diagrams.

Every function here is pure: it reads checker definitions and results and returns the frozen
:class:`~diagrams.graph.Graph` or :class:`~diagrams.graph.Sequence` that the renderers draw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from ..checker import Budget, Const, Enum, Expr, Machine, Op, Outcome, Step, System, Trace, Transition, Verdict, explore
from ..checker.expr import Value, refs_of
from ..checker.result import StateValues, show_value
from ._labels import branches, is_false, possible_values, specialise, text, wrap_conjuncts, wrap_items
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


def _transition_edges(
    m: Machine, t: Transition, *, selves: Iterable[str | None], prefix: str = "", brief: bool = False
) -> list[Edge]:
    """The edges that draw *t*: one per (source state, target state, residual guard)."""
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
    edges = []
    for src, dst, g, ups in plan:
        actions: list[str] = []
        if not brief:
            items = [f"{n} := {text(e)}" for n, e in ups.items() if n != ctrl or (
                not _is_const(e))]
            actions = list(wrap_items(items))
            if t.emit:
                actions.append(f"emit {t.emit}")
        edges.append(Edge(
            source=src,
            target=dst,
            name=t.name,
            tags=tags if not brief else (),
            event=t.on,
            guard=() if brief else wrap_conjuncts(g),
            actions=tuple(actions),
        ))
    return edges


def _bundle(edges: list[Edge]) -> list[Edge]:
    """Parallel edges that differ only in their transition (and event) become one edge naming
    them all (``on_close_1000, on_close_1001``): a client's close codes read as one arrow."""
    groups: dict[tuple[object, ...], list[Edge]] = {}
    for e in edges:
        key = (e.source, e.target, e.tags, e.guard, e.actions, e.event is None)
        groups.setdefault(key, []).append(e)
    out = []
    for group in groups.values():
        first = group[0]
        if len(group) == 1:
            out.append(first)
            continue
        events = [e.event for e in group if e.event]
        out.append(replace(first, name=", ".join(e.name for e in group),
                           event=", ".join(dict.fromkeys(events)) if events else None))
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
    edges: list[Edge] = []
    for t in machine.transitions:
        edges += _transition_edges(machine, t, selves=instances)
    edges = _bundle(edges)
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


def from_system(system: System) -> Graph:
    """The system overview: one cluster per instance holding its control states (transitions
    labelled by name), broadcasts as dashed edges from emitter to receiver, and dotted edges to
    an instance from every instance whose variables it reads.

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
    for inst in system.instances:
        m = inst.machine
        prefix = inst.name + "::"
        mine: list[Edge] = []
        for t in m.transitions:
            mine += _transition_edges(m, t, selves=(inst.name,), prefix=prefix, brief=True)
        # bundle parallel transitions: one arrow per (source, target) with every name on it
        bundled: dict[tuple[str, str], list[str]] = {}
        for edge in mine:
            bundled.setdefault((edge.source, edge.target), []).append(edge.name)
        mine = [Edge(source=s, target=d, name=", ".join(names)) for (s, d), names in bundled.items()]
        nodes += _machine_nodes(m, prefix=prefix, cluster=inst.name, edges=mine)
        edges += mine
        details = [f"emits {ev} ({', '.join(ts)})" for ev, ts in emits.get(inst.name, {}).items()]
        details += [f"on {ev}: {', '.join(ts)}" for ev, ts in receives.get(inst.name, {}).items()]
        details += [f"reads {owner}.{', '.join(sorted(vs))}" for owner, vs in sorted(reads.get(inst.name, {}).items())]
        if details:
            nodes.append(Node(id=_hub(inst.name), label="events", details=tuple(details),
                              marks=frozenset({Mark.NOTE}), cluster=inst.name))
        kind = "implementation" if m.implementation else "environment"
        clusters.append(Cluster(id=inst.name, label=f"{inst.name} : {m.name} ({kind})"))
    for sender in system.instances:  # one dashed arrow per (emitter, receiver), naming every event
        for receiver in system.instances:
            events = [ev for ev in emits.get(sender.name, {})
                      if receiver.name != sender.name and ev in receives.get(receiver.name, {})]
            if events:
                edges.append(Edge(source=_hub(sender.name), target=_hub(receiver.name), name=", ".join(events),
                                  marks=frozenset({Mark.BROADCAST})))
    for reader in system.instances:
        for owner, names in sorted(reads.get(reader.name, {}).items()):
            if owner in {i.name for i in system.instances}:
                edges.append(Edge(source=_hub(owner), target=_hub(reader.name),
                                  name="reads " + ", ".join(sorted(names)), marks=frozenset({Mark.READS})))
    return Graph(
        name=system.name,
        title=f"system {system.name}" + _params(system),
        nodes=tuple(nodes),
        edges=tuple(edges),
        clusters=tuple(clusters),
        direction="LR",
        notes=("dashed: broadcast event, emitter → receiver; dotted: an instance reads another's variables",),
    )


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


def from_exploration(system: System, *, max_states: int = MAX_GRAPH_STATES, timeout: float = 10.0) -> Graph:
    """The reachable state graph of *system*, drawn only when small.

    Explores at most ``max_states + 1`` states (and for at most *timeout* seconds); when there
    are more, draws the first *max_states* in BFS order and says so in a note node, so a large
    configuration never hangs the diagram.
    """
    ex = explore(system, keep_edges=True, budget=Budget(max_states=max_states + 1, timeout=timeout))
    shown = min(len(ex), max_states)
    truncated = len(ex) > max_states or not ex.complete
    nodes: list[Node] = []
    edges: list[Edge] = []
    for sid in range(shown):
        marks: set[Mark] = set()
        if ex.is_initial(sid):
            marks.add(Mark.INITIAL)
        successors = ex.successors(sid)
        if not successors and not truncated:
            marks.add(Mark.DEADLOCK)
        nodes.append(Node(id=f"s{sid}", label=f"s{sid}", details=_state_lines(system, ex.values(sid)),
                          marks=frozenset(marks)))
        for step, tid in successors:
            if tid >= shown:
                continue
            acts = tuple(f"→ {i}.{t}" for i, t in step.receivers)
            edges.append(Edge(source=f"s{sid}", target=f"s{tid}", name=step.label, actions=acts))
    notes: list[str] = []
    if truncated:
        more = "more than" if not ex.complete or len(ex) > max_states else ""
        summary = (f"state graph too large to draw: {more} {max_states} reachable states; "
                   f"showing the first {shown} in breadth-first order").replace("  ", " ")
        notes.append(summary)
        nodes.append(Node(id="truncated", label="…", details=(
            f"more than {max_states} states:", "the rest is not drawn;", "try smaller parameters"),
            marks=frozenset({Mark.NOTE})))
    else:
        notes.append(f"{shown} reachable states, {len(edges)} steps")
    return Graph(
        name=f"{system.name}-graph",
        title=f"state graph of {system.name}" + _params(system),
        nodes=tuple(nodes),
        edges=tuple(edges),
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

    def state_of(k: int) -> str:
        return show_value(_value(trace.states[k], instance, ctrl)) if ctrl else m.name

    taken: dict[int, list[int]] = {}
    loop_edges: set[int] = set()
    edges = list(base.edges)
    for k, st in enumerate(trace.steps):
        fired = [st.transition] if st.instance == instance else [t for i, t in st.receivers if i == instance]
        if not fired:
            continue
        before, after = state_of(k), state_of(k + 1)
        match = _match_edge(edges, fired[0], before, after)
        if match is None:  # an update to a value the diagram could not predict: draw it
            t = m.transition(fired[0])
            edges.append(Edge(source=before, target=after, name=fired[0], tags=tuple(sorted(t.tags)) if t else ()))
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
    nodes = []
    for n in base.nodes:
        node_marks: set[Mark] = set()
        if n.id in visited:
            node_marks.add(Mark.VISITED)
        if n.id in in_loop:
            node_marks.add(Mark.LOOP)
        if n.id == final:
            node_marks.add(Mark.FINAL)
        nodes.append(n.with_marks(*node_marks))
    mine = sum(len(v) for v in taken.values())
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


def _match_edge(edges: list[Edge], name: str, before: str, after: str) -> int | None:
    for i, e in enumerate(edges):
        if name not in transition_names(e):
            continue
        if e.source == before and e.target == after:
            return i
    for i, e in enumerate(edges):
        if name in transition_names(e) and e.source == ANY and (e.target == after or (e.target == ANY and before == after)):
            return i
    return None


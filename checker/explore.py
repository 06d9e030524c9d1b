"""The reference explicit-state engine: breadth-first exploration with shortest counterexamples.

``holds`` here means that every reachable state and every step of the model was examined (for
``leads-to``: every fair execution, by an SCC analysis of the whole state graph). When a budget
stops the search first, properties not yet violated are ``inconclusive`` with the coverage
reached, never ``holds``. This engine is the oracle the others are tested against, so it stays
simple; its speed comes from compiling every expression once (see :mod:`checker._compile`).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ._compile import Compiled, Label, OutOfDomain, State, compile_system
from .errors import InputError
from .expr import to_text
from .machine import System
from .property import Always, LeadsTo, NeverAfter, OnStep, Property, Sometimes, antecedent
from .result import Coverage, Outcome, Report, Trace, Verdict

__all__ = ["Budget", "Exploration", "explore", "check", "ENGINE", "DEADLOCK"]

ENGINE = "explicit"
DEADLOCK = "deadlock-free"

#: called now and then while exploring: (states, steps, depth, frontier)
Progress = Callable[[int, int, int, int], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """Limits of one check; reaching any of them makes the result ``inconclusive``."""

    max_states: int | None = None
    max_depth: int | None = None
    timeout: float | None = None  # seconds


class Exploration:
    """The explored state graph: states in BFS order, parents, depths, and (optionally) edges.

    Mutable while :func:`explore` builds it; read-only afterwards.
    """

    def __init__(self, compiled: Compiled) -> None:
        self.compiled = compiled
        self.states: list[State] = []
        self.index: dict[State, int] = {}
        self.parent: list[tuple[int, Label] | None] = []
        self.depth: list[int] = []
        self.edges: list[list[tuple[Label, int]]] | None = None
        self.complete = True
        self.stopped: str | None = None
        self.steps = 0
        self.seconds = 0.0
        self.fired: set[Label] = set()

    def path(self, sid: int) -> tuple[list[State], list[Label]]:
        """States and step labels of the BFS (shortest) path from an initial state to *sid*."""
        states = [self.states[sid]]
        labels: list[Label] = []
        link = self.parent[sid]
        while link is not None:
            pid, label = link
            states.append(self.states[pid])
            labels.append(label)
            link = self.parent[pid]
        states.reverse()
        labels.reverse()
        return states, labels

    def trace(self, sid: int) -> Trace:
        states, labels = self.path(sid)
        return self.compiled.trace(states, labels)

    def unfired(self) -> tuple[str, ...]:
        fired: set[tuple[str, str]] = set()
        for label in self.fired:
            for iname, t in self.compiled.label_transitions(label):
                fired.add((iname, t.name))
        return tuple(
            f"{inst.name}.{t.name}" for inst, t in self.compiled.system.transitions() if (inst.name, t.name) not in fired
        )

    def coverage(self) -> Coverage:
        return Coverage(
            states=len(self.states),
            steps=self.steps,
            depth=max(self.depth, default=0),
            seconds=self.seconds,
            complete=self.complete,
            stopped=self.stopped,
            unfired=self.unfired() if self.complete else (),
        )


@dataclass(slots=True)
class _Watch:
    """Hooks the BFS calls; mutable bookkeeping local to one check."""

    invariants: list[tuple[int, Callable[[State], bool]]] = field(default_factory=list)
    witnesses: list[tuple[int, Callable[[State], bool]]] = field(default_factory=list)
    found: dict[int, Any] = field(default_factory=dict)  # property index -> state id or (pid, label, state)
    step_checks: list[tuple[int, frozenset[str], dict[str, tuple[Callable[[State], bool], Callable[[State, State], bool]]]]] = field(default_factory=list)
    step_cache: dict[Label, list[tuple[int, Callable[[State], bool], Callable[[State, State], bool]]]] = field(default_factory=dict)
    tag_fired: set[int] = field(default_factory=set)
    deadlock: int | None = None
    terminal: Callable[[State], bool] | None = None
    check_deadlock: bool = False


def explore(
    system: System | Compiled,
    *,
    budget: Budget = Budget(),
    keep_edges: bool = False,
    progress: Progress | None = None,
    _watch: _Watch | None = None,
) -> Exploration:
    """Explore the reachable states of *system* breadth-first.

    Parameters
    ----------
    system : System
        What to explore (or an already compiled system).
    budget : Budget
        Stop early at this many states, this depth or after this many seconds; the result then
        has ``complete == False``.
    keep_edges : bool
        Keep every step (needed for liveness and state-graph diagrams).

    Returns
    -------
    Exploration
        States in BFS order with shortest-path parents.

    Examples
    --------
    >>> from statebound import Enum, Machine, Transition, Var, System, Instance
    >>> x = Var("state", Enum("a", "b"))
    >>> m = Machine(name="m", variables=(x,), transitions=(Transition("go", guard=x == "a", updates={x: "b"}),))
    >>> len(explore(System(name="s", instances=(Instance("m", m),), check_deadlock=False)).states)
    2
    """
    c = system if isinstance(system, Compiled) else compile_system(system)
    ex = Exploration(c)
    w = _watch
    started = time.perf_counter()
    succ_fn = c.successors
    states, index, parent, depth = ex.states, ex.index, ex.parent, ex.depth
    fired = ex.fired
    edges: list[list[tuple[Label, int]]] | None = [] if keep_edges else None
    ex.edges = edges
    max_states = budget.max_states
    max_depth = budget.max_depth
    deadline = started + budget.timeout if budget.timeout is not None else None

    def add(s: State, link: tuple[int, Label] | None, d: int) -> int:
        sid = len(states)
        states.append(s)
        index[s] = sid
        parent.append(link)
        depth.append(d)
        if edges is not None:
            edges.append([])
        if w is not None:
            for k, fn in w.invariants:
                if k not in w.found and not fn(s):
                    w.found[k] = sid
            for k, fn in w.witnesses:
                if k not in w.found and fn(s):
                    w.found[k] = sid
        return sid

    for s in c.initial_states():
        if s not in index:
            if max_states is not None and len(states) >= max_states:
                ex.complete, ex.stopped = False, f"state budget ({max_states}) reached"
                break
            add(s, None, 0)
    head = 0
    expanded = 0
    steps = 0
    while head < len(states) and ex.complete:
        sid = head
        head += 1
        s = states[sid]
        d = depth[sid]
        try:
            succ = succ_fn(s)
        except OutOfDomain:
            raise _domain_error(ex, sid) from None
        if not succ and w is not None and w.check_deadlock and w.deadlock is None:
            if w.terminal is None or not w.terminal(s):
                w.deadlock = sid
        if max_depth is not None and d >= max_depth:
            if succ:
                ex.complete, ex.stopped = False, f"depth bound ({max_depth}) reached"
            continue
        expanded += 1
        if expanded & 1023 == 0:
            if deadline is not None and time.perf_counter() > deadline:
                ex.complete, ex.stopped = False, f"timeout ({budget.timeout:g} s) reached"
                head -= 1
                break
            if progress is not None:
                progress(len(states), steps, d, len(states) - head)
        for label, t in succ:
            steps += 1
            fired.add(label)
            if w is not None and w.step_checks:
                checks = w.step_cache.get(label)
                if checks is None:
                    checks = _step_checks_for(c, w, label)
                for k, before, after in checks:
                    w.tag_fired.add(k)
                    if k not in w.found and not (before(s) and after(s, t)):
                        w.found[k] = (sid, label, t)
            tid = index.get(t)
            if tid is None:
                if max_states is not None and len(states) >= max_states:
                    ex.complete, ex.stopped = False, f"state budget ({max_states}) reached"
                    break
                tid = add(t, (sid, label), d + 1)
            if edges is not None:
                edges[sid].append((label, tid))
    ex.steps = steps
    ex.seconds = time.perf_counter() - started
    return ex


def _step_checks_for(c: Compiled, w: _Watch, label: Label) -> list[tuple[int, Callable[[State], bool], Callable[[State, State], bool]]]:
    out = []
    fired = c.label_transitions(label)
    for k, tags, fns in w.step_checks:
        for iname, t in fired:
            if t.tags & tags:
                before, after = fns[iname]
                out.append((k, before, after))
    w.step_cache[label] = out
    return out


def _domain_error(ex: Exploration, sid: int) -> Exception:
    c = ex.compiled
    s = ex.states[sid]
    states, labels = ex.path(sid)
    for label, result in c.find_step(s):
        if isinstance(result, OutOfDomain):
            return c.domain_error(result, c.trace(states, labels))
    raise AssertionError("an update left its domain but no single action reproduces it")


# --------------------------------------------------------------------------- check


def check(
    system: System,
    *,
    budget: Budget = Budget(),
    properties: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> Report:
    """Check *system*'s properties (and deadlock freedom) by exhaustive exploration.

    Parameters
    ----------
    system : System
        The system, with its properties.
    budget : Budget
        Limits; an exhausted budget gives ``inconclusive`` for what was not yet decided.
    properties : sequence of str, optional
        Names of the properties to check (``deadlock-free`` included); all by default.

    Returns
    -------
    Report
        One :class:`Outcome` per property, in declaration order, deadlock freedom last.
    """
    props = _select(system, properties)
    want_deadlock = system.check_deadlock and (properties is None or DEADLOCK in properties)
    c = compile_system(system)
    w = _Watch(check_deadlock=want_deadlock)
    if system.terminal is not None:
        w.terminal = c.expr_fn(system.terminal, None)
    vacuity: dict[int, Callable[[State], bool]] = {}
    for k, p in enumerate(props):
        if isinstance(p, Always):
            w.invariants.append((k, c.expr_fn(p.expr, None)))
            ante = antecedent(p.expr)
            if ante is not None:
                vacuity[k] = c.expr_fn(ante, None)
        elif isinstance(p, Sometimes):
            w.witnesses.append((k, c.expr_fn(p.expr, None)))
        elif isinstance(p, OnStep):
            fns = {
                inst.name: (c.expr_fn(p.before, inst.name), c.step_fn(p.after, inst.name))
                for inst in system.tagged_instances(p.tags)
            }
            w.step_checks.append((k, p.tags, fns))
        elif isinstance(p, LeadsTo):
            vacuity[k] = c.expr_fn(p.p, None)
    # vacuity: antecedents seen anywhere (checked after exploring, on the states found)
    need_edges = any(isinstance(p, (LeadsTo, NeverAfter)) for p in props)
    started = time.perf_counter()
    deadline = started + budget.timeout if budget.timeout is not None else None
    ex = explore(c, budget=budget, keep_edges=need_edges, progress=progress, _watch=w)
    cov = ex.coverage()
    outcomes: list[Outcome] = []
    for k, p in enumerate(props):
        if isinstance(p, (NeverAfter, LeadsTo)) and deadline is not None and time.perf_counter() >= deadline:
            # --timeout bounds the whole run, not each property
            outcomes.append(_outcome(p.name, p.kind, Verdict.INCONCLUSIVE, cov, None,
                                     f"not decided: timeout ({budget.timeout:g} s) reached before it was checked"))
            continue
        if isinstance(p, NeverAfter):
            left = None if deadline is None else deadline - time.perf_counter()
            outcomes.append(_check_never_after(c, p, replace(budget, timeout=left), ex))
            continue
        if isinstance(p, LeadsTo):
            outcomes.append(_check_leads_to(ex, p, vacuity[k], cov, deadline))
            continue
        outcomes.append(_safety_outcome(ex, w, k, p, cov, vacuity.get(k)))
    if want_deadlock:
        if w.deadlock is not None:
            tr = ex.trace(w.deadlock)
            outcomes.append(_outcome(DEADLOCK, "deadlock", Verdict.VIOLATED, cov, tr,
                                     "a reachable state has no enabled transition and is not declared terminal"))
        else:
            outcomes.append(_outcome(DEADLOCK, "deadlock", _open(ex), cov, None, _budget_note(ex)))
    return Report(system=system.name, params=system.params, outcomes=tuple(outcomes), coverage=cov)


def _select(system: System, names: Sequence[str] | None) -> list[Property]:
    if names is None:
        return list(system.properties)
    known = [p.name for p in system.properties] + ([DEADLOCK] if system.check_deadlock else [])
    from .errors import suggest

    bad = [n for n in names if n not in known]
    if bad:
        raise InputError(
            f"--property {bad[0]!r}: no such property in {system.name}; "
            + suggest(bad[0], known, default="properties: " + ", ".join(known))
        )
    return [p for p in system.properties if p.name in names]


def _open(ex: Exploration) -> Verdict:
    return Verdict.HOLDS if ex.complete else Verdict.INCONCLUSIVE


def _budget_note(ex: Exploration) -> str:
    if ex.complete:
        return ""
    return f"not decided: {ex.stopped} after {len(ex.states)} states"


def _outcome(name: str, kind: str, verdict: Verdict, cov: Coverage, trace: Trace | None, message: str,
             warnings: Iterable[str] = ()) -> Outcome:
    return Outcome(property=name, kind=kind, verdict=verdict, engine=ENGINE, coverage=cov, trace=trace,
                   message=message, warnings=tuple(warnings))


def _safety_outcome(ex: Exploration, w: _Watch, k: int, p: Property, cov: Coverage,
                    vac: Callable[[State], bool] | None) -> Outcome:
    c = ex.compiled
    hit = w.found.get(k)
    if isinstance(p, Always):
        if hit is not None:
            tr = ex.trace(hit)
            where = "the initial state breaks it" if not tr.steps else f"the state after step {len(tr.steps)} breaks it"
            return _outcome(p.name, p.kind, Verdict.VIOLATED, cov, tr, where)
        warnings = []
        if vac is not None and ex.complete and not any(vac(s) for s in ex.states):
            warnings.append(f"holds vacuously: no reachable state satisfies {to_text(antecedent(p.expr))}")  # type: ignore[arg-type]
        return _outcome(p.name, p.kind, _open(ex), cov, None, _budget_note(ex), warnings)
    if isinstance(p, Sometimes):
        if hit is not None:
            return _outcome(p.name, p.kind, Verdict.HOLDS, cov, ex.trace(hit), "witness: the last state satisfies it")
        if ex.complete:
            return _outcome(p.name, p.kind, Verdict.VIOLATED, cov, None,
                            f"no reachable state satisfies {to_text(p.expr)}")
        return _outcome(p.name, p.kind, Verdict.INCONCLUSIVE, cov, None, _budget_note(ex))
    assert isinstance(p, OnStep)
    if hit is not None:
        sid, label, t = hit
        states, labels = ex.path(sid)
        tr = c.trace(states + [t], labels + [label])
        pre = states[-1]
        insts = [i for i, t in c.label_transitions(label) if t.tags & p.tags]
        broke_before = any(not c.expr_fn(p.before, i)(pre) for i in insts)
        which = "the state before it breaks the rule's before-condition" if broke_before \
            else "it breaks the rule's after-condition"
        return _outcome(p.name, p.kind, Verdict.VIOLATED, cov, tr,
                        f"step {len(tr.steps)} is tagged {'/'.join(sorted(p.tags & _step_tags(c, label)))} and {which}")
    warnings = []
    if k not in w.tag_fired and ex.complete:
        warnings.append(f"holds vacuously: no step tagged {', '.join(sorted(p.tags))} is ever taken")
    return _outcome(p.name, p.kind, _open(ex), cov, None, _budget_note(ex), warnings)


# --------------------------------------------------------------------------- never_after


def _step_tags(c: Compiled, label: Label) -> frozenset[str]:
    return frozenset(tag for _, t in c.label_transitions(label) for tag in t.tags)


def _never_after_story(c: Compiled, p: NeverAfter, labels: list[Label]) -> str:
    """Which step triggered the observer and which step broke the rule."""
    last = len(labels)
    culprits = set(_tagged(c, labels[-1], p.forbidden))
    trigger_at = None
    for k in range(len(labels) - 2, -1, -1):
        names = _tagged(c, labels[k], p.trigger)
        if names and (not p.per_instance or culprits & set(names)):
            trigger_at = k + 1
            break
    def carrier(k: int, tags: frozenset[str]) -> str:
        hits = [f"{i}: {t.name}" for i, t in c.label_transitions(labels[k]) if t.tags & tags]
        return f" ({', '.join(hits)})" if hits else ""

    head = (f"step {trigger_at}{carrier(trigger_at - 1, p.trigger)} is tagged {'/'.join(sorted(p.trigger))}"
            if trigger_at else "a trigger happened")
    if isinstance(p.until, frozenset):
        until = f", with no {'/'.join(sorted(p.until))} between" if p.until else ""
    else:
        until = f", and {to_text(p.until)} never held between"
    return f"{head}; step {last}{carrier(last - 1, p.forbidden)} is tagged {'/'.join(sorted(p.forbidden))}{until}"


def _tagged(c: Compiled, label: Label, tags: frozenset[str]) -> list[str]:
    return [iname for iname, t in c.label_transitions(label) if t.tags & tags]


def _identity(x: Any) -> Any:
    return x


def _check_never_after(c: Compiled, p: NeverAfter, budget: Budget, ex: Exploration | None = None) -> Outcome:
    """BFS over the system composed with an observer that remembers, per instance (or globally),
    whether a trigger happened since the last reset.

    With a complete exploration that kept its edges (*ex*), the product walks the explored state
    graph (state ids, no successor recomputation); otherwise it computes successors itself,
    within *budget*.
    """
    started = time.perf_counter()
    system = c.system
    if ex is not None and ex.complete and ex.edges is not None:
        graph_edges, graph_states = ex.edges, ex.states
        initial: list[Any] = [sid for sid, link in enumerate(ex.parent) if link is None]
        succ: Callable[[Any], list[tuple[Label, Any]]] = graph_edges.__getitem__
        decode: Callable[[Any], State] = graph_states.__getitem__
    else:
        initial = c.initial_states()
        succ = c.successors
        decode = _identity
    if p.per_instance:
        watched = [i.name for i in system.tagged_instances(p.trigger | p.forbidden)]
    else:
        watched = ["*"]
    pos = {n: k for k, n in enumerate(watched)}
    until_fns: dict[str, Callable[[State], bool]] = {}
    until_tags: frozenset[str] = frozenset()
    if isinstance(p.until, frozenset):
        until_tags = p.until
    else:
        for n in watched:
            until_fns[n] = c.expr_fn(p.until, None if n == "*" else n)
    cache: dict[Label, tuple[list[int], list[int], list[int]]] = {}

    def classify(label: Label) -> tuple[list[int], list[int], list[int]]:
        """Which watched instances a step triggers, breaks and resets (cached by the caller's lookup)."""
        def where(tags: frozenset[str], *, reset: bool = False) -> list[int]:
            names = _tagged(c, label, tags)
            if not p.per_instance:
                return [0] if names else []
            if reset and any(n not in pos for n in names):
                # an until step of an instance the observer does not watch (the session's
                # login, say) resets every watched instance
                return list(range(len(watched)))
            return sorted({pos[n] for n in names if n in pos})
        got = (where(p.trigger), where(p.forbidden), where(until_tags, reset=True) if until_tags else [])
        cache[label] = got
        return got

    start = tuple(False for _ in watched)
    keys: dict[tuple[Any, tuple[bool, ...]], int] = {}
    nodes: list[tuple[Any, tuple[bool, ...]]] = []
    parent: list[tuple[int, Label] | None] = []
    head, steps, complete, stopped, violation, triggered = 0, 0, True, None, None, False
    for s in initial:
        key = (s, start)
        if key not in keys:
            # the state budget counts initial states too (as in explore()); without this a
            # system with more initial states than max_states could still end in HOLDS
            if budget.max_states is not None and len(nodes) >= budget.max_states:
                complete, stopped = False, f"state budget ({budget.max_states}) reached"
                break
            keys[key] = len(nodes)
            nodes.append(key)
            parent.append(None)
    depth = [0] * len(nodes)
    deadline = started + budget.timeout if budget.timeout is not None else None
    while head < len(nodes) and violation is None and complete:
        nid = head
        head += 1
        s, armed = nodes[nid]
        if budget.max_depth is not None and depth[nid] >= budget.max_depth:
            if succ(s):
                complete, stopped = False, f"depth bound ({budget.max_depth}) reached"
            continue
        if deadline is not None and head & 1023 == 0 and time.perf_counter() > deadline:
            complete, stopped = False, f"timeout ({budget.timeout:g} s) reached"
            break
        any_armed = True in armed
        for label, t in succ(s):
            steps += 1
            got = cache.get(label)
            trig, forb, reset = got if got is not None else classify(label)
            if forb and any_armed and any(armed[k] for k in forb):
                violation = (nid, label, t)
                break
            if trig or (any_armed and (reset or until_fns)):
                triggered = triggered or bool(trig)
                new = list(armed)
                for k in range(len(new)):
                    if until_fns:
                        # until a state satisfies the expression: the state right after the
                        # trigger counts too
                        new[k] = (new[k] or k in trig) and not until_fns[watched[k]](decode(t))
                    elif k in trig:
                        new[k] = True  # a step that both triggers and resets leaves the rule armed
                    elif new[k] and k in reset:
                        new[k] = False
                key = (t, tuple(new))
            else:
                key = (t, armed)
            if key not in keys:
                if budget.max_states is not None and len(nodes) >= budget.max_states:
                    complete, stopped = False, f"state budget ({budget.max_states}) reached"
                    break
                keys[key] = len(nodes)
                nodes.append(key)
                parent.append((nid, label))
                depth.append(depth[nid] + 1)
        if not complete:
            break
    cov = Coverage(states=len(nodes), steps=steps, depth=max(depth, default=0),
                   seconds=time.perf_counter() - started, complete=complete,
                   stopped=stopped)
    if violation is not None:
        nid, label, t = violation
        seq = [nid]
        while parent[seq[-1]] is not None:
            seq.append(parent[seq[-1]][0])  # type: ignore[index]
        seq.reverse()
        labels = [parent[n][1] for n in seq[1:]]  # type: ignore[index]
        labels = labels + [label]
        tr = c.trace([decode(nodes[n][0]) for n in seq] + [decode(t)], labels)
        return _outcome(p.name, p.kind, Verdict.VIOLATED, cov, tr, _never_after_story(c, p, labels))
    if not complete:
        return _outcome(p.name, p.kind, Verdict.INCONCLUSIVE, cov, None,
                        f"not decided: {stopped} after {len(nodes)} states of the system composed with the "
                        "rule's observer (which remembers triggers, so it needs more states than the system)")
    warnings = [] if triggered else [f"holds vacuously: no step tagged {', '.join(sorted(p.trigger))} is ever taken"]
    return _outcome(p.name, p.kind, Verdict.HOLDS, cov, None, "", warnings)


# --------------------------------------------------------------------------- leads_to


def _check_leads_to(ex: Exploration, p: LeadsTo, p_fn: Callable[[State], bool], cov: Coverage,
                    deadline: float | None = None) -> Outcome:
    """Find a reachable p-state from which a fair execution avoids q forever (SCC analysis);
    inconclusive when *deadline* passes first."""
    try:
        return _leads_to(ex, p, p_fn, cov, deadline)
    except _OutOfTime:
        return _outcome(p.name, p.kind, Verdict.INCONCLUSIVE, cov, None,
                        "not decided: timeout reached during the fair-cycle analysis")


class _OutOfTime(Exception):
    pass


def _leads_to(ex: Exploration, p: LeadsTo, p_fn: Callable[[State], bool], cov: Coverage,
              deadline: float | None) -> Outcome:
    import networkx as nx

    def tick() -> None:
        if deadline is not None and time.perf_counter() > deadline:
            raise _OutOfTime

    c = ex.compiled
    started = time.perf_counter()
    if not ex.complete:
        return _outcome(p.name, p.kind, Verdict.INCONCLUSIVE, cov, None,
                        f"not decided: liveness needs the whole state graph; {ex.stopped}")
    assert ex.edges is not None
    q_fn = c.expr_fn(p.q, None)
    states, edges = ex.states, ex.edges
    nq = [not q_fn(s) for s in states]
    fair_actions = [a.index for a in c.actions if a.transition.fair is not None]
    strong = {a.index for a in c.actions if a.transition.fair == "strong"}

    def sender(label: Label) -> int:
        return label if isinstance(label, int) else label[0]

    enabled_cache: dict[int, frozenset[int]] = {}

    def enabled(sid: int) -> frozenset[int]:
        got = enabled_cache.get(sid)
        if got is None:
            s = states[sid]
            got = frozenset(a for a in fair_actions if c.guards[a](s))
            enabled_cache[sid] = got
        return got

    g = nx.DiGraph()
    for sid in range(len(states)):
        if sid & 4095 == 0:
            tick()
        if nq[sid]:
            g.add_node(sid)
            for label, tid in edges[sid]:
                if nq[tid]:
                    g.add_edge(sid, tid)

    def taken_in(nodes: set[int]) -> dict[int, tuple[int, int]]:
        taken: dict[int, tuple[int, int]] = {}
        for sid in sorted(nodes):
            for label, tid in edges[sid]:
                if tid in nodes:
                    taken.setdefault(sender(label), (sid, tid))
        return taken

    def fair_core(nodes: set[int]) -> set[int] | None:
        tick()
        if len(nodes) == 1:
            (only,) = nodes
            if not g.has_edge(only, only):
                return None
        taken = taken_in(nodes)
        everywhere = frozenset.intersection(*(enabled(n) for n in nodes))
        somewhere = frozenset().union(*(enabled(n) for n in nodes))
        unfair_strong = sorted(a for a in somewhere & strong if a not in taken)
        if unfair_strong:
            rest = {n for n in nodes if not (enabled(n) & set(unfair_strong))}
            for comp in sorted(nx.strongly_connected_components(g.subgraph(rest)), key=min):
                core = fair_core(set(comp))
                if core is not None:
                    return core
            return None
        if any(a not in taken for a in everywhere):
            return None
        return nodes

    ends: dict[int, set[int] | None] = {}  # fair end node -> its fair SCC core (None: stutter)
    for sid in g.nodes:
        if not enabled(sid):
            ends[sid] = None
    for comp in sorted(nx.strongly_connected_components(g), key=min):
        core = fair_core(set(comp))
        if core is not None:
            for n in core:
                ends.setdefault(n, core)
    # states that can reach a fair end inside not-q: one backward search from all ends at once
    bad: set[int] = set(ends)
    queue = deque(sorted(ends))
    while queue:
        n = queue.popleft()
        for m in g.predecessors(n):
            if m not in bad:
                bad.add(m)
                queue.append(m)
    pv = [p_fn(s) for s in states]  # p in each state, evaluated once
    start = next((sid for sid in range(len(states)) if sid in bad and pv[sid]), None)
    seen_p = any(pv)
    cov = Coverage(states=cov.states, steps=cov.steps, depth=cov.depth, seconds=cov.seconds + time.perf_counter() - started,
                   complete=True, unfired=cov.unfired)
    if start is None:
        warnings = [] if seen_p else [f"holds vacuously: no reachable state satisfies {to_text(p.p)}"]
        return _outcome(p.name, p.kind, Verdict.HOLDS, cov, None, "", warnings)
    stop = _shortest_stopping_lasso(ex, pv, ends, g)
    prefix_states, prefix_labels = ex.path(start)
    # the fair end that makes the shortest lasso: stopping costs nothing, a cycle costs its length
    dist: dict[int, int] = {start: 0}
    prev: dict[int, tuple[int, Label]] = {}
    order = [start]
    for n in order:
        for lab, t in edges[n]:
            if nq[t] and t not in dist:
                dist[t] = dist[n] + 1
                prev[t] = (n, lab)
                order.append(t)
    best: tuple[int, int, list[tuple[Label, int]]] | None = None  # (total, end, cycle)
    cycles_tried = 0
    taken_cache: dict[int, dict[int, tuple[int, int]]] = {}
    for n in order:
        if best is not None and dist[n] >= best[0]:
            break
        if n not in ends:
            continue
        core = ends[n]
        if core is None:
            cycle: list[tuple[Label, int]] = []
        else:
            if cycles_tried >= 32 and best is not None:
                continue
            cycles_tried += 1
            key = min(core)
            if key not in taken_cache:
                taken_cache[key] = taken_in(core)
            cycle = _fair_cycle(edges, n, core, enabled, strong, sender, taken_cache[key])
        total = dist[n] + len(cycle)
        if best is None or total < best[0]:
            best = (total, n, cycle)
    assert best is not None
    if stop is not None and stop[0] <= best[0] + len(prefix_labels):
        _, start, end = stop
        prefix_states, prefix_labels = ex.path(start)
        prev = {}
        walk = _bfs_path(edges, start, lambda n: n == end, lambda n: nq[n]) or []
        at = start
        for lab, t in walk:
            prev[t] = (at, lab)
            at = t
        best = (len(walk), end, [])
    _, end, cycle = best
    path: list[tuple[Label, int]] = []
    at = end
    while at != start:
        pn, lab = prev[at]
        path.append((lab, at))
        at = pn
    path.reverse()
    labels = prefix_labels + [lab for lab, _ in path]
    all_states = prefix_states + [states[i] for _, i in path]
    if ends[end] is None:
        tr = c.trace(all_states, labels, loop=len(labels))
        return _outcome(p.name, p.kind, Verdict.VIOLATED, cov, tr,
                        f"{_when(len(prefix_labels))} the condition holds; from there the execution may stop "
                        "(nothing fair is enabled) and the goal never holds")
    loop_at = len(labels)
    for lab, tid in cycle:
        labels.append(lab)
        all_states.append(states[tid])
    tr = c.trace(all_states, labels, loop=loop_at)
    return _outcome(p.name, p.kind, Verdict.VIOLATED, cov, tr,
                    f"{_when(len(prefix_labels))} the condition holds; from there steps {loop_at + 1}-{len(labels)} "
                    "repeat forever, fairly, and the goal never holds")


def _shortest_stopping_lasso(ex: Exploration, pv: list[bool],
                             ends: dict[int, set[int] | None], g: Any) -> tuple[int, int, int] | None:
    """(length, p-state, stopping state) of the shortest lasso that ends by stopping (no fair
    transition enabled, the goal never holding), or None: one backward search from every such
    state, then the p-state minimising its BFS depth plus its distance to one."""
    stops = sorted(n for n, core in ends.items() if core is None)
    if not stops:
        return None
    h: dict[int, int] = {n: 0 for n in stops}
    target: dict[int, int] = {n: n for n in stops}
    queue = deque(stops)
    while queue:
        n = queue.popleft()
        for m in g.predecessors(n):
            if m not in h:
                h[m] = h[n] + 1
                target[m] = target[n]
                queue.append(m)
    best: tuple[int, int, int] | None = None
    for sid, d in enumerate(ex.depth):
        if sid in h and (best is None or d + h[sid] < best[0]) and pv[sid]:
            best = (d + h[sid], sid, target[sid])
    return best


def _when(k: int) -> str:
    return "in the initial state" if k == 0 else f"after step {k}"


def _bfs_path(edges: list[list[tuple[Label, int]]], start: int, goal: Callable[[int], bool],
              allowed: Callable[[int], bool]) -> list[tuple[Label, int]] | None:
    if goal(start):
        return []
    prev: dict[int, tuple[int, Label]] = {start: (-1, None)}
    queue = deque([start])
    while queue:
        n = queue.popleft()
        for label, t in edges[n]:
            if t in prev or not allowed(t):
                continue
            prev[t] = (n, label)
            if goal(t):
                out = []
                while t != start:
                    pn, lab = prev[t]
                    out.append((lab, t))
                    t = pn
                out.reverse()
                return out
            queue.append(t)
    return None


def _fair_cycle(edges: list[list[tuple[Label, int]]], entry: int, core: set[int],
                enabled: Callable[[int], frozenset[int]], strong: set[int], sender: Callable[[Label], int],
                taken: dict[int, tuple[int, int]]) -> list[tuple[Label, int]]:
    """A short cycle through *entry* inside *core* that meets every fairness obligation.

    For each first step out of *entry*: take the shortest way back, then, while some fair
    transition is starved on the cycle (weak: enabled in every state of it and never taken;
    strong: enabled somewhere and never taken), splice in a detour from *entry* that takes it, or
    (weak only) passes through a state where it is disabled; drop steps that change nothing where
    fairness allows. The shortest result wins. *core* is a fair SCC, so every obligation can be
    met. Not guaranteed minimal, but short and deterministic.
    """
    inside = core.__contains__
    fair_actions = sorted(frozenset().union(*(enabled(n) for n in core)))

    def starved(cycle: list[tuple[Label, int]]) -> int | None:
        on_cycle = [entry] + [t for _, t in cycle[:-1]]
        took = {sender(lab) for lab, _ in cycle}
        for a in fair_actions:
            if a in took:
                continue
            flags = [a in enabled(n) for n in on_cycle]
            if (a in strong and any(flags)) or all(flags):
                return a
        return None

    def build(first: tuple[Label, int]) -> list[tuple[Label, int]] | None:
        cycle = [first] + (_bfs_path(edges, first[1], lambda n: n == entry, inside) or [])
        for _ in range(len(fair_actions) + 1):
            a = starved(cycle)
            if a is None:
                # drop steps that change nothing when fairness does not need them
                for k in range(len(cycle) - 1, -1, -1):
                    prev = entry if k == 0 else cycle[k - 1][1]
                    if cycle[k][1] == prev and len(cycle) > 1 and starved(cycle[:k] + cycle[k + 1:]) is None:
                        cycle = cycle[:k] + cycle[k + 1:]
                return cycle
            if a in taken:
                src, _ = taken[a]
                detour = _bfs_path(edges, entry, lambda n, src=src: n == src, inside) or []
                detour.append(next((lab, t) for lab, t in edges[src] if sender(lab) == a and t in core))
            else:  # weak, and disabled somewhere in the core: pass through such a state
                detour = _bfs_path(edges, entry, lambda n, a=a: a not in enabled(n), inside) or []
            at = detour[-1][1] if detour else entry
            detour += _bfs_path(edges, at, lambda n: n == entry, inside) or []
            cycle = cycle + detour
        return None

    # try every first step out of entry and keep the shortest fair cycle
    best: list[tuple[Label, int]] | None = None
    for first in [(lab, t) for lab, t in edges[entry] if t in core]:
        cycle = build(first)
        if cycle is not None and (best is None or len(cycle) < len(best)):
            best = cycle
    if best is not None:
        return best
    raise AssertionError("a fair SCC without a fair cycle through its entry")

"""``leads_to(p, q)`` under weak and strong fairness: an analysis of the explored state graph.

A counterexample is a fair execution that reaches a p-state and then never a q-state. It ends in a
*fair end* of the graph restricted to not-q states: either a state where nothing fair is enabled
(the execution may stop there) or a strongly connected set of states in which a cycle can meet
every fairness obligation (weak: an obligation enabled in every state of the cycle is taken on
it; strong: one enabled anywhere on it is taken on it). The property fails when some reachable
p-state can reach a fair end inside not-q; the lasso shown is short, deterministic and valid,
built from the BFS prefix to that p-state.

Fairness follows TLA+'s ``WF_vars(A)`` and ``SF_vars(A)`` (issue 9): a step that leaves the state
unchanged neither takes nor enables a fair transition. A transition is enabled in a state when one
of its steps from there changes something, and taken by a step that changes something; a
transition that can only stutter somewhere imposes nothing there. An *obligation* is a
transition's own ``fair=`` or a group of ``System(fairness=...)``: a group is enabled when one of
its transitions is, and taken when one of them is, so splitting an action into transitions does
not change fairness.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ..._compile import Compiled, Label, State
from ...expr import to_text
from ...property import LeadsTo, Property
from ...result import Coverage, Outcome, Verdict
from .common import outcome, when
from .explore import Exploration
from .search import bfs_path

__all__ = ["check_leads_to", "Obligation", "obligations", "find_lasso", "OutOfTime"]

Walk = list[tuple[Label, int]]  # [(label, state id), ...]
#: (labels, states, loop, stops, prefix) of a lasso; see :meth:`_FairGraph.lasso`
Lasso = tuple[list[Label], list[State], int, bool, int]


class OutOfTime(Exception):
    """The deadline passed during the analysis."""


@dataclass(frozen=True, slots=True)
class Obligation:
    """One fairness obligation: weak or strong fairness of a set of actions taken together
    (a transition's ``fair=`` is a set of one; ``System(fairness=...)`` gives larger ones)."""

    kind: str  # "weak" or "strong"
    actions: frozenset[int]  # action indices (Compiled.actions)
    name: str


def obligations(c: Compiled) -> list[Obligation]:
    """Every fairness obligation of the compiled system: each fair transition's own, then each
    group of ``System(fairness=...)`` (its names were checked when the system was built)."""
    out = [Obligation(str(a.transition.fair), frozenset({a.index}), a.label)
           for a in c.actions if a.transition.fair is not None]
    index = {(a.inst.name, a.transition.name): a.index for a in c.actions}
    for k, group in enumerate(c.system.fairness):
        actions = frozenset(index[pair] for pair in group.transitions if pair in index)
        if actions:
            out.append(Obligation(group.kind, actions, group.name or f"fairness #{k}"))
    return out


def check_leads_to(ex: Exploration, p: LeadsTo, cov: Coverage, deadline: float | None) -> Outcome:
    """The outcome of *p* on the whole explored graph *ex* (which kept its edges);
    inconclusive when the exploration is partial or *deadline* passes first."""
    return on_whole_graph(p, cov, complete=ex.complete, stopped=ex.stopped,
                          decide=lambda started: _decide(ex, p, cov, deadline, started))


def on_whole_graph(p: Property, cov: Coverage, *, complete: bool, stopped: str | None,
                   decide: Callable[[float], Outcome], make: Callable[..., Outcome] = outcome) -> Outcome:
    """Run a liveness analysis, *decide* (given its start time), on a complete exploration:
    ``inconclusive`` when the exploration is partial, or when the deadline passes during the
    analysis (:class:`OutOfTime`), with coverage saying so. Every explicit engine's liveness
    properties go through here."""
    if not complete:
        return make(p, Verdict.INCONCLUSIVE, cov, None, f"not decided: liveness needs the whole state graph; {stopped}")
    started = time.perf_counter()
    try:
        return decide(started)
    except OutOfTime:
        spent = cov.seconds + time.perf_counter() - started
        why = "timeout reached during the fair-cycle analysis"
        return make(p, Verdict.INCONCLUSIVE, replace(cov, seconds=spent, complete=False, stopped=why), None,
                    f"not decided: {why}")


def find_lasso(ex: Exploration, pv: list[bool], q_fn: Callable[[State], bool],
               deadline: float | None) -> Lasso | None:
    """A short fair lasso that passes a state where *pv* is true and from there never meets
    *q_fn*, or None when there is none (the core of ``leads_to`` and of the temporal properties
    built on it)."""
    g = _FairGraph(ex, q_fn, deadline)
    ends = g.fair_ends()
    bad = g.reaching(ends)
    start = next((sid for sid in range(len(ex)) if sid in bad and pv[sid]), None)
    if start is None:
        return None
    return g.lasso(start, pv, ends)


def _decide(ex: Exploration, p: LeadsTo, cov: Coverage, deadline: float | None, started: float) -> Outcome:
    c = ex.compiled
    p_fn = c.expr_fn(p.p, None)
    pv = [bool(p_fn(s)) for s in ex.states]  # p in each state, evaluated once
    found = find_lasso(ex, pv, c.expr_fn(p.q, None), deadline)
    cov = replace(cov, seconds=cov.seconds + time.perf_counter() - started, complete=True, stopped=None)
    if found is None:
        warnings = [] if any(pv) else [f"holds vacuously: no reachable state satisfies {to_text(p.p)}"]
        return outcome(p, Verdict.HOLDS, cov, None, "", warnings)
    labels, states, loop, stops, prefix = found
    tr = c.trace(states, labels, loop=loop)
    if stops:
        return outcome(p, Verdict.VIOLATED, cov, tr,
                       f"{when(prefix)} the condition holds; from there the execution may stop "
                       "(nothing fair is enabled) and the goal never holds")
    return outcome(p, Verdict.VIOLATED, cov, tr,
                   f"{when(prefix)} the condition holds; from there steps {loop + 1}-{len(labels)} "
                   "repeat forever, fairly, and the goal never holds")


def _disabled(enabled: Callable[[int], frozenset[int]], a: int) -> Callable[[int], bool]:
    """A goal: a state where obligation *a* is not enabled."""
    return lambda n: a not in enabled(n)


class _FairGraph:
    """The explored graph restricted to not-q states, with the fairness of each state.

    Steps that change nothing (self-loops) are left out of the graph: under TLA+'s fairness they
    neither take nor enable anything, and staying in one state forever is stopping there, which
    is fair exactly when nothing fair is enabled in it.
    """

    #: action index -> the obligations it belongs to. None in a subclass that keeps one obligation
    #: per fair action and counts every step as taking it (the fast engine's arrays, issue 13,
    #: which build lassos with :meth:`lasso` and :meth:`fair_cycle`)
    member_of: Mapping[int, tuple[int, ...]] | None = None

    def __init__(self, ex: Exploration, q_fn: Callable[[State], bool], deadline: float | None) -> None:
        import networkx as nx  # imported only when liveness is checked

        self.nx = nx
        self.ex = ex
        self.deadline = deadline
        c: Compiled = ex.compiled
        self.c = c
        edges = ex.search.edges
        assert edges is not None
        self.edges = edges
        self.nq = [not q_fn(s) for s in ex.states]
        self.obligations = obligations(c)
        self.strong = {k for k, o in enumerate(self.obligations) if o.kind == "strong"}
        member: dict[int, list[int]] = {}
        for k, o in enumerate(self.obligations):
            for a in sorted(o.actions):
                member.setdefault(a, []).append(k)
        self.member_of = {a: tuple(ks) for a, ks in member.items()}
        self._enabled: dict[int, frozenset[int]] = {}
        g = nx.DiGraph()
        for sid in range(len(ex)):
            if sid & 4095 == 0:
                self.tick()
            if self.nq[sid]:
                g.add_node(sid)
                for _label, tid in edges[sid]:
                    if self.nq[tid] and tid != sid:
                        g.add_edge(sid, tid)
        self.g = g

    def tick(self) -> None:
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise OutOfTime

    @staticmethod
    def sender(label: Label) -> int:
        return label if isinstance(label, int) else label[0]

    def takes(self, label: Label, src: int, tgt: int) -> tuple[int, ...]:
        """The obligations the step *label* from *src* to *tgt* takes: none when it changes nothing."""
        a = self.sender(label)
        if self.member_of is None:
            return (a,)
        return () if src == tgt else self.member_of.get(a, ())

    def enabled(self, sid: int) -> frozenset[int]:
        """The obligations enabled in state *sid*: those with a step from it that changes something.

        A state outside ``System(constraint=...)`` has no steps (nothing follows it), so nothing is
        enabled there and an execution that reaches it may stop in it: liveness is never claimed
        for what lies beyond the constraint."""
        got = self._enabled.get(sid)
        if got is None:
            member_of = self.member_of or {}
            got = self._enabled[sid] = frozenset(k for label, tid in self.edges[sid] if tid != sid
                                                 for k in member_of.get(self.sender(label), ()))
        return got

    def taken_in(self, nodes: set[int]) -> dict[int, tuple[int, int]]:
        """For each obligation taken on a step inside *nodes*: one such step (source, target)."""
        taken: dict[int, tuple[int, int]] = {}
        for sid in sorted(nodes):
            for label, tid in self.edges[sid]:
                if tid in nodes and tid != sid:
                    for k in self.takes(label, sid, tid):
                        taken.setdefault(k, (sid, tid))
        return taken

    def fair_core(self, nodes: set[int], accepting: Callable[[int], bool] | None = None) -> set[int] | None:
        """A subset of the strongly connected *nodes* where a fair cycle exists (through an
        *accepting* state, when given), or None."""
        self.tick()
        if len(nodes) < 2:
            return None  # one state: staying in it forever is stopping there (see fair_ends)
        taken = self.taken_in(nodes)
        everywhere = frozenset.intersection(*(self.enabled(n) for n in nodes))
        somewhere = frozenset().union(*(self.enabled(n) for n in nodes))
        unfair_strong = {a for a in somewhere & self.strong if a not in taken}
        if unfair_strong:
            # a strongly fair obligation enabled here is never taken here: drop the states that
            # enable it and look for a fair core in what is left
            rest = {n for n in nodes if not (self.enabled(n) & unfair_strong)}
            for comp in sorted(self.nx.strongly_connected_components(self.g.subgraph(rest)), key=min):
                core = self.fair_core(set(comp), accepting)
                if core is not None:
                    return core
            return None
        if any(a not in taken for a in everywhere):
            return None
        if accepting is not None and not any(accepting(n) for n in nodes):
            return None  # fair, but no subset of it meets an accepting state either
        return nodes

    def fair_ends(self) -> dict[int, set[int] | None]:
        """Every fair end: state id -> its fair core (None: a state where the execution may stop)."""
        ends: dict[int, set[int] | None] = {sid: None for sid in self.g.nodes if not self.enabled(sid)}
        for comp in sorted(self.nx.strongly_connected_components(self.g), key=min):
            core = self.fair_core(set(comp))
            if core is not None:
                for n in core:
                    ends.setdefault(n, core)
        return ends

    def backward(self, targets: list[int]) -> tuple[dict[int, int], dict[int, int]]:
        """Distance to the nearest of *targets* and which one, for every state that reaches one."""
        dist = {n: 0 for n in targets}
        target = {n: n for n in targets}
        queue = deque(targets)
        while queue:
            n = queue.popleft()
            for m in self.g.predecessors(n):
                if m not in dist:
                    dist[m] = dist[n] + 1
                    target[m] = target[n]
                    queue.append(m)
        return dist, target

    def reaching(self, ends: dict[int, Any]) -> set[int]:
        """The not-q states that can reach a fair end inside not-q."""
        return set(self.backward(sorted(ends))[0])

    def lasso(self, start: int, pv: list[bool], ends: dict[int, set[int] | None]) -> Lasso:
        """(labels, states, loop, stops, prefix) of a short lasso through a p-state: ``stops`` when it
        ends by stopping, ``prefix`` the number of steps to the p-state."""
        ex, edges, nq = self.ex, self.edges, self.nq
        stop = self._shortest_stopping(pv, ends)
        prefix_states, prefix_labels = ex.search.path(start)
        # the fair end that makes the shortest lasso: stopping costs nothing, a cycle its length
        dist: dict[int, int] = {start: 0}
        prev: dict[int, tuple[int, Label]] = {}
        order = [start]
        for n in order:
            for lab, t in edges[n]:
                if nq[t] and t not in dist:
                    dist[t] = dist[n] + 1
                    prev[t] = (n, lab)
                    order.append(t)
        best: tuple[int, int, Walk] | None = None  # (length after the prefix, end, cycle)
        cycles_tried = 0
        taken_cache: dict[int, dict[int, tuple[int, int]]] = {}
        for n in order:
            if best is not None and dist[n] >= best[0]:
                break
            if n not in ends:
                continue
            core = ends[n]
            cycle: Walk = []
            if core is not None:
                if cycles_tried >= 32 and best is not None:
                    continue
                cycles_tried += 1
                key = min(core)
                if key not in taken_cache:
                    taken_cache[key] = self.taken_in(core)
                cycle = self.fair_cycle(n, core, taken_cache[key])
            total = dist[n] + len(cycle)
            if best is None or total < best[0]:
                best = (total, n, cycle)
        assert best is not None
        if stop is not None and stop[0] <= best[0] + len(prefix_labels):
            _, start, end = stop
            prefix_states, prefix_labels = ex.search.path(start)
            walk = bfs_path(edges, start, lambda n: n == end, lambda n: nq[n]) or []
            prev = {}
            at = start
            for lab, t in walk:
                prev[t] = (at, lab)
                at = t
            best = (len(walk), end, [])
        _, end, cycle = best
        path: Walk = []
        at = end
        while at != start:
            pn, lab = prev[at]
            path.append((lab, at))
            at = pn
        path.reverse()
        labels = prefix_labels + [lab for lab, _ in path]
        states = prefix_states + [ex.states[i] for _, i in path]
        if ends[end] is None:
            return labels, states, len(labels), True, len(prefix_labels)
        loop = len(labels)
        for lab, tid in cycle:
            labels.append(lab)
            states.append(ex.states[tid])
        return labels, states, loop, False, len(prefix_labels)

    def _shortest_stopping(self, pv: list[bool], ends: dict[int, set[int] | None]) -> tuple[int, int, int] | None:
        """(length, p-state, stopping state) of the shortest lasso that ends by stopping, or None:
        one backward search from every stopping state, then the p-state minimising its BFS depth
        plus its distance to one."""
        stops = sorted(n for n, core in ends.items() if core is None)
        if not stops:
            return None
        h, target = self.backward(stops)
        best: tuple[int, int, int] | None = None
        for sid, d in enumerate(self.ex.search.depth):
            if sid in h and (best is None or d + h[sid] < best[0]) and pv[sid]:
                best = (d + h[sid], sid, target[sid])
        return best

    def fair_cycle(self, entry: int, core: set[int], taken: dict[int, tuple[int, int]]) -> Walk:
        """A short cycle through *entry* inside *core* that meets every fairness obligation.

        For each first step out of *entry*: take the shortest way back, then, while some
        obligation is starved on the cycle (weak: enabled in every state of it and never taken;
        strong: enabled somewhere and never taken), splice in a detour from *entry* that takes it,
        or (weak only) passes through a state where it is disabled; drop steps that change nothing
        where fairness allows. The shortest result wins. *core* is a fair SCC, so every obligation
        can be met. Not guaranteed minimal, but short and deterministic.
        """
        edges, enabled, takes, strong = self.edges, self.enabled, self.takes, self.strong
        inside = core.__contains__
        fair_actions = sorted(frozenset().union(*(enabled(n) for n in core)))

        def starved(cycle: Walk) -> int | None:
            on_cycle = [entry] + [t for _, t in cycle[:-1]]
            took = {a for (lab, t), s in zip(cycle, on_cycle, strict=True) for a in takes(lab, s, t)}
            for a in fair_actions:
                if a in took:
                    continue
                flags = [a in enabled(n) for n in on_cycle]
                if (a in strong and any(flags)) or all(flags):
                    return a
            return None

        def build(first: tuple[Label, int]) -> Walk | None:
            cycle = [first] + (bfs_path(edges, first[1], lambda n: n == entry, inside) or [])
            for _ in range(len(fair_actions) + 1):
                a = starved(cycle)
                if a is None:
                    # drop steps that change nothing when fairness does not need them
                    for k in range(len(cycle) - 1, -1, -1):
                        before = entry if k == 0 else cycle[k - 1][1]
                        if cycle[k][1] == before and len(cycle) > 1 and starved(cycle[:k] + cycle[k + 1:]) is None:
                            cycle = cycle[:k] + cycle[k + 1:]
                    return cycle
                detour: Walk
                if a in taken:
                    src, tgt = taken[a]
                    detour = bfs_path(edges, entry, src.__eq__, inside) or []
                    detour.append(next((lab, t) for lab, t in edges[src] if t == tgt and a in takes(lab, src, t)))
                else:  # weak, and disabled somewhere in the core: pass through such a state
                    detour = bfs_path(edges, entry, _disabled(enabled, a), inside) or []
                at = detour[-1][1] if detour else entry
                detour += bfs_path(edges, at, lambda n: n == entry, inside) or []
                cycle = cycle + detour
            return None

        best: Walk | None = None
        for first in [(lab, t) for lab, t in edges[entry] if t in core]:
            cycle = build(first)
            if cycle is not None and (best is None or len(cycle) < len(best)):
                best = cycle
        if best is None:
            raise AssertionError("a fair SCC without a fair cycle through its entry")
        return best


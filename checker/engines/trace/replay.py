"""The replay: the set of model states consistent with a log, carried from one event to the next.

A *candidate* is a model state together with what each property's monitor remembers and the
steps still owed to the log (``pending``). Before each event the candidates are closed under the
steps the log does not record (those of unrecorded instances and silent transitions); the event
then keeps the successors that fire a transition it names and agree with what it observed. The
first event that leaves no candidate is the one the model cannot explain. Every candidate keeps a
link to the one it came from, so any candidate gives back one whole explanation of the log: a
run of the model, with the line of the log each step explains.

A step that fires transitions of two recorded instances at once (a broadcast) owes one line to
each: the first of them matches the step, the others must follow at once (in any order), with no
unrecorded step between.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..._compile import Compiled, Label, OutOfDomain, State
from ...errors import ModelError
from .log import Event, Log
from .monitors import Monitor

__all__ = ["Node", "Replayed", "Stuck", "Table", "replay"]

Pending = frozenset[tuple[str, str]]
#: (model state, the monitors' memories, the recorded steps still owed to the log)
Node = tuple[State, tuple[Any, ...], Pending]
_NONE: Pending = frozenset()

#: successor lists kept at most (states recur along a log; the cache is cleared when full)
_CACHE = 200_000


class _Stop(Exception):
    """The budget stopped the replay."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class Table:
    """Every candidate the replay made, with the link to the one it came from (mutable while
    the replay runs). ``label`` is None for an initial candidate and for one that only paid a
    step owed to the log; ``line`` is the log line a step explains (0: an unrecorded step)."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.parent: list[int] = []
        self.label: list[Label | None] = []
        self.line: list[int] = []

    def add(self, node: Node, parent: int, label: Label | None, line: int) -> int:
        self.nodes.append(node)
        self.parent.append(parent)
        self.label.append(label)
        self.line.append(line)
        return len(self.nodes) - 1

    def __len__(self) -> int:
        return len(self.nodes)

    def path(self, idx: int) -> tuple[list[State], list[Label], list[int | None], list[Node]]:
        """(states, labels, the log line of each step or None, the candidate after each state)
        of the explanation that ends in candidate *idx*."""
        chain: list[int] = []
        at = idx
        while at >= 0:
            chain.append(at)
            at = self.parent[at]
        chain.reverse()
        states = [self.nodes[chain[0]][0]]
        nodes = [self.nodes[chain[0]]]
        labels: list[Label] = []
        lines: list[int | None] = []
        for k in chain[1:]:
            label = self.label[k]
            if label is None:  # a line that paid a step owed: no model step
                nodes[-1] = self.nodes[k]
                continue
            labels.append(label)
            lines.append(self.line[k] or None)
            states.append(self.nodes[k][0])
            nodes.append(self.nodes[k])
        return states, labels, lines, nodes


@dataclass(slots=True)
class Stuck:
    """Where the replay stopped: *event* (None: the end of the log) left no candidate; *before*
    are the candidates just before it (after unrecorded steps), *frontier* those right after the
    previous event."""

    event: Event | None
    before: list[int]
    frontier: list[int]


@dataclass(slots=True)
class Replayed:
    """What :func:`replay` found (filled in while it runs)."""

    table: Table
    #: the candidates consistent with every explained event (the ends of the explanations)
    final: list[int] = field(default_factory=list)
    explained: int = 0
    stuck: Stuck | None = None
    stopped: str | None = None
    #: distinct model states among the candidates before each explained event
    sizes: list[int] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0


class _Replay:
    """One replay (mutable while it runs)."""

    def __init__(self, c: Compiled, log: Log, monitors: Sequence[Monitor], *, max_candidates: int | None,
                 deadline: float | None) -> None:
        self.c = c
        self.log = log
        self.monitors = tuple(monitors)
        self.max_candidates = max_candidates
        self.deadline = deadline
        self.recorded = frozenset(log.recorded)
        self.silent = log.silent
        self.table = Table()
        self.steps = 0
        self._parts: dict[Label, Pending] = {}
        self._succ: dict[State, list[tuple[Label, State]]] = {}
        self._adv: dict[tuple[tuple[Any, ...], State, Label], tuple[Any, ...]] = {}
        self._silent: dict[State, list[tuple[Label, State]]] = {}
        self._explains: dict[tuple[Any, ...], list[tuple[Label, State, Pending]]] = {}
        slot = c.system.slot_of
        self._fits: dict[int, tuple[tuple[int, Any], ...]] = {
            e.line: tuple((slot(i, v), x) for (i, v), x in e.observed) for e in log.events
        }

    # ------------------------------------------------------------------ model

    def parts(self, label: Label) -> Pending:
        """The recorded steps in *label*: (instance, transition) of recorded, logged transitions."""
        got = self._parts.get(label)
        if got is None:
            got = self._parts[label] = frozenset(
                (i, t.name) for i, t in self.c.label_transitions(label)
                if i in self.recorded and (i, t.name) not in self.silent
            )
        return got

    def succ(self, s: State, idx: int) -> list[tuple[Label, State]]:
        got = self._succ.get(s)
        if got is None:
            try:
                got = self.c.successors(s)
            except OutOfDomain:
                raise self._domain_error(s, idx) from None
            if len(self._succ) >= _CACHE:
                self._succ.clear()
            self._succ[s] = got
        return got

    def _domain_error(self, s: State, idx: int) -> ModelError:
        states, labels, _, _ = self.table.path(idx)
        for _label, result in self.c.find_step(s):
            if isinstance(result, OutOfDomain):
                return self.c.domain_error(result, self.c.trace(states, labels))
        raise AssertionError("an update left its domain but no single action reproduces it")

    def advance(self, mons: tuple[Any, ...], label: Label, s: State, t: State) -> tuple[Any, ...]:
        """The monitors' memories after the step *label* from *s* to *t* (which *s* and *label*
        determine, so they are the key of the cache: the same steps recur all along a log)."""
        if not mons:
            return mons
        key = (mons, s, label)
        got = self._adv.get(key)
        if got is None:
            if len(self._adv) >= _CACHE:
                self._adv.clear()
            got = self._adv[key] = tuple(m.step(x, label, s, t) for m, x in zip(self.monitors, mons, strict=True))
        return got

    def fits(self, e: Event, t: State) -> bool:
        return all(t[k] == v for k, v in self._fits[e.line])

    def tick(self, size: int) -> None:
        if self.max_candidates is not None and size > self.max_candidates:
            raise _Stop(f"more than {self.max_candidates:,} candidates (--max-states)")
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise _Stop("timeout reached")

    # ------------------------------------------------------------------ replay

    def unrecorded(self, s: State, idx: int) -> list[tuple[Label, State]]:
        """The unrecorded steps from *s* (cached: states recur all along a log)."""
        got = self._silent.get(s)
        if got is None:
            if len(self._silent) >= _CACHE:
                self._silent.clear()
            got = self._silent[s] = [(label, t) for label, t in self.succ(s, idx) if not self.parts(label)]
        return got

    def explaining(self, s: State, idx: int, e: Event) -> list[tuple[Label, State, Pending]]:
        """The steps from *s* that event *e* explains, each with the recorded steps it still owes
        (cached by the event's instance, names and observations: events recur too)."""
        key = (s, e.instance, e.transitions, self._fits[e.line])
        got = self._explains.get(key)
        if got is None:
            if len(self._explains) >= _CACHE:
                self._explains.clear()
            got = []
            for label, t in self.succ(s, idx):
                parts = self.parts(label)
                hit = next((p for p in parts if p[0] == e.instance and p[1] in e.transitions), None)
                if hit is not None and self.fits(e, t):
                    got.append((label, t, parts - {hit} if len(parts) > 1 else _NONE))
            self._explains[key] = got
        return got

    def close(self, frontier: dict[Node, int]) -> dict[Node, int]:
        """*frontier* and every candidate reached from it by unrecorded steps."""
        closure = dict(frontier)
        queue = [n for n in frontier if not n[2]]
        k = 0
        while k < len(queue):
            node = queue[k]
            k += 1
            s, mons, _ = node
            idx = closure[node]
            for label, t in self.unrecorded(s, idx):
                self.steps += 1
                new = (t, self.advance(mons, label, s, t), _NONE)
                if new not in closure:
                    closure[new] = self.table.add(new, idx, label, 0)
                    queue.append(new)
            if k & 63 == 0:
                self.tick(len(closure))
        self.tick(len(closure))
        return closure

    def take(self, closure: dict[Node, int], e: Event) -> dict[Node, int]:
        """The candidates after event *e*: steps from *closure* that it explains."""
        nxt: dict[Node, int] = {}
        mine = e.instance
        names = e.transitions
        for node, idx in closure.items():
            s, mons, pending = node
            if pending:
                owed = sorted(p for p in pending if p[0] == mine and p[1] in names)
                if owed and self.fits(e, s):
                    new = (s, mons, pending - {owed[0]})
                    if new not in nxt:
                        nxt[new] = self.table.add(new, idx, None, e.line)
                continue
            for label, t, rest in self.explaining(s, idx, e):
                self.steps += 1
                new = (t, self.advance(mons, label, s, t), rest)
                if new not in nxt:
                    nxt[new] = self.table.add(new, idx, label, e.line)
        self.tick(len(nxt))
        return nxt

    def run(self) -> Replayed:
        started = time.perf_counter()
        out = Replayed(table=self.table)
        frontier: dict[Node, int] = {}
        for s in self.c.initial_states():
            node = (s, tuple(m.start(s) for m in self.monitors), _NONE)
            if node not in frontier:
                frontier[node] = self.table.add(node, -1, None, 0)
        try:
            for e in self.log.events:
                closure = self.close(frontier)
                out.sizes.append(len({n[0] for n in closure}))
                nxt = self.take(closure, e)
                if not nxt:
                    out.stuck = Stuck(event=e, before=list(closure.values()), frontier=list(frontier.values()))
                    break
                frontier = nxt
                out.explained += 1
        except _Stop as stop:
            out.stopped = stop.why
        done = [idx for node, idx in frontier.items() if not node[2]]
        if out.stuck is None and out.stopped is None and not done:
            # the last step also fired a recorded transition that the log never records
            out.stuck = Stuck(event=None, before=list(frontier.values()), frontier=list(frontier.values()))
        out.final = done or list(frontier.values())
        out.steps = self.steps
        out.seconds = time.perf_counter() - started
        return out


def replay(c: Compiled, log: Log, monitors: Sequence[Monitor], *, max_candidates: int | None = None,
           deadline: float | None = None) -> Replayed:
    """Replay *log* through the compiled system *c*, running *monitors* along every explanation.

    Parameters
    ----------
    c : Compiled
        The system, compiled once (:func:`statebound.checker._compile.compile_system`).
    log : Log
        A validated log (:func:`.log.read_log`).
    monitors : sequence of Monitor
        One per property to judge (:func:`.monitors.monitor_for`).
    max_candidates : int, optional
        Stop when the candidates before or after one event outnumber this.
    deadline : float, optional
        A :func:`time.perf_counter` value at which to stop.

    Returns
    -------
    Replayed
        The candidates, how many events were explained, and where the replay got stuck or
        stopped.

    Raises
    ------
    ModelError
        When an update leaves its domain on the way (with the explanation that reaches it).
    """
    return _Replay(c, log, monitors, max_candidates=max_candidates, deadline=deadline).run()

"""State properties, step rules and deadlock freedom for the fast engine, decided while it searches
(the counterpart of the reference engine's :mod:`~..reference.safety`, on whole batches)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..._compile import Label, State
from ...property import Always, OnStep, Property, Sometimes
from ...result import DEADLOCK, Breach, Coverage, Kind, Outcome, Trace, Verdict
from ..reference.safety import decide
from ._explore import FastExploration, Packed
from ._search import Batch, Search
from ._vexpr import BoolFn

__all__ = ["Watch", "safety_outcome", "deadlock_outcome", "ENGINE", "fast_outcome"]

#: the name outcomes of this engine carry, and ``--engine`` selects
ENGINE = "fast"

_NONE = np.iinfo(np.int64).max


def fast_outcome(p: Property, verdict: Verdict, cov: Coverage, trace: object, message: str,
                 warnings: tuple[str, ...] | list[str] = (), *, breach: Breach | None = None) -> Outcome:
    return Outcome(property=p.name, kind=Kind(p.kind), verdict=verdict, engine=ENGINE, coverage=cov,
                   trace=trace, message=message, warnings=tuple(warnings), breach=breach)  # type: ignore[arg-type]


@dataclass(slots=True)
class _Rule:
    index: int
    tags: frozenset[str]
    fns: dict[str, tuple[BoolFn, BoolFn]]


@dataclass(slots=True)
class Watch:
    """What the search looks for, and what it found (by property index)."""

    packed: Packed
    invariants: list[tuple[int, BoolFn]] = field(default_factory=list)
    witnesses: list[tuple[int, BoolFn]] = field(default_factory=list)
    rules: list[_Rule] = field(default_factory=list)
    terminal: BoolFn | None = None
    check_deadlock: bool = False
    found_state: dict[int, int] = field(default_factory=dict)
    #: property index -> (state id, label number, words of the next state)
    found_step: dict[int, tuple[int, int, npt.NDArray[np.uint64]]] = field(default_factory=dict)
    tag_fired: set[int] = field(default_factory=set)
    deadlock: int | None = None

    @classmethod
    def of(cls, packed: Packed, props: list[Property], *, check_deadlock: bool) -> Watch:
        w = cls(packed, check_deadlock=check_deadlock)
        system, comp = packed.system, packed.compiler
        if system.terminal is not None:
            w.terminal = comp.condition(system.terminal, None)
        for k, p in enumerate(props):
            if isinstance(p, Always):
                w.invariants.append((k, comp.condition(p.expr, None)))
            elif isinstance(p, Sometimes):
                w.witnesses.append((k, comp.condition(p.expr, None)))
            elif isinstance(p, OnStep):
                w.rules.append(_Rule(k, p.tags, {
                    inst.name: (comp.condition(p.before, inst.name), comp.condition(p.after, inst.name))
                    for inst in system.tagged_instances(p.tags)
                }))
        return w

    def on_new(self, search: Search, lo: int, hi: int) -> None:
        if not (self.invariants or self.witnesses):
            return
        frame = self.packed.frame(search.states.data[lo:hi])  # type: ignore[arg-type]
        found = self.found_state
        for k, fn in self.invariants:
            if k not in found:
                bad = ~fn(frame)
                if bad.any():
                    found[k] = lo + int(np.argmax(bad))
        for k, fn in self.witnesses:
            if k not in found:
                good = fn(frame)
                if good.any():
                    found[k] = lo + int(np.argmax(good))

    def expand(self, ex: FastExploration, lo: int, hi: int, beyond: bool) -> Batch:
        """The successors of states lo..hi-1, with what this watch finds among them."""
        packed = self.packed
        frame = packed.frame(ex.search.states.data[lo:hi])  # type: ignore[arg-type]
        # labels and receiver choices are read only by kept steps and step rules
        x = packed.stepper.expand(frame, ex.fired, detail=ex.search.keep_edges or bool(self.rules))
        # per rule: the first row where a tagged step fires, and the first breaking step
        fires: list[int] = []
        breaks: list[int] = []
        if not beyond:
            for rule in self.rules:
                first_fire, first_break = _NONE, _NONE
                for block in x.blocks:
                    checks: list[tuple[str, npt.NDArray[np.bool_] | None]] = []
                    for act in block.acts:
                        if act.transition.tags & rule.tags:
                            # a block looked up in a table holds several actions: its labels tell them apart
                            sel = None if block.act is not None else block.labels == act.label
                            checks.append((packed.stepper.instance_names[act.instance], sel))
                    if block.act is not None:
                        for j, group in enumerate(block.act.receivers or ()):
                            for i, r in enumerate(group):
                                if r.transition.tags & rule.tags:
                                    checks.append((packed.stepper.instance_names[r.instance], block.choice[j] == i))
                    for iname, sel in checks:
                        rows = np.arange(len(block.rows)) if sel is None else np.flatnonzero(sel)
                        if not len(rows):
                            continue
                        first_fire = min(first_fire, int(block.rows[rows[0]]))
                        before_fn, after_fn = rule.fns[iname]
                        pre = frame.take(block.rows[rows])
                        post = packed.frame(block.words[rows], prev=pre)
                        ok = before_fn(pre) & after_fn(post)
                        if not ok.all():
                            first_break = min(first_break, int(block.pos[rows[np.argmax(~ok)]]))
                fires.append(first_fire)
                breaks.append(first_break)

        def commit(visited: int, expanding: bool) -> None:
            if expanding:
                for rule, fire, brk in zip(self.rules, fires, breaks, strict=True):
                    if fire < visited:
                        self.tag_fired.add(rule.index)
                    if brk != _NONE and rule.index not in self.found_step:
                        row = int(np.searchsorted(x.offsets, brk, side="right")) - 1
                        if row < visited:
                            assert x.labels is not None
                            self.found_step[rule.index] = (lo + row, int(x.labels[brk]), x.keys[brk].copy())
            if self.check_deadlock and self.deadlock is None:
                dead = np.flatnonzero(x.counts[:visited] == 0)
                if len(dead):
                    if self.terminal is not None:
                        dead = dead[~self.terminal(frame.take(dead))]
                    if len(dead):
                        self.deadlock = lo + int(dead[0])

        return Batch(x.counts, x.offsets, x.keys, x.labels, x.error, None, commit)


def safety_outcome(ex: FastExploration, w: Watch, k: int, p: Property, cov: Coverage) -> Outcome:
    """The outcome of state property or step rule number *k* (decided as the reference engine does)."""
    c = ex.compiled

    def step_trace(found: tuple[int, int, Any]) -> tuple[Trace, State, Label]:
        sid, lab, words = found
        label = ex.packed.stepper.labels.refs[lab]
        states, labels = ex.path(sid)
        return c.trace([*states, ex.packed.layout.unpack(words)], [*labels, label]), states[-1], label

    return decide(c, p, cov, complete=ex.complete, note=_note(ex), trace_of=ex.trace,
                  anywhere=lambda expr: _anywhere(ex, expr), state_hit=w.found_state.get(k),
                  step_hit=w.found_step.get(k), step_trace=step_trace, tag_fired=k in w.tag_fired, make=fast_outcome)


def deadlock_outcome(ex: FastExploration, w: Watch, cov: Coverage) -> Outcome:
    if w.deadlock is not None:
        tr = ex.trace(w.deadlock)
        return Outcome(property=DEADLOCK, kind=Kind.DEADLOCK, verdict=Verdict.VIOLATED, engine=ENGINE, coverage=cov,
                       trace=tr, message="a reachable state has no enabled transition and is not declared terminal",
                       breach=Breach(state=len(tr.steps)))
    return Outcome(property=DEADLOCK, kind=Kind.DEADLOCK, verdict=_open(ex), engine=ENGINE, coverage=cov,
                   message=_note(ex))


def _anywhere(ex: FastExploration, expr: object) -> bool:
    """True when some explored state satisfies *expr* (evaluated a batch at a time)."""
    fn = ex.packed.compiler.condition(expr, None)  # type: ignore[arg-type]
    words = ex.words()
    step = 1 << 20
    return any(bool(fn(ex.packed.frame(words[lo:lo + step])).any()) for lo in range(0, len(words), step))


def _open(ex: FastExploration) -> Verdict:
    return Verdict.HOLDS if ex.complete else Verdict.INCONCLUSIVE


def _note(ex: FastExploration) -> str:
    return "" if ex.complete else f"not decided: {ex.stopped} after {len(ex)} states"

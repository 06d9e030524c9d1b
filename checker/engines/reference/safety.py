"""State properties (``always``, ``sometimes``), step rules (``on_step``) and deadlock freedom,
decided while the state space is explored: a :class:`Watch` hooks into the search."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..._compile import Compiled, Label, State
from ...expr import Expr, to_text
from ...property import Always, OnStep, Property, Sometimes, antecedent
from ...result import DEADLOCK, Breach, Coverage, Kind, Outcome, Side, Trace, Verdict
from .common import ENGINE, budget_note, open_verdict, outcome, step_tags
from .explore import Exploration

__all__ = ["Watch", "decide", "deadlock_outcome", "safety_outcome", "step_rule_breach"]

StepCheck = tuple[int, Callable[[State], bool], Callable[[State, State], bool]]


@dataclass(slots=True)
class Watch:
    """What the search looks for, and what it found (by property index)."""

    compiled: Compiled
    invariants: list[tuple[int, Callable[[State], bool]]] = field(default_factory=list)
    witnesses: list[tuple[int, Callable[[State], bool]]] = field(default_factory=list)
    step_rules: list[tuple[int, frozenset[str], dict[str, tuple[Callable[[State], bool], Callable[[State, State], bool]]]]] = (
        field(default_factory=list))
    terminal: Callable[[State], bool] | None = None
    check_deadlock: bool = False
    #: property index -> the state id that breaks (or witnesses) it
    found_state: dict[int, int] = field(default_factory=dict)
    #: property index -> (state id, label, next state) of the step that breaks it
    found_step: dict[int, tuple[int, Label, State]] = field(default_factory=dict)
    tag_fired: set[int] = field(default_factory=set)
    deadlock: int | None = None
    _step_cache: dict[Label, list[StepCheck]] = field(default_factory=dict)

    @classmethod
    def of(cls, c: Compiled, props: list[Property], *, check_deadlock: bool) -> Watch:
        w = cls(c, check_deadlock=check_deadlock)
        system = c.system
        if system.terminal is not None:
            w.terminal = c.expr_fn(system.terminal, None)
        for k, p in enumerate(props):
            if isinstance(p, Always):
                w.invariants.append((k, c.expr_fn(p.expr, None)))
            elif isinstance(p, Sometimes):
                w.witnesses.append((k, c.expr_fn(p.expr, None)))
            elif isinstance(p, OnStep):
                fns = {
                    inst.name: (c.expr_fn(p.before, inst.name), c.step_fn(p.after, inst.name))
                    for inst in system.tagged_instances(p.tags)
                }
                w.step_rules.append((k, p.tags, fns))
        return w

    def on_new(self, sid: int, s: State) -> None:
        found = self.found_state
        for k, fn in self.invariants:
            if k not in found and not fn(s):
                found[k] = sid
        for k, fn in self.witnesses:
            if k not in found and fn(s):
                found[k] = sid

    def visit(self, sid: int, s: State, succ: Sequence[tuple[Label, State]], expanding: bool) -> bool:
        if not succ and self.check_deadlock and self.deadlock is None and self.compiled.expands(s):
            # (a state outside the system's constraint is never expanded: not a deadlock)
            if self.terminal is None or not self.terminal(s):
                self.deadlock = sid
        if expanding and self.step_rules:
            found = self.found_step
            for label, t in succ:
                checks = self._step_cache.get(label)
                if checks is None:
                    checks = self._checks_for(label)
                for k, before, after in checks:
                    self.tag_fired.add(k)
                    if k not in found and not (before(s) and after(s, t)):
                        found[k] = (sid, label, t)
        return False

    def _checks_for(self, label: Label) -> list[StepCheck]:
        out: list[StepCheck] = []
        fired = self.compiled.label_transitions(label)
        for k, tags, fns in self.step_rules:
            for iname, t in fired:
                if t.tags & tags:
                    before, after = fns[iname]
                    out.append((k, before, after))
        self._step_cache[label] = out
        return out


def safety_outcome(ex: Exploration, w: Watch, k: int, p: Property, cov: Coverage) -> Outcome:
    """The outcome of state property or step rule number *k* after the exploration."""
    c = ex.compiled

    def anywhere(expr: Expr) -> bool:
        fn = c.expr_fn(expr, None)
        return any(fn(s) for s in ex.states)

    def step_trace(found: tuple[int, Label, State]) -> tuple[Trace, State, Label]:
        sid, label, t = found
        states, labels = ex.search.path(sid)
        return c.trace([*states, t], [*labels, label]), states[-1], label

    return decide(c, p, cov, complete=ex.complete, note=budget_note(ex), trace_of=ex.trace, anywhere=anywhere,
                  state_hit=w.found_state.get(k), step_hit=w.found_step.get(k), step_trace=step_trace,
                  tag_fired=k in w.tag_fired, make=outcome)


Make = Callable[..., Outcome]


def decide(c: Compiled, p: Property, cov: Coverage, *, complete: bool, note: str, trace_of: Callable[[int], Trace],
           anywhere: Callable[[Expr], bool], state_hit: int | None, step_hit: Any,
           step_trace: Callable[[Any], tuple[Trace, State, Label]], tag_fired: bool, make: Make) -> Outcome:
    """The verdict of a state property or step rule from what a search found, in the words every
    explicit engine uses: *state_hit* is the state that breaks (or witnesses) it, *step_hit* the
    step that breaks a step rule (*step_trace* turns it into its trace, the state before and the
    step's label), *anywhere* says whether some explored state satisfies an expression."""
    open_verdict = Verdict.HOLDS if complete else Verdict.INCONCLUSIVE
    if isinstance(p, Always):
        if state_hit is not None:
            tr = trace_of(state_hit)
            where = "the initial state breaks it" if not tr.steps else f"the state after step {len(tr.steps)} breaks it"
            return make(p, Verdict.VIOLATED, cov, tr, where, breach=Breach(state=len(tr.steps)))
        warnings = []
        ante = antecedent(p.expr)
        if ante is not None and complete and not anywhere(ante):
            warnings.append(f"holds vacuously: no reachable state satisfies {to_text(ante)}")
        return make(p, open_verdict, cov, None, note, warnings)
    if isinstance(p, Sometimes):
        if state_hit is not None:
            return make(p, Verdict.HOLDS, cov, trace_of(state_hit), "witness: the last state satisfies it")
        if complete:
            return make(p, Verdict.VIOLATED, cov, None, f"no reachable state satisfies {to_text(p.expr)}")
        return make(p, Verdict.INCONCLUSIVE, cov, None, note)
    assert isinstance(p, OnStep)
    if step_hit is not None:
        tr, pre, label = step_trace(step_hit)
        message, breach = step_rule_breach(c, p, pre, label, len(tr.steps))
        return make(p, Verdict.VIOLATED, cov, tr, message, breach=breach)
    warnings = []
    if not tag_fired and complete:
        warnings.append(f"holds vacuously: no step tagged {', '.join(sorted(p.tags))} is ever taken")
    return make(p, open_verdict, cov, None, note, warnings)


def step_rule_breach(c: Compiled, p: OnStep, pre: State, label: Label, n: int) -> tuple[str, Breach]:
    """The message and breach of step *n* (*label*, from state *pre*) breaking the step rule *p*:
    which side of the rule it broke, in the words every engine uses."""
    insts = [i for i, t in c.label_transitions(label) if t.tags & p.tags]
    side = Side.BEFORE if any(not c.expr_fn(p.before, i)(pre) for i in insts) else Side.AFTER
    which = ("the state before it breaks the rule's before-condition" if side is Side.BEFORE
             else "it breaks the rule's after-condition")
    return (f"step {n} is tagged {'/'.join(sorted(p.tags & step_tags(c, label)))} and {which}",
            Breach(step=n, side=side))


def deadlock_outcome(ex: Exploration, w: Watch, cov: Coverage) -> Outcome:
    if w.deadlock is not None:
        tr = ex.trace(w.deadlock)
        return Outcome(property=DEADLOCK, kind=Kind.DEADLOCK, verdict=Verdict.VIOLATED, engine=ENGINE, coverage=cov,
                       trace=tr, message="a reachable state has no enabled transition and is not declared terminal",
                       breach=Breach(state=len(tr.steps)))
    return Outcome(property=DEADLOCK, kind=Kind.DEADLOCK, verdict=open_verdict(ex), engine=ENGINE, coverage=cov,
                   message=budget_note(ex))

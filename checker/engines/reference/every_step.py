"""``on_every_step`` (TLA+'s ``[][A]_v``; issue 9): a condition on every step, whatever it fires,
decided while the state space is explored (an :class:`EveryStep` hooks into the search as the
``on_step`` rules' :class:`~.safety.Watch` does).

A step that leaves the rule's subscript ``v`` as it was is exempt (by default ``v`` is every
variable: only a step that changes nothing is). The search goes depth by depth, so the first
broken step found ends a shortest counterexample; one found within a budget is real.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..._compile import Compiled, Label, State
from ...expr import to_text, unchanged
from ...property import OnEveryStep, Property, antecedent
from ...result import Breach, Coverage, Outcome, Side, Verdict
from .common import budget_note, open_verdict, outcome
from .explore import Exploration
from .search import Visit

__all__ = ["EveryStep"]

StepFn = Callable[[State, State], bool]


@dataclass(frozen=True, slots=True)
class _Rule:
    index: int  # the property's place among the checked ones
    prop: OnEveryStep
    holds: StepFn
    exempt: StepFn  # the step leaves the subscript unchanged
    premise: StepFn | None  # the left side of a top-level implies, for the vacuity warning


@dataclass(slots=True)
class EveryStep:
    """The ``on_every_step`` rules being checked, and what the search found (by property index)."""

    rules: list[_Rule] = field(default_factory=list)
    #: property index -> (state id, label, next state) of the first step that breaks it
    found: dict[int, tuple[int, Label, State]] = field(default_factory=dict)
    #: rules that met a step not exempt, and rules whose premise such a step met
    changing: set[int] = field(default_factory=set)
    met: set[int] = field(default_factory=set)

    @classmethod
    def of(cls, c: Compiled, props: Sequence[Property]) -> EveryStep:
        out = cls()
        for k, p in enumerate(props):
            if isinstance(p, OnEveryStep):
                exempt: StepFn = (_same if p.unless_unchanged is None
                                  else c.step_fn(unchanged(*p.unless_unchanged), None))
                ante = antecedent(p.after)
                out.rules.append(_Rule(k, p, c.step_fn(p.after, None), exempt,
                                       None if ante is None else c.step_fn(ante, None)))
        return out

    def chain(self, first: Visit[State, Label]) -> Visit[State, Label]:
        """A search visitor that runs *first*, then checks these rules on the popped state's steps."""
        def visit(sid: int, s: State, succ: Sequence[tuple[Label, State]], expanding: bool) -> bool:
            stop = first(sid, s, succ, expanding)
            if expanding:
                self.visit(sid, s, succ)
            return stop
        return visit

    def visit(self, sid: int, s: State, succ: Sequence[tuple[Label, State]]) -> None:
        found, changing, met = self.found, self.changing, self.met
        for label, t in succ:
            for r in self.rules:
                if r.exempt(s, t):
                    continue
                changing.add(r.index)
                if r.premise is not None and r.index not in met and r.premise(s, t):
                    met.add(r.index)
                if r.index not in found and not r.holds(s, t):
                    found[r.index] = (sid, label, t)

    def outcome(self, ex: Exploration, k: int, p: OnEveryStep, cov: Coverage) -> Outcome:
        """The outcome of rule number *k* (*p*) after the exploration."""
        step = self.found.get(k)
        if step is not None:
            sid, label, t = step
            states, labels = ex.search.path(sid)
            tr = ex.compiled.trace([*states, t], [*labels, label])
            n = len(tr.steps)
            return outcome(p, Verdict.VIOLATED, cov, tr, f"step {n} breaks the rule's condition",
                           breach=Breach(step=n, side=Side.AFTER))
        warnings = []
        if ex.complete:
            rule = next(r for r in self.rules if r.index == k)
            if k not in self.changing:
                what = ("anything" if p.unless_unchanged is None
                        else ", ".join(to_text(e) for e in p.unless_unchanged))
                warnings.append(f"holds vacuously: no step changes {what}")
            elif rule.premise is not None and k not in self.met:
                ante = antecedent(p.after)
                assert ante is not None
                warnings.append(f"holds vacuously: no step satisfies {to_text(ante)}")
        return outcome(p, open_verdict(ex), cov, None, budget_note(ex), warnings)


def _same(s: State, t: State) -> bool:
    return s == t

"""Bounded model checking on z3 (``--engine bmc``, issue 14).

The system is unrolled from its initial states one step at a time; after each step every open
property is asked of the new depth, so the first counterexample found is a shortest one (the same
length as the reference engine's breadth-first counterexample).

What the verdicts mean for this engine:

- ``violated``: the trace is a real counterexample, and a shortest one.
- ``holds`` only for ``sometimes``: the trace is a witness. An invariant, a step rule, an observer
  rule or deadlock freedom is never ``holds`` here: with no counterexample up to the depth bound it
  is ``inconclusive`` ("no violation up to depth k"). A missing witness is ``inconclusive`` too.
- ``leads_to`` is not decided (``inconclusive``): liveness needs the explicit engine.

What it cannot see: anything deeper than the bound (``Budget.max_depth``, else the engine's
``depth``). An update leaving its domain within the depth explored is the model error the
reference engine raises; deeper ones, and ones past the depth where every property was decided,
are not looked for (:func:`statebound.checker.lint.lint` flags updates that can leave their domain).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...machine import System
from ...result import DEADLOCK, Coverage, Kind, Outcome, Report, Verdict
from ..base import Budget, Progress
from ._encode import Encoding, Frame, Term
from ._goals import Goal, all_decided, bad, goals_of, is_liveness, liveness_note, observers_of, outcome, select, violation
from ._unroll import Clock, Forward, Unknown, sweep

__all__ = ["BmcEngine", "DEFAULT_DEPTH"]

#: the depth bound when the budget gives none
DEFAULT_DEPTH = 12


class BmcEngine:
    """Bounded model checking by increasing depth: shortest counterexamples, never ``holds`` for
    an invariant (see the module docstring for what each verdict claims).

    Parameters
    ----------
    depth : int
        The depth bound used when the budget has no ``max_depth``.
    """

    name = "bmc"

    def __init__(self, *, depth: int = DEFAULT_DEPTH) -> None:
        self.depth = depth

    def check(
        self,
        system: System,
        *,
        properties: Sequence[str] | None = None,
        budget: Budget = Budget(),
        progress: Progress | None = None,
    ) -> Report:
        """Check *system*'s properties up to the depth bound; see :class:`BmcEngine`."""
        clock = Clock(budget.timeout)
        props = select(system, properties)
        want_deadlock = system.check_deadlock and (properties is None or DEADLOCK in properties)
        goals = goals_of(system, [p for p in props if not is_liveness(p)], deadlock=want_deadlock)
        enc = Encoding(system, observers=observers_of(goals))
        bound = budget.max_depth if budget.max_depth is not None else self.depth
        decided: dict[str, Outcome] = {}
        found_at: dict[str, int] = {}
        open_goals = list(goals)
        stopped = f"depth bound ({bound}) reached"
        note = ""

        def decide(goal: Goal, model: Any, frames: Sequence[Frame]) -> None:
            states, labels = enc.path(model, frames)
            trace = enc.compiled.trace(states, labels)
            found_at[goal.name] = len(labels)
            cov = Coverage(depth=len(labels), seconds=clock.elapsed(), complete=False, stopped=None)
            if goal.kind is Kind.SOMETIMES:
                decided[goal.name] = outcome(goal, Verdict.HOLDS, self.name, cov, trace=trace,
                                             message="witness: the last state satisfies it")
            else:
                message, breach = violation(enc.compiled, goal, trace, labels)
                decided[goal.name] = outcome(goal, Verdict.VIOLATED, self.name, cov, trace=trace, message=message,
                                             breach=breach)
            open_goals.remove(goal)

        fw = Forward(enc, clock)
        reached = 0
        try:
            for d in range(bound + 1):
                if progress is not None:
                    progress(0, 0, d, len(open_goals))
                # an update leaving its domain (``None``) is the reference engine's model error
                state_goals: list[tuple[Goal | None, Term]] = [(None, enc.out_of_domain(fw.frames[d]))]
                state_goals += [(g, bad(enc, g, fw.frames[d])) for g in open_goals if not g.step]
                for hits, model in sweep(fw.check, fw.model, state_goals, fw.add):
                    if None in hits:
                        raise fw.domain_error(model, d)
                    for goal in hits:
                        assert goal is not None
                        decide(goal, model, fw.frames[: d + 1])
                reached = d
                if d == bound or not open_goals:
                    break
                fw.extend()
                if not fw.check():
                    note = f" (no execution is longer than {d} steps)"
                    break
                step_goals = [(g, bad(enc, g, fw.frames[d], fw.frames[d + 1])) for g in open_goals if g.step]
                for found, model in sweep(fw.check, fw.model, step_goals, fw.add):
                    for goal in found:
                        decide(goal, model, fw.frames[: d + 2])
        except Unknown as why:
            stopped = why.reason
            note = f" ({why.reason})"
        if not open_goals:
            stopped = all_decided(props)
        cov = Coverage(depth=reached, seconds=clock.elapsed(), complete=False, stopped=stopped)
        outcomes: list[Outcome] = []
        by_name = {g.name: g for g in goals}
        for p in props:
            if is_liveness(p):
                outcomes.append(Outcome(property=p.name, kind=Kind(p.kind), verdict=Verdict.INCONCLUSIVE,
                                        engine=self.name, coverage=cov, message=liveness_note(p)))
                continue
            outcomes.append(self._open(by_name[p.name], decided, cov, reached, note))
        if want_deadlock:
            outcomes.append(self._open(by_name[DEADLOCK], decided, cov, reached, note))
        return Report(system=system.name, params=system.params, outcomes=tuple(outcomes), coverage=cov)

    def _open(self, goal: Goal, decided: dict[str, Outcome], cov: Coverage, reached: int, note: str) -> Outcome:
        if goal.name in decided:
            return decided[goal.name]
        what = "witness" if goal.kind is Kind.SOMETIMES else "violation"
        return outcome(goal, Verdict.INCONCLUSIVE, self.name, cov,
                       message=f"not decided: no {what} up to depth {reached}{note}")

"""``--engine auto``: the engine a user gets without choosing one.

It explores with the fast engine where the model packs (else the reference engine), then hands
what exploration left undecided among invariants, step rules, observers and deadlock freedom to
k-induction on z3. Each outcome's ``engine`` says which engine decided it; nothing undecided
becomes ``holds``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from ..errors import InputError
from ..machine import System
from ..result import Kind, Report, Verdict
from .base import Budget, Progress
from .fast import check, unsupported
from .reference import ReferenceEngine

__all__ = ["AutoEngine"]


class AutoEngine:
    """``--engine auto``: the fast engine where it applies, else the reference engine; then, for the
    invariants, step rules, observers and deadlock freedom that exploration left ``inconclusive``
    (a space too large for the budget), k-induction and PDR on z3 when z3 is installed. Each
    outcome's ``engine`` says which engine decided it; nothing undecided becomes ``holds``."""

    name = "auto"

    def check(self, system: System, *, properties: Sequence[str] | None = None, budget: Budget = Budget(),
              progress: Progress | None = None) -> Report:
        started = time.perf_counter()
        if unsupported(system) is None:
            report = check(system, properties=properties, budget=budget, progress=progress)
        else:
            report = ReferenceEngine().check(system, properties=properties, budget=budget, progress=progress)
        return _escalate(system, report, budget, started)


#: what the induction engine can decide
_PROVABLE = frozenset({Kind.ALWAYS, Kind.STEP, Kind.NEVER_AFTER, Kind.DEADLOCK})


def _escalate(system: System, report: Report, budget: Budget, started: float) -> Report:
    """*report* with its undecided safety outcomes decided by induction where it can."""
    open_ = [o.property for o in report.outcomes if o.verdict is Verdict.INCONCLUSIVE and o.kind in _PROVABLE]
    left = None if budget.timeout is None else budget.timeout - (time.perf_counter() - started)
    if not open_ or (left is not None and left <= 0):
        return report
    try:
        from .symbolic import InductionEngine
    except ModuleNotFoundError:  # z3 is an extra: without it, exploration's answer stands
        return report
    try:
        proved = InductionEngine().check(system, properties=open_, budget=replace(budget, timeout=left))
    except InputError:  # a construct the symbolic engines do not translate
        return report
    decided = {o.property: o for o in proved.outcomes if o.verdict is not Verdict.INCONCLUSIVE}
    outcomes = tuple(decided.get(o.property, o) for o in report.outcomes)
    return replace(report, outcomes=outcomes)

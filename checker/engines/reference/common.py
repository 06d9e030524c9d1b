"""Small pieces the reference engine's analyses share: outcomes, budget notes, step tags."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..._compile import Compiled, Label
from ...property import Property
from ...result import Breach, Coverage, Kind, Outcome, Trace, Verdict

if TYPE_CHECKING:
    from .explore import Exploration

#: the name outcomes of this engine carry, and ``--engine`` selects
ENGINE = "explicit"


def outcome(p: Property, verdict: Verdict, cov: Coverage, trace: Trace | None, message: str,
            warnings: Iterable[str] = (), *, breach: Breach | None = None) -> Outcome:
    return Outcome(property=p.name, kind=Kind(p.kind), verdict=verdict, engine=ENGINE, coverage=cov, trace=trace,
                   message=message, warnings=tuple(warnings), breach=breach)


def open_verdict(ex: Exploration) -> Verdict:
    """HOLDS after a complete search that found nothing, else INCONCLUSIVE."""
    return Verdict.HOLDS if ex.complete else Verdict.INCONCLUSIVE


def budget_note(ex: Exploration) -> str:
    return "" if ex.complete else f"not decided: {ex.stopped} after {len(ex)} states"


def step_tags(c: Compiled, label: Label) -> frozenset[str]:
    return frozenset(tag for _, t in c.label_transitions(label) for tag in t.tags)


def tagged(c: Compiled, label: Label, tags: frozenset[str]) -> list[str]:
    """Instances that fired a transition carrying one of *tags* in the step *label*."""
    return [iname for iname, t in c.label_transitions(label) if t.tags & tags]


def when(k: int) -> str:
    return "in the initial state" if k == 0 else f"after step {k}"

"""The reference engine: explicit-state breadth-first exploration with shortest counterexamples.

``holds`` here means that every reachable state and every step of the model was examined (for
``leads-to`` and the temporal properties of issue 9: every fair execution, by an analysis of the
whole state graph). When a budget stops
the search first, what it has not decided is ``inconclusive`` with the coverage reached: an
invariant or step rule violated within the part explored is still ``violated`` (its trace is
real), and a ``sometimes`` whose witness was found still ``holds``; nothing else ``holds``.

This engine is the oracle the others are tested against, so it stays simple: one budgeted search
(:mod:`.search`) and the analyses built on it, state properties and step rules (:mod:`.safety`),
the ``never_after`` observer product (:mod:`.observer`), liveness (:mod:`.liveness`), the
temporal properties built on it (:mod:`.temporal`) and ``on_every_step`` (:mod:`.every_step`). Its
speed comes from compiling every expression once (:mod:`statebound.checker._compile`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from ..._compile import DeadlineReached, compile_system
from ...errors import InputError, suggest
from ...machine import System
from ...property import LeadsTo, NeverAfter, OnEveryStep, Property
from ...result import DEADLOCK, Coverage, Kind, Outcome, Report, Verdict
from ..base import Budget, Progress
from .common import ENGINE, outcome
from .every_step import EveryStep
from .explore import Exploration, explore, run_exploration
from .liveness import check_leads_to
from .observer import check_never_after
from .safety import Watch, deadlock_outcome, safety_outcome
from .temporal import TEMPORAL, check_temporal

__all__ = ["ENGINE", "Exploration", "ReferenceEngine", "check", "explore"]


class ReferenceEngine:
    """The :class:`~statebound.checker.engines.Engine` of this module (``--engine explicit``)."""

    name = ENGINE

    def check(self, system: System, *, properties: Sequence[str] | None = None, budget: Budget = Budget(),
              progress: Progress | None = None) -> Report:
        return check(system, properties=properties, budget=budget, progress=progress)


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
        Limits; an exhausted budget gives ``inconclusive`` for what was not yet decided. The
        timeout bounds the whole check, the analyses after the exploration included.
    properties : sequence of str, optional
        Names of the properties to check (``deadlock-free`` included); all by default.

    Returns
    -------
    Report
        One :class:`Outcome` per property, in declaration order, deadlock freedom last.
    """
    started = time.perf_counter()
    deadline = started + budget.timeout if budget.timeout is not None else None
    props = select(system, properties)
    want_deadlock = system.check_deadlock and (properties is None or DEADLOCK in properties)
    try:
        c = compile_system(system, deadline=deadline)
    except DeadlineReached as stop:
        return _out_of_time_compiling(system, props, want_deadlock, budget, stop, time.perf_counter() - started)
    w = Watch.of(c, props, check_deadlock=want_deadlock)
    steps = EveryStep.of(c, props)  # on_every_step rules (issue 9)
    need_edges = any(isinstance(p, (LeadsTo, NeverAfter, *TEMPORAL)) for p in props)
    ex = run_exploration(c, budget=budget, keep_edges=need_edges, progress=progress, deadline=deadline,
                         on_new=w.on_new if (w.invariants or w.witnesses) else None,
                         visit=steps.chain(w.visit) if steps.rules else w.visit)
    cov = ex.coverage()
    outcomes: list[Outcome] = []
    for k, p in enumerate(props):
        if isinstance(p, (NeverAfter, LeadsTo, *TEMPORAL)) and deadline is not None and time.perf_counter() >= deadline:
            outcomes.append(outcome(p, Verdict.INCONCLUSIVE, replace(cov, complete=False, stopped=_timeout(budget)), None,
                                    f"not decided: {_timeout(budget)} before it was checked"))
        elif isinstance(p, NeverAfter):
            outcomes.append(check_never_after(c, p, budget, deadline, ex))
        elif isinstance(p, LeadsTo):
            outcomes.append(check_leads_to(ex, p, cov, deadline))
        elif isinstance(p, TEMPORAL):
            outcomes.append(check_temporal(ex, p, cov, deadline))
        elif isinstance(p, OnEveryStep):
            outcomes.append(steps.outcome(ex, k, p, cov))
        else:
            outcomes.append(safety_outcome(ex, w, k, p, cov))
    if want_deadlock:
        outcomes.append(deadlock_outcome(ex, w, cov))
    return Report(system=system.name, params=system.params, outcomes=tuple(outcomes), coverage=cov)


def _out_of_time_compiling(system: System, props: list[Property], want_deadlock: bool, budget: Budget,
                           stop: DeadlineReached, seconds: float) -> Report:
    """Every property inconclusive: the timeout ran out while compiling, before exploring began."""
    why = f"{_timeout(budget)} while compiling the model ({stop.done} of {stop.total} instances)"
    cov = Coverage(seconds=seconds, complete=False, stopped=why)
    outcomes = [outcome(p, Verdict.INCONCLUSIVE, cov, None, f"not decided: {why}") for p in props]
    if want_deadlock:
        outcomes.append(Outcome(property=DEADLOCK, kind=Kind.DEADLOCK, verdict=Verdict.INCONCLUSIVE, engine=ENGINE,
                                coverage=cov, message=f"not decided: {why}"))
    return Report(system=system.name, params=system.params, outcomes=tuple(outcomes), coverage=cov)


def _timeout(budget: Budget) -> str:
    return f"timeout ({budget.timeout:g} s) reached"


def select(system: System, names: Sequence[str] | None) -> list[Property]:
    """The properties of *system* named in *names* (all when None); an unknown name is an InputError."""
    if names is None:
        return list(system.properties)
    known = [p.name for p in system.properties] + ([DEADLOCK] if system.check_deadlock else [])
    bad = [n for n in names if n not in known]
    if bad:
        raise InputError(
            f"--property {bad[0]!r}: no such property in {system.name}; "
            + suggest(bad[0], known, default="properties: " + ", ".join(known))
        )
    return [p for p in system.properties if p.name in names]

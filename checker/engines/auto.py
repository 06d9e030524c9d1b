"""``--engine auto``, the default of ``statebound check``: which engine decides what, so that a user
who does not choose an engine gets the cheapest one that answers (issues 13 and 14).

The policy, in order, each step on what the steps before it left ``inconclusive``:

1. **small**: the reference engine (``explicit``) under a cap of :data:`SMALL_STATES` states. It
   starts in no time (no numpy, nothing compiled to arrays), so a space within the cap is decided
   here, completely, and nothing else runs.
2. **large**: when the cap stopped exploration, the fast engine where the model packs (else the
   reference engine again) under the user's budget, on the properties still open.
3. **induction**: invariants, step rules, ``never_after`` observers and deadlock freedom that
   exploration could not decide (a space too large for the budget) go to k-induction and PDR on
   z3, with the user's lemmas (``--lemma``): within the timeout when there is one, else for at
   most as long as exploration took and :data:`PROVE_MIN_SECONDS` at least (a proof that needs
   longer is asked for with ``--engine induction`` or a ``--timeout``).
4. **bmc**: what is still open is searched for a violation deeper than exploration reached, by
   bounded model checking up to :data:`BMC_EXTRA_DEPTH` steps beyond that depth, with at most as
   much time as the steps before took (:data:`BMC_MIN_SECONDS` at least), within the budget.

The cap was measured (``docs/architecture.md``, "The default engine"): the fast engine's start-up
(numpy, packing and compiling the model) costs 0.15-0.4 s, which the reference engine's search
repays at about 10,000 states (scalable model N=4, 10,768 states: 0.12 s reference vs 0.16 s
fast; Phase 3 ``after --param chats=2``, 7,196 states: 0.31 s vs 0.34 s), and exploring 10,000
states of a larger model costs the reference engine 0.07-0.35 s, the most a large model pays for
trying small first.

What ``holds`` means: what it means for the engine that decided the outcome, named in its
``engine`` field (``explicit`` or ``fast``: every reachable state examined; ``induction``: proved
for every reachable state; ``bmc`` decides only violations and witnesses). Nothing undecided
becomes ``holds``: only a proof, a real counterexample or a real witness replaces an
``inconclusive`` outcome. The budget covers the whole policy: ``timeout`` is for all the steps
together; ``max_states`` and ``max_depth`` bound each exploration (the small step stops at the
smaller of the cap and ``max_states``); ``max_depth`` also bounds induction's k and bmc's depth.
``max_memory_mb`` is kept by the fast engine itself; the policy goes on to a next step only while
the process is within it, and the reference engine is stopped by its progress reports once over it
(the outcomes the steps before decided stand; the rest stay ``inconclusive``, saying why). Without
z3 installed, steps 3 and 4 are skipped and exploration's answer stands.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ..errors import InputError
from ..machine import System
from ..result import Kind, Outcome, Report, Verdict
from .base import Budget, MemoryLimitReached, Progress, resident_mb, watch_memory

if TYPE_CHECKING:
    from ..property import Always

__all__ = ["AutoEngine", "SMALL_STATES", "BMC_EXTRA_DEPTH", "BMC_MIN_SECONDS", "PROVE_MIN_SECONDS"]

#: the states the reference engine explores before the fast engine takes over (measured: see above)
SMALL_STATES = 10_000
#: how many steps beyond the depth exploration reached bmc looks for a violation
BMC_EXTRA_DEPTH = 8
#: bmc may take as long as the steps before it, and at least this many seconds (within the timeout)
BMC_MIN_SECONDS = 1.0
#: without a timeout, induction may take as long as exploration did, and at least this many seconds
PROVE_MIN_SECONDS = 30.0

#: what the induction engine (and bmc) can decide
_PROVABLE = frozenset({Kind.ALWAYS, Kind.STEP, Kind.NEVER_AFTER, Kind.DEADLOCK})


class AutoEngine:
    """``--engine auto``: the reference engine on a small space, the fast engine on a large one,
    then k-induction and bounded model checking on z3 for what exploration left undecided (see the
    module docstring for the policy and what each verdict claims).

    Parameters
    ----------
    lemmas : sequence of Always
        Auxiliary invariants for the induction step: proved first, then assumed
        (:class:`~statebound.checker.engines.symbolic.InductionEngine`).
    small_states : int
        The cap of the first, reference-engine exploration; 0 skips that step (the fast engine,
        where the model packs, explores first).
    """

    name = "auto"

    def __init__(self, *, lemmas: Sequence[Always] = (), small_states: int = SMALL_STATES) -> None:
        self.lemmas = tuple(lemmas)
        self.small_states = small_states

    def check(self, system: System, *, properties: Sequence[str] | None = None, budget: Budget = Budget(),
              progress: Progress | None = None) -> Report:
        from .reference import ReferenceEngine

        started = time.perf_counter()
        if self.small_states <= 0:
            report = _explore_large(system, properties, budget, progress)
            return self._escalate(system, report, budget, started)
        cap = self.small_states if budget.max_states is None else min(self.small_states, budget.max_states)
        small = replace(budget, max_states=cap)
        # the reference engine does not watch its memory: its progress reports do (no report: stopped)
        report = ReferenceEngine().check(system, properties=properties, budget=small,
                                         progress=watch_memory(progress, budget))
        try:
            if _capped(report, cap, budget):
                left = _left(budget, started)
                if left is None or left > 0:
                    _check_memory(budget)
                    report = _merge(report, _explore_large(system, _open(report, None),
                                                            replace(budget, timeout=left), progress), explored=True)
        except MemoryLimitReached as over:
            return _out_of_memory(report, over)
        return self._escalate(system, report, budget, started)

    def _escalate(self, system: System, report: Report, budget: Budget, started: float) -> Report:
        """Steps 3 and 4: induction, then bmc, on what exploration left open (nothing open:
        nothing to do, and no memory limit to look at)."""
        if not _open(report, _PROVABLE | {Kind.SOMETIMES}):
            return report
        try:
            _check_memory(budget)
            report = self._prove(system, report, budget, started)
            _check_memory(budget)
            return _search_deeper(system, report, budget, started)
        except MemoryLimitReached as over:
            return _out_of_memory(report, over)

    def _prove(self, system: System, report: Report, budget: Budget, started: float) -> Report:
        """*report* with its undecided safety outcomes decided by induction where it can."""
        open_ = _open(report, _PROVABLE)
        left = _left(budget, started)
        if not open_ or (left is not None and left <= 0):
            return report
        if left is None:  # no timeout: not an unbounded proof search after a bounded exploration
            left = max(time.perf_counter() - started, PROVE_MIN_SECONDS)
        try:
            from .symbolic import InductionEngine
        except ModuleNotFoundError:  # z3 is an extra: without it, exploration's answer stands
            return report
        lemmas = [lemma for lemma in self.lemmas if lemma.name not in open_]  # a checked one is a lemma already
        try:
            proved = InductionEngine(lemmas=lemmas).check(system, properties=open_, budget=replace(budget, timeout=left))
        except InputError:  # a construct the symbolic engines do not translate
            return report
        return _merge(report, proved)


def _check_memory(budget: Budget) -> None:
    """Raise :class:`MemoryLimitReached` when the process is already over the budget's memory."""
    used = resident_mb() if budget.max_memory_mb is not None else None
    if used is not None and budget.max_memory_mb is not None and used > budget.max_memory_mb:
        raise MemoryLimitReached(used, budget.max_memory_mb)


def _out_of_memory(report: Report, over: MemoryLimitReached) -> Report:
    """*report*, the last one complete, saying that the memory limit stopped the policy there: each
    undecided outcome says so; the coverage (of the exploration) says so only when the limit cut
    the exploration itself short (a complete exploration stays complete)."""
    why = f"memory limit ({over.limit_mb} MB) reached"
    note = f"not decided further: {over}"
    outcomes = tuple(replace(o, warnings=(*o.warnings, note)) if o.verdict is Verdict.INCONCLUSIVE else o
                     for o in report.outcomes)
    coverage = report.coverage if report.coverage.complete else replace(report.coverage, stopped=why)
    return replace(report, outcomes=outcomes, coverage=coverage)


def _left(budget: Budget, started: float) -> float | None:
    """The seconds left of the budget's timeout (None: no timeout)."""
    return None if budget.timeout is None else budget.timeout - (time.perf_counter() - started)


def _capped(report: Report, cap: int, budget: Budget) -> bool:
    """Whether the small exploration stopped at the cap (not at one of the user's own limits)
    with something still open."""
    mine = budget.max_states is None or cap < budget.max_states
    return mine and not report.coverage.complete and report.coverage.states >= cap and bool(_open(report, None))


def _open(report: Report, kinds: frozenset[Kind] | None) -> list[str]:
    """The properties of *report* still undecided (of *kinds*, when given)."""
    return [o.property for o in report.outcomes
            if o.verdict is Verdict.INCONCLUSIVE and (kinds is None or o.kind in kinds)]


def _explore_large(system: System, names: Sequence[str] | None, budget: Budget, progress: Progress | None) -> Report:
    """Explore again under the user's budget: with the fast engine where the model packs."""
    from .fast import check, unsupported
    from .reference import ReferenceEngine

    if unsupported(system) is None:
        try:
            return check(system, properties=names, budget=budget, progress=progress)
        except InputError:  # a construct the fast engine refuses after all: the reference engine decides
            pass
    # the reference engine does not watch its memory: stopped by the progress callback instead
    return ReferenceEngine().check(system, properties=names, budget=budget, progress=watch_memory(progress, budget))


def _merge(report: Report, later: Report, *, explored: bool = False) -> Report:
    """*report* with each outcome *later* decided (a proof, a counterexample, a witness) in its
    place. When *later* is the exploration under the user's budget (*explored*), its coverage and
    its undecided outcomes (which say which of the user's limits stopped it) replace the small
    exploration's too."""
    if explored:
        again = {o.property: o for o in later.outcomes}
        outcomes = tuple(again.get(o.property, o) if o.verdict is Verdict.INCONCLUSIVE else o for o in report.outcomes)
        return replace(report, outcomes=outcomes, coverage=later.coverage)
    decided = {o.property: o for o in later.outcomes if o.verdict is not Verdict.INCONCLUSIVE}
    return replace(report, outcomes=tuple(decided.get(o.property, o) for o in report.outcomes))


def _search_deeper(system: System, report: Report, budget: Budget, started: float) -> Report:
    """Bounded model checking beyond the depth exploration reached, for what is still open, when
    there is time for it (see the module docstring)."""
    open_ = _open(report, _PROVABLE | {Kind.SOMETIMES})
    if not open_ or report.coverage.complete:
        return report
    depth = report.coverage.depth + BMC_EXTRA_DEPTH
    if budget.max_depth is not None:
        depth = min(depth, budget.max_depth)
    spent = time.perf_counter() - started
    left = _left(budget, started)
    seconds = max(spent, BMC_MIN_SECONDS) if left is None else min(left, max(spent, BMC_MIN_SECONDS))
    if depth <= report.coverage.depth or seconds <= 0:
        return report
    try:
        from .symbolic import BmcEngine
    except ModuleNotFoundError:
        return report
    try:
        found = BmcEngine(depth=depth).check(system, properties=open_,
                                             budget=replace(budget, max_depth=depth, timeout=seconds))
    except InputError:
        return report
    decided = {o.property: o for o in found.outcomes if _is_found(o)}
    return replace(report, outcomes=tuple(decided.get(o.property, o) for o in report.outcomes))


def _is_found(o: Outcome) -> bool:
    """A real counterexample or witness: bmc's only decisions."""
    return o.verdict is Verdict.VIOLATED or (o.kind is Kind.SOMETIMES and o.verdict is Verdict.HOLDS)

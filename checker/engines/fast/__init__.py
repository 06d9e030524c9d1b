"""The fast explicit engine: breadth-first search over packed states, a whole frontier at a time.

``holds`` here means what it means for the reference engine (``--engine explicit``): every
reachable state and every step of the model was examined (for ``leads-to``: every fair execution,
by an analysis of the whole state graph). The verdicts, the counterexamples (shortest, and the
very same traces), the coverage and the messages are the reference engine's; only the cost
differs (issue 13). When a budget stops the search, what it has not decided is ``inconclusive``
with the coverage reached; the budget includes a memory limit (``Budget.max_memory_mb``; by
default 90% of the memory available when the check starts), so the engine stops with
``inconclusive`` instead of being killed. The timeout is checked before every batch of the search
(batches shrink as the deadline approaches) and throughout the analyses after it, so the engine
stops within a small batch of its deadline rather than a whole one (issue 13).

How: every variable is a bit field of a 64-bit word (:mod:`._layout`); guards, updates and
properties are compiled from the same expression trees to numpy over a whole batch of states
(:mod:`._vexpr`, :mod:`._step`); the visited set is a vectorised hash table of 32-bit state
numbers (:mod:`._visited`); the search (:mod:`._search`) numbers states exactly as the reference
engine does. ``never_after`` observers search the product on the kept steps (:mod:`._observer`);
``leads_to`` finds fair strongly connected components with :mod:`scipy.sparse.csgraph`
(:mod:`._liveness`). Traces are rebuilt from parent links with the reference engine's compiled
system, so they read exactly like the reference engine's.

Symmetry (:mod:`._symmetry`): for a family declared ``symmetric=True`` whose members the model
and the checked properties really cannot tell apart, the search stores one canonical state per
orbit; ``holds`` then means the same (every reachable state is in the orbit of one examined),
counterexamples are still concrete shortest executions of the unreduced model (not the
reference's very traces), ``Coverage.states`` counts canonical states and
``Coverage.represented`` the states they stand for. Otherwise the coverage says why it did not
reduce (docs/symmetry.md).

It cannot see anything the reference engine sees and it does not; a model it cannot pack (an Int
domain wider than 62 bits, arithmetic beyond 64 bits) is an :class:`~...errors.InputError` that
says so (``--engine auto``, :mod:`..auto`, then uses the reference engine instead).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from ..._compile import compile_system
from ...errors import InputError
from ...machine import System
from ...property import LeadsTo, NeverAfter, Property
from ...result import DEADLOCK, Coverage, Outcome, Report, Verdict
from ..base import Budget, Progress
from ..reference import select
from ._explore import FastExploration, Packed
from ._layout import Unsupported
from ._liveness import check_leads_to
from ._observer import check_never_after
from ._safety import ENGINE, Watch, deadlock_outcome, fast_outcome, safety_outcome
from ._search import Batch, DomainErrorAt, Search, current_rss
from ._symmetry import Symmetry, refusal

__all__ = ["ENGINE", "FastEngine", "check", "explore", "unsupported", "FastExploration", "symmetry_for"]


class FastEngine:
    """The :class:`~statebound.checker.engines.Engine` of this module (``--engine fast``)."""

    name = ENGINE

    def check(self, system: System, *, properties: Sequence[str] | None = None, budget: Budget = Budget(),
              progress: Progress | None = None) -> Report:
        return check(system, properties=properties, budget=budget, progress=progress)


def unsupported(system: System) -> str | None:
    """Why the fast engine cannot check *system*, or None when it can."""
    try:
        Packed(system, compile_system(system))
    except Unsupported as err:
        return str(err)
    return None


@contextmanager
def paused_gc() -> Iterator[None]:
    """No garbage collection while exploring: the search makes few objects and no cycles, and a
    collection pass over a large heap costs more than the search itself (issue 13)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def memory_limit(budget: Budget) -> tuple[int | None, str]:
    """The memory limit in bytes and how to name it: ``Budget.max_memory_mb``, else 90% of what this
    process uses plus what the machine has available (Linux), else none."""
    mb = getattr(budget, "max_memory_mb", None)
    if mb is not None:
        return mb * 1024 * 1024, f"{mb} MB"
    try:
        with open("/proc/meminfo") as f:
            info = dict(line.split(":", 1) for line in f)
        available = int(info["MemAvailable"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None, ""
    limit = int(((current_rss() or 0) + available) * 0.9)
    return limit, f"{limit // (1024 * 1024)} MB, 90% of the memory available"


def _pack(system: System) -> Packed:
    c = compile_system(system)
    try:
        return Packed(system, c)
    except Unsupported as err:
        raise InputError(f"--engine fast cannot check {system.name}: {err}; use --engine explicit") from err


def explore(system: System, *, budget: Budget = Budget(), keep_edges: bool = False,
            progress: Progress | None = None, symmetry: bool = False) -> FastExploration:
    """Explore the reachable states of *system* breadth-first, as
    :func:`statebound.checker.explore` does (same numbering), over packed states.

    With *symmetry* (and no *keep_edges*), the symmetric families that the model cannot tell
    apart are reduced (:func:`symmetry_for`): the states are then canonical."""
    packed = _pack(system)
    sym, note = symmetry_for(packed, system.properties) if symmetry and not keep_edges else (None, None)
    return run_exploration(packed, budget=budget, keep_edges=keep_edges, progress=progress, symmetry=sym,
                           symmetry_note=note)


def symmetry_for(packed: Packed, props: Sequence[Property]) -> tuple[Symmetry | None, str | None]:
    """The reduction to use for *packed* while checking *props*, and what the coverage says about
    it: (None, None) without a symmetric family; (None, why not) when it would be unsound."""
    system = packed.system
    declared = [f.name for f in system.families if f.symmetric]
    if not declared:
        return None, None
    why = refusal(system, props)
    if why is None:
        try:
            sym = Symmetry(system, packed.layout, declared)
        except ValueError as err:
            why = str(err)
        else:
            if not sym:
                return None, "symmetry: not reduced: the symmetric families have no state to permute"
            names = ", ".join(f"{n} ({system.family(n).n} members)" for n in sym.names)
            return sym, f"symmetry: reduced over {names}; states are canonical states, one per orbit"
    return None, f"symmetry: not reduced (explored unreduced): {why}"


def run_exploration(packed: Packed, *, budget: Budget, keep_edges: bool, progress: Progress | None = None,
                    deadline: float | None = None, watch: Watch | None = None, symmetry: Symmetry | None = None,
                    symmetry_note: str | None = None) -> FastExploration:
    if deadline is None and budget.timeout is not None:
        deadline = time.perf_counter() + budget.timeout
    limit, label = memory_limit(budget)
    search = Search(packed.layout.width, budget, deadline=deadline, keep_edges=keep_edges, memory_limit=limit,
                    memory_label=label, top_bit_free=packed.layout.top_bit_free)
    ex = FastExploration(packed, search, symmetry, symmetry_note)
    w = watch if watch is not None else Watch(packed)
    initial = packed.initial()

    def expand(lo: int, hi: int, beyond: bool) -> Batch:
        return w.expand(ex, lo, hi, beyond)

    if symmetry is not None:
        assert not keep_edges, "a reduced search keeps no edges (liveness runs unreduced)"
        initial = symmetry.canonical(initial)

        def expand(lo: int, hi: int, beyond: bool) -> Batch:
            # only the keys the visited set sees become canonical: what the watch kept of the batch
            # (a step rule's breaking step) stays the concrete successor of a stored state
            b = w.expand(ex, lo, hi, beyond)
            return replace(b, keys=symmetry.canonical(b.keys))

    with paused_gc():
        try:
            search.run(initial, expand, on_new=lambda lo, hi: w.on_new(search, lo, hi), progress=progress)
        except DomainErrorAt as err:
            raise ex.domain_error(err.sid) from None
    if search.complete:
        search.states.trim()
        search.parent.trim()
    return ex


def check(
    system: System,
    *,
    budget: Budget = Budget(),
    properties: Sequence[str] | None = None,
    progress: Progress | None = None,
) -> Report:
    """Check *system*'s properties (and deadlock freedom) as the reference engine does, faster.

    Parameters and result are those of :func:`statebound.checker.check`; outcomes name the engine
    ``fast``. Raises :class:`~statebound.checker.errors.InputError` for a model the fast engine
    cannot pack (see :func:`unsupported`).
    """
    started = time.perf_counter()
    deadline = started + budget.timeout if budget.timeout is not None else None
    props = select(system, properties)
    want_deadlock = system.check_deadlock and (properties is None or DEADLOCK in properties)
    packed = _pack(system)
    try:
        w = Watch.of(packed, props, check_deadlock=want_deadlock)
        for p in props:  # compiled after the search: refuse them before it
            if isinstance(p, LeadsTo):
                packed.compiler.condition(p.p, None)
                packed.compiler.condition(p.q, None)
    except Unsupported as err:  # an expression beyond the packed compiler (e.g. % on variables)
        raise InputError(f"--engine fast cannot check {system.name}: {err}; use --engine explicit") from err
    need_edges = any(isinstance(p, (LeadsTo, NeverAfter)) for p in props)
    sym, note = symmetry_for(packed, props)
    ex = run_exploration(packed, budget=budget, keep_edges=need_edges, progress=progress, deadline=deadline, watch=w,
                         symmetry=sym, symmetry_note=note)
    cov = ex.coverage()
    try:
        outcomes = _decide(ex, w, props, budget, deadline, cov, want_deadlock)
    except Unsupported as err:  # an observer's until-condition beyond the packed compiler
        raise InputError(f"--engine fast cannot check {system.name}: {err}; use --engine explicit") from err
    return Report(system=system.name, params=system.params, outcomes=tuple(outcomes), coverage=cov)


def _decide(ex: FastExploration, w: Watch, props: Sequence[Property], budget: Budget, deadline: float | None,
            cov: Coverage, want_deadlock: bool) -> list[Outcome]:
    outcomes: list[Outcome] = []
    with paused_gc():
        for k, p in enumerate(props):
            if isinstance(p, (NeverAfter, LeadsTo)) and deadline is not None and time.perf_counter() >= deadline:
                why = f"timeout ({budget.timeout:g} s) reached"
                outcomes.append(fast_outcome(p, Verdict.INCONCLUSIVE, replace(cov, complete=False, stopped=why), None,
                                             f"not decided: {why} before it was checked"))
            elif isinstance(p, NeverAfter):
                outcomes.append(check_never_after(ex, p, budget, deadline))
            elif isinstance(p, LeadsTo):
                outcomes.append(check_leads_to(ex, p, cov, deadline))
            else:
                outcomes.append(safety_outcome(ex, w, k, p, cov))
        if want_deadlock:
            outcomes.append(deadlock_outcome(ex, w, cov))
    return outcomes

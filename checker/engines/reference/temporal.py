"""``infinitely_often``, ``eventually_always`` and ``eventually`` (issue 9): fair lassos on the
explored state graph, built on the ``leads_to`` analysis of :mod:`.liveness`.

Each is TLA+'s formula under the system's fairness (``WF_vars``/``SF_vars``: a step that changes
nothing neither takes nor enables a fair transition), and a counterexample is a fair execution:

- ``infinitely_often(p)`` (``[]<>p``) is ``leads_to(TRUE, p)``: it fails when some reachable
  state reaches a fair end (a fair cycle, or a state where the execution may stop) inside not-p;
- ``eventually(p)`` (``<>p``) fails when an initial state does;
- ``eventually_always(p)`` (``<>[]p``) fails when a fair execution meets not-p infinitely often:
  a fair cycle through a not-p state, or a not-p state where nothing fair is enabled (stopping
  there stutters in it for ever). The cycle is found as ``leads_to``'s fair cores are (strong
  obligations that are never taken remove the states that enable them), with the extra demand
  that the core holds a not-p state.

None of the three has a premise, so none holds vacuously; ``holds`` means the whole graph was
analysed. Lassos are short and deterministic, not guaranteed shortest.
"""

from __future__ import annotations

import time
from dataclasses import replace

from ..._compile import Label, State
from ...property import Eventually, EventuallyAlways, InfinitelyOften
from ...result import Breach, Coverage, Outcome, Verdict
from .common import outcome, when
from .explore import Exploration
from .liveness import Lasso, Walk, _FairGraph, find_lasso, on_whole_graph

__all__ = ["TEMPORAL", "Temporal", "check_temporal"]

Temporal = InfinitelyOften | EventuallyAlways | Eventually
#: the property classes :func:`check_temporal` decides
TEMPORAL = (InfinitelyOften, EventuallyAlways, Eventually)


def check_temporal(ex: Exploration, p: Temporal, cov: Coverage, deadline: float | None) -> Outcome:
    """The outcome of *p* on the whole explored graph *ex* (which kept its edges);
    inconclusive when the exploration is partial or *deadline* passes first."""
    return on_whole_graph(p, cov, complete=ex.complete, stopped=ex.stopped,
                          decide=lambda started: _decide(ex, p, cov, deadline, started))


def _decide(ex: Exploration, p: Temporal, cov: Coverage, deadline: float | None, started: float) -> Outcome:
    c = ex.compiled
    fn = c.expr_fn(p.expr, None)
    if isinstance(p, InfinitelyOften):
        found = find_lasso(ex, [True] * len(ex), fn, deadline)
    elif isinstance(p, Eventually):
        found = find_lasso(ex, [ex.is_initial(sid) for sid in range(len(ex))], fn, deadline)
    else:
        found = _recurring_lasso(ex, [not fn(s) for s in ex.states], deadline)
    cov = replace(cov, seconds=cov.seconds + time.perf_counter() - started, complete=True, stopped=None)
    if found is None:
        return outcome(p, Verdict.HOLDS, cov, None, "")
    labels, states, loop, stops, prefix = found
    tr = c.trace(states, labels, loop=loop)
    n = len(labels)
    cycle = f"steps {loop + 1}-{n} repeat forever, fairly"
    stop = "the execution may stop (nothing fair is enabled)"
    if isinstance(p, InfinitelyOften):
        then = stop if stops else cycle
        return outcome(p, Verdict.VIOLATED, cov, tr,
                       f"{when(prefix)} the condition does not hold; from there {then}, and it never holds again")
    if isinstance(p, Eventually):
        then = f"{when(n)} {stop}" if stops else cycle
        return outcome(p, Verdict.VIOLATED, cov, tr, f"the condition never holds: {then}")
    if stops:
        return outcome(p, Verdict.VIOLATED, cov, tr,
                       f"{when(n)} the condition does not hold, and {stop} there", breach=Breach(state=n))
    return outcome(p, Verdict.VIOLATED, cov, tr,
                   f"{cycle}, and {when(loop)} (where the cycle starts) the condition does not hold",
                   breach=Breach(state=loop))


def _recurring_lasso(ex: Exploration, bad: list[bool], deadline: float | None) -> Lasso | None:
    """A short fair lasso that meets a *bad* state infinitely often (its cycle passes one, or it
    stops in one), or None when no fair execution does."""
    g = _FairGraph(ex, lambda s: False, deadline)  # every state: the cycle may leave bad states
    accepting = bad.__getitem__
    core_of: dict[int, set[int]] = {}
    for comp in sorted(g.nx.strongly_connected_components(g.g), key=min):
        core = g.fair_core(set(comp), accepting)
        if core is not None:
            for n in core:
                core_of.setdefault(n, core)
    # the cheapest end: a bad state where the execution may stop costs its BFS depth, a bad state
    # of a fair core its depth plus a fair cycle through it; states come in BFS order
    depth = ex.search.depth
    best: tuple[int, int, Walk, bool] | None = None  # (length, state, cycle, stops)
    cycles_tried = 0
    taken: dict[int, dict[int, tuple[int, int]]] = {}
    for sid in range(len(ex)):
        if best is not None and depth[sid] >= best[0]:
            break
        if not bad[sid]:
            continue
        g.tick()
        if not g.enabled(sid):
            best = (depth[sid], sid, [], True)
            continue
        core = core_of.get(sid)
        if core is None or (cycles_tried >= 32 and best is not None):
            continue
        cycles_tried += 1
        key = min(core)
        if key not in taken:
            taken[key] = g.taken_in(core)
        cycle = g.fair_cycle(sid, core, taken[key])
        if best is None or depth[sid] + len(cycle) < best[0]:
            best = (depth[sid] + len(cycle), sid, cycle, False)
    if best is None:
        return None
    _, end, walk, stops = best
    states, labels = ex.search.path(end)
    loop = len(labels)
    out_labels: list[Label] = list(labels)
    out_states: list[State] = list(states)
    for lab, tid in walk:
        out_labels.append(lab)
        out_states.append(ex.states[tid])
    return out_labels, out_states, loop, stops, loop

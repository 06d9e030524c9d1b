"""Shrinking a conformance failure (issue 12): as the random engine shrinks on the model
(:func:`statebound.checker.engines.random._monitor.shrink`), but each candidate is replayed on the
implementation (:meth:`~._lockstep.Lockstep.replay`) and kept only when it still fails the same way:
a divergence (any: each one is a real difference), or a violation of the same property.

Hypothesis' own shrinker cannot do it here: what a draw of the lockstep machine means depends on
the guide, so removing one draw changes every later step (docs/simulate.md measured the same for
the random engine's runs).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence

from .._compile import Label, OutOfDomain, State
from ..engines.random._machine import Model, PropertyViolation
from ..engines.random._monitor import _ways, sender
from ._lockstep import MAX_INTERNAL, QUIET, DivergenceError, Lockstep

__all__ = ["shrink", "length"]


#: states a shrinking search may visit
SHRINK_SEARCH = 20_000


def shrink(hooks: Lockstep, err: DivergenceError | PropertyViolation, *, deadline: float | None = None
           ) -> DivergenceError | PropertyViolation:
    """A shorter run that still fails like *err* (a divergence, or a violation of the same
    property), as the random engine shrinks on the model, but each candidate replayed on the
    implementation: until nothing helps, a shortest way to the state in which the last
    stimulus came, windows of stimuli replaced by shorter ways to a state where the next one
    applies, single stimuli and pairs dropped. A candidate is replayed only if it applies in
    the model."""
    best = err
    tried: set[tuple[Label | None, ...]] = set()
    while deadline is None or time.perf_counter() < deadline:
        got = None
        stimuli = _stimuli(hooks, best)
        for cand in _candidates(hooks, best.start, best.labels, stimuli):
            if deadline is not None and time.perf_counter() > deadline:
                break
            key = tuple(cand)
            if key in tried or not _applies(hooks, best.start, cand):
                continue
            tried.add(key)
            failed = hooks.replay(best.start, cand)
            if failed is not None and _same_kind(failed, err) and length(failed) < length(best):
                got = failed
                break
        if got is None:
            break
        best = got
    return best


def _stimuli(hooks: Lockstep, err: DivergenceError | PropertyViolation) -> list[Label | None]:
    return [lab for lab in err.labels if lab is QUIET or sender(lab) not in hooks.internal]


def _candidates(hooks: Lockstep, start: State, labels: Sequence[Label | None], stimuli: list[Label | None]
                ) -> Iterator[list[Label | None]]:
    n = len(stimuli)
    if n < 2:
        return
    befores = _states_before(hooks, start, labels)
    if len(befores) != n:
        return
    # a shortest way to the state in which the last stimulus came
    way = _shortest_way(hooks.model, start, befores[-1])
    if way is not None and len(hooks.outside(way)) < n - 1:
        yield [*hooks.outside(way), stimuli[-1]]
    # windows i..j-1 replaced by a shorter way from state i to a state where stimulus j applies
    succ_of = hooks.successors
    options: list[tuple[int, int, int, list[Label | None]]] = []
    for i in range(n - 1):
        ways = _ways(succ_of, befores[i], min(n - i, 8), max(50, 4000 // n))
        for j in range(i + 2, n):
            need = stimuli[j]
            for v, w in ways.items():
                short = hooks.outside(w)
                if len(short) < j - i and (need is QUIET or any(sender(x) == sender(need) for x, _ in succ_of(v))):
                    options.append((len(short) - (j - i), i, j, short))
    options.sort(key=lambda o: (o[0], o[1], o[2], len(o[3])))
    for _saving, i, j, short in options:
        yield stimuli[:i] + short + stimuli[j:]
    for i in range(n - 2, -1, -1):  # single stimuli
        yield stimuli[:i] + stimuli[i + 1:]
    if n <= 16:  # pairs (a logout and the login after it)
        for i in range(n - 2, 0, -1):
            for h in range(i - 1, -1, -1):
                yield stimuli[:h] + stimuli[h + 1:i] + stimuli[i + 1:]


def _states_before(hooks: Lockstep, start: State, labels: Sequence[Label | None]) -> list[State]:
    """The model state in which each stimulus of *labels* came."""
    out: list[State] = []
    s = start
    for lab in labels:
        if lab is QUIET or sender(lab) not in hooks.internal:
            out.append(s)
        if lab is QUIET:
            continue
        nxt = next((t for x, t in hooks.successors(s) if x == lab), None)
        if nxt is None:
            break
        s = nxt
    return out


def _applies(hooks: Lockstep, start: State, stimuli: Sequence[Label | None]) -> bool:
    """Each stimulus can come, in the model, after the ones before it (and internal steps)."""
    s = start
    for lab in stimuli:
        if lab is QUIET:
            continue
        here = [(x, t) for x, t in hooks.successors(s) if sender(x) == sender(lab)]
        if not here:
            inner = _internal_until(hooks, s, sender(lab))
            if inner is None:
                return False
            here = [(x, t) for x, t in hooks.successors(inner) if sender(x) == sender(lab)]
        s = next((t for x, t in here if x == lab), here[0][1])
    return True


def _internal_until(hooks: Lockstep, s: State, action: int) -> State | None:
    """A state reached from *s* by internal steps only (at most MAX_INTERNAL) where *action* is enabled."""
    frontier, reached = [s], {s}
    for _ in range(MAX_INTERNAL):
        nxt = []
        for u in frontier:
            for x, v in hooks.successors(u):
                if sender(x) in hooks.internal and v not in reached:
                    if any(sender(y) == action for y, _ in hooks.successors(v)):
                        return v
                    reached.add(v)
                    nxt.append(v)
        frontier = nxt
    return None


def length(err: DivergenceError | PropertyViolation) -> int:
    return err.divergence.step if isinstance(err, DivergenceError) else err.finding.end


def _same_kind(got: DivergenceError | PropertyViolation, err: DivergenceError | PropertyViolation) -> bool:
    """A divergence for a divergence (any: each is real), a violation of the same property for a violation."""
    if isinstance(err, DivergenceError):
        return isinstance(got, DivergenceError)
    return isinstance(got, PropertyViolation) and got.property == err.property


def _shortest_way(model: Model, start: State, goal: State) -> list[Label] | None:
    """A shortest path of the model from *start* to *goal* (breadth-first, bounded)."""
    if start == goal:
        return []
    parent: dict[State, tuple[State, Label] | None] = {start: None}
    frontier = [start]
    while frontier and len(parent) < SHRINK_SEARCH:
        nxt = []
        for u in frontier:
            try:
                succ = model.compiled.successors(u)
            except OutOfDomain:
                continue
            for lab, v in succ:
                if v in parent:
                    continue
                parent[v] = (u, lab)
                if v == goal:
                    way: list[Label] = []
                    link = parent[v]
                    while link is not None:
                        way.append(link[1])
                        link = parent[link[0]]
                    return way[::-1]
                nxt.append(v)
        frontier = nxt
    return None

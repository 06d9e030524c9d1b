"""``never_after`` on the fast engine: the explored graph composed with the rule's observer, searched
breadth-first on the kept steps (CSR arrays) by the same search as the states (issue 13).

A product node is a state number and the observer's memory (one bit per watched instance), packed
into one word; what a step does to the memory comes from the reference engine's observer, once
per step label, and an ``until`` expression is evaluated once per state and watched instance. The
product is numbered exactly as the reference engine's, so the counterexample is the same.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from ...property import NeverAfter
from ...result import Breach, Coverage, Outcome, Verdict
from ..base import Budget
from ..reference.observer import Observer, never_after_story
from ..reference.observer import check_never_after as reference_never_after
from ._explore import FastExploration
from ._safety import ENGINE, fast_outcome
from ._search import Batch, Search

__all__ = ["check_never_after"]

Ints = npt.NDArray[np.int64]

#: at most this many watched instances are packed beside a state number
MAX_WATCHED = 31


def check_never_after(ex: FastExploration, p: NeverAfter, budget: Budget, deadline: float | None) -> Outcome:
    """Search the product of the explored graph and *p*'s observer (the reference engine's own
    product search when the exploration is partial or too many instances are watched)."""
    c = ex.compiled
    obs = Observer(c, p)
    nb = len(obs.watched)
    if not (ex.complete and ex.search.keep_edges) or nb > MAX_WATCHED:
        return replace(reference_never_after(c, p, budget, deadline), engine=ENGINE)
    indptr, targets, labels = ex.search.csr()
    refs = ex.packed.stepper.labels.refs
    trig = np.zeros(len(refs), dtype=np.int64)
    forb = np.zeros(len(refs), dtype=np.int64)
    reset = np.zeros(len(refs), dtype=np.int64)
    for lab, ref in enumerate(refs):
        t, f, r = obs.classify(ref)
        trig[lab], forb[lab], reset[lab] = _bits(t), _bits(f), _bits(r)
    until: Ints | None = None
    if obs.until_fns:
        assert not isinstance(p.until, frozenset)
        words = ex.words()
        until = np.zeros(len(words), dtype=np.int64)
        for k, name in enumerate(obs.watched):
            fn = ex.packed.compiler.condition(p.until, None if name == "*" else name)
            for lo in range(0, len(words), 1 << 20):
                until[lo:lo + (1 << 20)] |= fn(ex.packed.frame(words[lo:lo + (1 << 20)])).astype(np.int64) << k
    mask = (1 << nb) - 1
    search = Search(1, budget, deadline=deadline, memory_limit=ex.search.memory_limit,
                    memory_label=ex.search.memory_label, top_bit_free=(len(ex) << nb) < (1 << 63))
    violation: list[tuple[int, int]] = []  # (product node, step number in the CSR)

    def expand(lo: int, hi: int, beyond: bool) -> Batch:
        keys = search.stored()[lo:hi, 0]
        sid = (keys >> np.uint64(nb)).astype(np.int64)
        armed = (keys & np.uint64(mask)).astype(np.int64)
        start = indptr[sid]
        deg = indptr[sid + 1] - start
        offsets = np.zeros(len(sid) + 1, dtype=np.int64)
        np.cumsum(deg, out=offsets[1:])
        rep = np.repeat(np.arange(len(sid), dtype=np.int64), deg)
        e = start[rep] + (np.arange(len(rep), dtype=np.int64) - offsets[rep])
        t = targets[e].astype(np.int64)
        lab = labels[e]
        a = armed[rep]
        if until is None:
            new = trig[lab] | (a & ~reset[lab])
        else:
            new = (a | trig[lab]) & ~until[t]
        cand = ((t.astype(np.uint64) << np.uint64(nb)) | new.astype(np.uint64)).reshape(-1, 1)
        stop = None
        hit_at = -1
        if not beyond:
            hits = np.flatnonzero(a & forb[lab])
            if len(hits):
                hit_at = int(hits[0])
                stop = int(rep[hit_at])

        def commit(visited: int, expanding: bool) -> None:
            if stop is not None and visited > stop and not violation:
                violation.append((lo + stop, int(e[hit_at])))

        return Batch(deg, offsets, cand, None, None, stop, commit)

    roots = np.flatnonzero(np.less(ex.search.parent.view(), 0)).astype(np.uint64)  # the initial states
    initial = (roots << np.uint64(nb)).reshape(-1, 1)
    search.run(initial, expand)
    cov = Coverage(states=len(search), steps=search.steps, depth=search.depth, seconds=search.seconds,
                   complete=search.complete, stopped=search.stopped)
    if violation:
        node, edge = violation[0]
        path = search.path(node)
        keys = search.states.view()[:, 0]
        nodes = [(int(keys[i]) >> nb, int(keys[i]) & mask) for i in path]
        labs: list[int] = []
        for (s, _), (t_, armed_after) in zip(nodes, nodes[1:], strict=False):
            labs.append(_first_step(indptr, targets, labels, trig, reset, until, s, nodes[len(labs)][1], t_, armed_after))
        labs.append(int(labels[edge]))
        label_refs = [refs[lab] for lab in labs]
        states = [ex.state(s) for s, _ in nodes] + [ex.state(int(targets[edge]))]
        tr = c.trace(states, label_refs)
        trigger, story = never_after_story(c, p, label_refs)
        return fast_outcome(p, Verdict.VIOLATED, cov, tr, story, breach=Breach(step=len(label_refs), trigger=trigger))
    if not search.complete:
        return fast_outcome(p, Verdict.INCONCLUSIVE, cov, None,
                            f"not decided: {search.stopped} after {len(search)} states of the system composed with the "
                            "rule's observer (which remembers triggers, so it needs more states than the system)")
    triggered = bool((trig[ex.carried()] != 0).any())
    warnings = [] if triggered else [f"holds vacuously: no step tagged {', '.join(sorted(p.trigger))} is ever taken"]
    return fast_outcome(p, Verdict.HOLDS, cov, None, "", warnings)


def _bits(positions: list[int]) -> int:
    out = 0
    for k in positions:
        out |= 1 << k
    return out


def _first_step(indptr: Ints, targets: npt.NDArray[np.int32], labels: npt.NDArray[np.int32], trig: Ints,
                reset: Ints, until: Ints | None, s: int, armed: int, t: int, armed_after: int) -> int:
    """The label of the first step (in order) from product node (s, armed) to (t, armed_after)."""
    for e in range(int(indptr[s]), int(indptr[s + 1])):
        if int(targets[e]) != t:
            continue
        lab = int(labels[e])
        new = (trig[lab] | (armed & ~reset[lab])) if until is None else ((armed | trig[lab]) & ~until[t])
        if int(new) == armed_after:
            return lab
    raise AssertionError("no step between two consecutive product nodes")

"""``leads_to`` on the fast engine: fair ends of the not-q graph found on CSR arrays (issue 13).

The analysis is the reference engine's (:mod:`~..reference.liveness`): a counterexample ends in a
state where nothing fair is enabled or in a fair core of a strongly connected component of the
not-q graph, and the property fails when a reachable p-state reaches such an end inside not-q.
Here the strongly connected components come from :func:`scipy.sparse.csgraph.connected_components`,
fairness is checked with one boolean matrix (states x fair actions) and counts per component,
and reachability is a breadth-first search on arrays. The lasso is then built by the reference
engine's own code (its :class:`~..reference.liveness._FairGraph` methods, on views of these
arrays), so counterexamples are the same as the reference engine's.

Several ``leads_to`` of one check share the work that does not depend on p and q (:class:`_Steps`:
the steps of fair transitions and the obligations enabled in each state, built once), and each
keeps to the not-q states its p-states reach inside not-q, which is all a counterexample can
visit; an obligation enabled everywhere there and taken nowhere there rules out every fair cycle
without computing a single strongly connected component.
"""
from __future__ import annotations

import sys
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from ..._compile import Label, State
from ...expr import to_text
from ...property import LeadsTo
from ...result import Coverage, Outcome, Verdict
from ..reference import liveness as _reference
from ..reference.common import when
from ..reference.liveness import _FairGraph, on_whole_graph
from ._explore import FastExploration
from ._safety import fast_outcome

__all__ = ["check_leads_to"]

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

_BATCH = 1 << 20
#: states per call when a condition is evaluated on every state (a deadline check between calls)
_EVAL_BATCH = 1 << 18
#: what importing scipy's graph routines may cost (0.10-0.46 s measured on a shared machine, issue 13)
_SCIPY_IMPORT = 0.5


def check_leads_to(ex: FastExploration, p: LeadsTo, cov: Coverage, deadline: float | None) -> Outcome:
    """The outcome of *p* on the whole explored graph *ex* (which kept its steps)."""
    return on_whole_graph(p, cov, complete=ex.complete, stopped=ex.stopped, make=fast_outcome,
                          decide=lambda started: _decide(ex, p, cov, deadline, started))


def _evaluate(ex: FastExploration, expr: Any, deadline: float | None) -> Bools:
    fn = ex.packed.compiler.condition(expr, None)
    words = ex.words()
    out = np.empty(len(words), dtype=bool)
    for lo in range(0, len(words), _EVAL_BATCH):
        _tick(deadline)
        out[lo:lo + _EVAL_BATCH] = fn(ex.packed.frame(words[lo:lo + _EVAL_BATCH]))
    return out


def _decide(ex: FastExploration, p: LeadsTo, cov: Coverage, deadline: float | None, started: float) -> Outcome:
    steps = _steps_of(ex, deadline)
    q = _evaluate(ex, p.q, deadline)
    pv = _evaluate(ex, p.p, deadline)
    # Only the not-q states some p-state reaches inside not-q can be on a counterexample: the
    # analysis keeps to them (the whole not-q graph for each property cost ~4.7x the safety check
    # with six leads_to at MODEL.md N=6, issue 13). Every fair end such a p-state reaches, every
    # distance and the lasso are the same inside this region as in the whole not-q graph, since
    # the region is closed under not-q steps.
    region = steps.closure(pv & ~q, ~q, lambda: _tick(deadline))
    g = ArrayFairGraph(ex, steps, q, region, deadline)
    ends = g.fair_ends()
    bad = g.reaching(ends)
    hits = np.flatnonzero(bad & pv)
    cov = replace(cov, seconds=cov.seconds + time.perf_counter() - started, complete=True, stopped=None)
    if not len(hits):
        warnings = [] if pv.any() else [f"holds vacuously: no reachable state satisfies {to_text(p.p)}"]
        return fast_outcome(p, Verdict.HOLDS, cov, None, "", warnings)
    start = int(hits[0])
    labels, states, loop, stops, prefix = g.lasso(start, pv, ends)  # type: ignore[arg-type]
    tr = ex.compiled.trace(states, labels, loop=loop)
    if stops:
        return fast_outcome(p, Verdict.VIOLATED, cov, tr,
                            f"{when(prefix)} the condition holds; from there the execution may stop "
                            "(nothing fair is enabled) and the goal never holds")
    return fast_outcome(p, Verdict.VIOLATED, cov, tr,
                        f"{when(prefix)} the condition holds; from there steps {loop + 1}-{len(labels)} "
                        "repeat forever, fairly, and the goal never holds")


def _tick(deadline: float | None) -> None:
    if deadline is not None and time.perf_counter() > deadline:
        raise _reference.OutOfTime


def _csgraph(deadline: float | None) -> Any:
    """scipy's graph routines, imported on first use (most checks never compute a component);
    not when the import would run past the deadline, which nothing can interrupt (issue 13)."""
    if "scipy.sparse.csgraph" not in sys.modules and deadline is not None \
            and time.perf_counter() + _SCIPY_IMPORT > deadline:
        raise _reference.OutOfTime
    import scipy.sparse.csgraph  # type: ignore[import-untyped]

    return scipy.sparse.csgraph


def _spans(indptr: Ints, nodes: Ints) -> tuple[Ints, Ints]:
    """The step numbers out of *nodes* (in order, each node's in CSR order) and each node's count."""
    lo = indptr[nodes]
    deg = indptr[nodes + 1] - lo
    total = int(deg.sum())
    base = np.cumsum(deg)
    base -= deg
    base -= lo
    e = np.arange(total, dtype=np.int64)
    e -= np.repeat(base, deg)
    return e, deg


class _Steps:
    """What every ``leads_to`` of one exploration shares (built once, issue 13): the steps as CSR
    arrays, the steps of fair transitions as (source, target, obligation), and the obligations
    enabled in each state (a states x obligations matrix)."""

    def __init__(self, ex: FastExploration, deadline: float | None) -> None:
        c = ex.compiled
        self.n = n = len(ex)
        self.indptr, self.targets, self.labels = ex.search.csr()
        refs = ex.packed.stepper.labels.refs
        self.fair_actions = [a.index for a in c.actions if a.transition.fair is not None]
        strong = {a.index for a in c.actions if a.transition.fair == "strong"}
        # Whether a step that changes nothing takes or enables a fair transition follows the
        # reference engine: where it has TLA+'s stuttering-insensitive fairness (issue 9), such a
        # step does neither and self-loops leave the graph; fairness is then one obligation per fair
        # transition here (systems with fairness groups are not packed), numbered as the reference
        # numbers its obligations.
        self.stutter = hasattr(_reference, "obligations")
        self.member_of: dict[int, tuple[int, ...]] | None = None
        if self.stutter:
            self.member_of = {a: (j,) for j, a in enumerate(self.fair_actions)}
            self.names = list(range(len(self.fair_actions)))
            self.strong = {j for j, a in enumerate(self.fair_actions) if a in strong}
        else:
            self.names = list(self.fair_actions)
            self.strong = strong
        fair_index = np.full(len(c.actions), -1, dtype=np.int32)
        for j, a in enumerate(self.fair_actions):
            fair_index[a] = j
        self.fair_of_label = fair_index[np.array(ex.packed.stepper.labels.sender, dtype=np.int64)] \
            if len(refs) else np.zeros(0, dtype=np.int32)
        self.is_strong = np.array([self.names[j] in self.strong for j in range(len(self.fair_actions))], dtype=bool)
        # the steps of fair transitions (32-bit: most steps are fair in Phase 3), found a slice of
        # steps at a time, and under TLA+'s fairness what they enable
        nf = len(self.fair_actions)
        self.en = np.zeros((n, nf), dtype=bool)  # the fair obligations enabled in each state
        flat = self.en.reshape(-1)
        srcs: list[npt.NDArray[np.int32]] = []
        tgts: list[npt.NDArray[np.int32]] = []
        obls: list[npt.NDArray[np.int32]] = []
        m = len(self.targets)
        if nf and m:
            for e0 in range(0, m, _BATCH):
                _tick(deadline)
                fl = self.fair_of_label[self.labels[e0:e0 + _BATCH]]
                e = np.flatnonzero(fl >= 0)
                if not len(e):
                    continue
                obl = fl[e]
                e += e0
                tgt = self.targets[e]
                src = (np.searchsorted(self.indptr, e, side="right") - 1).astype(np.int32)
                srcs.append(src)
                tgts.append(tgt)
                obls.append(obl)
                if self.stutter:
                    ok = np.flatnonzero(src != tgt)
                    flat[src[ok].astype(np.int64) * nf + obl[ok]] = True
        self.fair_src = np.concatenate(srcs) if srcs else np.zeros(0, dtype=np.int32)
        self.fair_tgt = np.concatenate(tgts) if tgts else np.zeros(0, dtype=np.int32)
        self.fair_obl = np.concatenate(obls) if obls else np.zeros(0, dtype=np.int32)
        if not self.stutter:  # every step of an enabled fair transition counts: its guard says
            acts = ex.packed.stepper.acts
            words = ex.words()
            for j, a in enumerate(self.fair_actions):
                guard = acts[a].guard
                for lo in range(0, n, _EVAL_BATCH):
                    _tick(deadline)
                    self.en[lo:lo + _EVAL_BATCH, j] = guard(ex.packed.frame(words[lo:lo + _EVAL_BATCH]))
        self.en_any = self.en.any(axis=1)
        _tick(deadline)

    def closure(self, sources: Bools, within: Bools, tick: Callable[[], None]) -> Bools:
        """The states of *within* reachable from *sources* (in it) by steps inside it."""
        seen = sources & within
        frontier = np.flatnonzero(seen)
        stamp = np.empty(self.n, dtype=np.int64)
        while len(frontier):
            tick()
            e, _ = _spans(self.indptr, frontier)
            t = self.targets[e]
            t = t[np.flatnonzero(within[t] & ~seen[t])]
            if not len(t):
                break
            seen[t] = True
            order = np.arange(len(t), dtype=np.int64)
            stamp[t] = order
            frontier = t[np.flatnonzero(stamp[t] == order)].astype(np.int64)  # each state once
        return seen


_SHARED: weakref.WeakKeyDictionary[FastExploration, _Steps] = weakref.WeakKeyDictionary()


def _steps_of(ex: FastExploration, deadline: float | None) -> _Steps:
    got = _SHARED.get(ex)
    if got is None:
        got = _SHARED[ex] = _Steps(ex, deadline)
    return got


class _Edges(Sequence[list[tuple[Label, int]]]):
    """``edges[n]``: the steps out of state *n* as ``(label, target)``, read from the CSR arrays."""

    def __init__(self, indptr: Ints, targets: npt.NDArray[np.int32], labels: npt.NDArray[np.int32],
                 refs: list[Label]) -> None:
        self.indptr, self.targets, self.labels, self.refs = indptr, targets, labels, refs

    def __len__(self) -> int:
        return len(self.indptr) - 1

    def __getitem__(self, n: Any) -> Any:
        lo, hi = int(self.indptr[n]), int(self.indptr[n + 1])
        return [(self.refs[int(lab)], int(t)) for lab, t in zip(self.labels[lo:hi], self.targets[lo:hi], strict=True)]


class _Path:
    def __init__(self, ex: FastExploration) -> None:
        self.ex = ex

    def path(self, sid: int) -> tuple[list[State], list[Label]]:
        return self.ex.path(sid)


class _View:
    """What the reference engine's lasso code reads of an exploration."""

    def __init__(self, ex: FastExploration) -> None:
        self.search = _Path(ex)
        self.states = ex.states


class _Ends(Mapping[int, "set[int] | None"]):
    """Every fair end: state -> its fair core (None where the execution may stop); cores are built
    as sets only when the lasso asks for them."""

    def __init__(self, is_end: Bools, core_of: Ints, cores: list[Ints]) -> None:
        self.is_end, self.core_of, self.cores = is_end, core_of, cores
        self._sets: dict[int, set[int]] = {}

    def __contains__(self, n: object) -> bool:
        return isinstance(n, (int, np.integer)) and 0 <= int(n) < len(self.is_end) and bool(self.is_end[int(n)])

    def __getitem__(self, n: int) -> set[int] | None:
        if n not in self:
            raise KeyError(n)
        c = int(self.core_of[n])
        if c < 0:
            return None
        got = self._sets.get(c)
        if got is None:
            got = self._sets[c] = {int(x) for x in self.cores[c]}
        return got

    def __iter__(self) -> Iterator[int]:
        return (int(n) for n in np.flatnonzero(self.is_end))

    def __len__(self) -> int:
        return int(self.is_end.sum())


class ArrayFairGraph(_FairGraph):
    """The reference engine's fair graph over arrays, kept to a region of the not-q states closed
    under not-q steps: its steps as a deduplicated CSR matrix, the fair obligations enabled in each
    state as a boolean matrix (:class:`_Steps`, shared by every property), breadth-first searches
    on arrays."""

    def __init__(self, ex: FastExploration, steps: _Steps, q: Bools, region: Bools, deadline: float | None) -> None:
        # no super().__init__: that builds a networkx graph, the very cost this class avoids
        self.ex = _View(ex)  # type: ignore[assignment]
        self.fast = ex
        self.deadline = deadline
        self.c = ex.compiled
        self.shared = steps
        self.indptr, self.targets, self.labels = steps.indptr, steps.targets, steps.labels
        refs = ex.packed.stepper.labels.refs
        self.edges = _Edges(self.indptr, self.targets, self.labels, refs)  # type: ignore[assignment]
        self.mask_nq: Bools = ~q
        self.nq = self.mask_nq  # type: ignore[assignment]
        self.region = region
        self.nodes = np.flatnonzero(region)
        self.fair_actions = steps.fair_actions
        self.strong = steps.strong
        if steps.member_of is not None:
            self.member_of = steps.member_of
        self.names = steps.names
        self.stutter = steps.stutter
        self.fair_of_label = steps.fair_of_label
        self.is_strong = steps.is_strong
        self.en = steps.en
        self._enabled = {}
        self.n = steps.n
        self.tick()
        self._graph: Any = None
        self._rev: tuple[Ints, npt.NDArray[np.int32]] | None = None

    def enabled(self, sid: int) -> frozenset[int]:
        got = self._enabled.get(sid)
        if got is None:
            row = self.en[sid]
            got = self._enabled[sid] = frozenset(a for a, on in zip(self.names, row, strict=True) if on)
        return got

    # ------------------------------------------------------------------ the region's graph

    def _rows(self) -> Iterator[tuple[Ints, npt.NDArray[np.int32], npt.NDArray[np.int32], Ints]]:
        """The steps inside the region (without those that change nothing, under TLA+'s fairness),
        a slice of its states at a time: (sources, targets, labels, each state's count)."""
        nodes, indptr = self.nodes, self.indptr
        per = max(1, int(len(nodes) * _BATCH / max(int((indptr[nodes + 1] - indptr[nodes]).sum()), 1)))
        for r0 in range(0, len(nodes), per):
            self.tick()
            chunk = nodes[r0:r0 + per]
            e, deg = _spans(indptr, chunk)
            src = np.repeat(chunk, deg)
            tgt = self.targets[e]
            keep = self.region[tgt]
            if self.stutter:
                keep &= src != tgt
            k = np.flatnonzero(keep)
            at = np.repeat(np.arange(len(chunk), dtype=np.int64), deg)[k]
            yield src[k], tgt[k], self.labels[e[k]], np.bincount(at, minlength=len(chunk))

    def graph(self) -> Any:
        """The region's steps as a CSR matrix over every state, without duplicate steps (scipy's
        strongly connected components never return on a graph with duplicate edges)."""
        if self._graph is None:
            _csgraph(self.deadline)
            counts = np.zeros(self.n, dtype=np.int64)
            parts: list[npt.NDArray[np.int32]] = []
            r0 = 0
            for _, tgt, _, per in self._rows():
                counts[self.nodes[r0:r0 + len(per)]] = per
                r0 += len(per)
                parts.append(tgt)
            indices = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
            indptr = np.zeros(self.n + 1, dtype=np.int64)
            np.cumsum(counts, out=indptr[1:])
            self._graph = _deduplicated(self.n, indptr, indices)
            self.tick()
        return self._graph

    def _components(self, size: int, g: Any) -> tuple[int, Ints]:
        """Strongly connected components of the CSR matrix *g*: (count, label of each node), labels
        numbered by their smallest node (the reference engine's order)."""
        from scipy.sparse import csr_matrix

        connected_components = _csgraph(self.deadline).connected_components
        ones = np.broadcast_to(np.float64(1.0), (len(g.indices),))
        count, labels = connected_components(csr_matrix((ones, g.indices, g.indptr), shape=(size, size)),
                                             directed=True, connection="strong")
        self.tick()
        labels = labels.astype(np.int64, copy=False)
        # renumber by first occurrence, without sorting: the smallest node of each component
        first = np.empty(count, dtype=np.int64)
        first[labels[::-1]] = np.arange(size - 1, -1, -1, dtype=np.int64)
        is_first = first[labels] == np.arange(size, dtype=np.int64)
        order = np.empty(count, dtype=np.int64)
        order[labels[is_first]] = np.arange(count, dtype=np.int64)
        return int(count), order[labels]

    def _between(self, nodes: Ints) -> tuple[Ints, Ints, Ints]:
        """The steps between *nodes* (sorted, not-q) as (sources, targets, fair action index)."""
        lo, hi = self.indptr[nodes], self.indptr[nodes + 1]
        deg = hi - lo
        starts = np.repeat(lo - np.concatenate(([0], np.cumsum(deg)[:-1])), deg)
        e = starts + np.arange(int(deg.sum()), dtype=np.int64)
        src = np.repeat(nodes, deg)
        member = np.zeros(self.n, dtype=bool)
        member[nodes] = True
        tgt = self.targets[e]
        keep = member[tgt]
        if self.stutter:
            keep &= src != tgt
        e = e[keep]
        return src[keep], self.targets[e].astype(np.int64), self.fair_of_label[self.labels[e]]

    def _core(self, nodes: Ints) -> Ints | None:
        """The reference engine's ``fair_core`` of the strongly connected *nodes* (sorted)."""
        self.tick()
        src, tgt, fair = self._between(nodes)
        if len(nodes) == 1 and (self.stutter or not (src == tgt).any()):
            return None
        taken = np.zeros(len(self.fair_actions), dtype=bool)
        taken[fair[fair >= 0]] = True
        en = self.en[nodes]
        somewhere, everywhere = en.any(axis=0), en.all(axis=0)
        unfair_strong = somewhere & self.is_strong & ~taken
        if unfair_strong.any():
            rest = nodes[~(en & unfair_strong).any(axis=1)]
            if not len(rest):
                return None
            rs, rt, _ = self._between(rest)
            inside = np.isin(rt, rest)
            rs, rt = np.searchsorted(rest, rs[inside]), np.searchsorted(rest, rt[inside])
            indptr = np.zeros(len(rest) + 1, dtype=np.int64)
            np.cumsum(np.bincount(rs, minlength=len(rest)), out=indptr[1:])
            count, labels = self._components(len(rest), _deduplicated(len(rest), indptr, rt.astype(np.int32)))
            order = np.argsort(labels, kind="stable")
            bounds = np.searchsorted(labels[order], np.arange(count + 1))
            for k in range(count):
                core = self._core(np.sort(rest[order[bounds[k]:bounds[k + 1]]]))
                if core is not None:
                    return core
            return None
        if (everywhere & ~taken).any():
            return None
        return nodes

    def fair_ends(self) -> _Ends:  # type: ignore[override]
        """Every fair end inside the region (:class:`_Ends`)."""
        n, fair, region, nodes, sh = self.n, len(self.fair_actions), self.region, self.nodes, self.shared
        stopping = region & ~sh.en_any
        core_of = np.full(n, -1, dtype=np.int64)
        # the fair steps inside the region (those that change something, under TLA+'s fairness)
        inside = region[sh.fair_src] & region[sh.fair_tgt]
        if self.stutter:
            inside &= sh.fair_src != sh.fair_tgt
        fi = np.flatnonzero(inside)
        fs, ft, fo = sh.fair_src[fi], sh.fair_tgt[fi], sh.fair_obl[fi]
        en = self.en[nodes]
        taken_anywhere = np.zeros(fair, dtype=bool)
        taken_anywhere[fo] = True
        if not len(nodes) or (en.all(axis=0) & ~taken_anywhere).any():
            # an obligation enabled in every state of the region and taken on none of its steps
            # starves every cycle in it: no fair core, and no strongly connected component to compute
            return _Ends(stopping, core_of, [])
        count, comp = self._components(n, self.graph())
        self.tick()
        cn = comp[nodes]
        size = np.bincount(cn, minlength=count)
        self_loop = np.zeros(count, dtype=bool)
        if not self.stutter:
            for src, tgt, _, _ in self._rows():
                loops = np.flatnonzero(src == tgt)
                self_loop[comp[src[loops]]] = True
        # fairness per component, for the components that can hold a cycle only (every state
        # outside the region is a component of its own)
        real_ids = np.flatnonzero((size > 1) | ((size == 1) & self_loop & (not self.stutter)))
        cores: list[Ints] = []
        if len(real_ids):
            r = len(real_ids)
            cid = np.full(count, -1, dtype=np.int64)
            cid[real_ids] = np.arange(r, dtype=np.int64)
            taken = np.zeros((r, fair), dtype=bool)
            cs = cid[comp[fs]]
            same = np.flatnonzero((comp[fs] == comp[ft]) & (cs >= 0))
            taken[cs[same], fo[same]] = True
            mem = np.flatnonzero(cid[cn] >= 0)
            mc = cid[cn[mem]]
            en_mem = en[mem]
            cnt = np.zeros((r, fair), dtype=np.int64)
            for j in range(fair):
                cnt[:, j] = np.bincount(mc, weights=en_mem[:, j], minlength=r).astype(np.int64)
            rsize = size[real_ids]
            somewhere, everywhere = cnt > 0, cnt == rsize[:, None]
            refine_r = (somewhere & self.is_strong[None, :] & ~taken).any(axis=1)
            whole_r = ~refine_r & ~(everywhere & ~taken).any(axis=1)
            whole = np.zeros(count, dtype=bool)
            whole[real_ids[whole_r]] = True
            refine = np.zeros(count, dtype=bool)
            refine[real_ids[refine_r]] = True
            nwhole = int(whole_r.sum())
            if nwhole:
                core_id = np.full(count, -1, dtype=np.int64)
                core_id[whole] = np.arange(nwhole)
                in_whole = region & whole[comp]
                core_of[in_whole] = core_id[comp[in_whole]]
                members = np.flatnonzero(in_whole)
                grouped = members[np.argsort(core_of[members], kind="stable")]
                bounds = np.searchsorted(core_of[grouped], np.arange(nwhole + 1))
                cores = [grouped[bounds[k]:bounds[k + 1]] for k in range(nwhole)]
            if refine_r.any():
                members = np.flatnonzero(region & refine[comp])
                grouped = members[np.argsort(comp[members], kind="stable")]
                labels = comp[grouped]
                for k in np.flatnonzero(refine):
                    lo, hi = np.searchsorted(labels, [k, k + 1])
                    core = self._core(grouped[lo:hi])
                    if core is not None:
                        core_of[core] = len(cores)
                        cores.append(core)
        core_of[stopping] = -1
        return _Ends(stopping | (core_of >= 0), core_of, cores)

    # ------------------------------------------------------------------ searches

    def _reverse(self) -> tuple[Ints, npt.NDArray[np.int32]]:
        """Predecessors in the region's graph as CSR (each list ascending, no duplicates)."""
        if self._rev is None:
            rev = self.graph().T.tocsr()
            rev.sort_indices()
            self._rev = (rev.indptr.astype(np.int64), rev.indices)
        return self._rev

    def backward_arrays(self, targets: Ints) -> tuple[Ints, Ints]:
        """The reference engine's ``backward`` on arrays: distance to the nearest of *targets* (-1:
        none reachable) and which one, with the reference's tie-breaking (queue order)."""
        indptr, pred = self._reverse()
        dist = np.full(self.n, -1, dtype=np.int64)
        target = np.full(self.n, -1, dtype=np.int64)
        level = np.asarray(targets, dtype=np.int64)
        dist[level] = 0
        target[level] = level
        d = 0
        while len(level):
            self.tick()
            lo, hi = indptr[level], indptr[level + 1]
            deg = hi - lo
            starts = np.repeat(lo - np.concatenate(([0], np.cumsum(deg)[:-1])), deg)
            e = starts + np.arange(int(deg.sum()), dtype=np.int64)
            m = pred[e].astype(np.int64)
            via = np.repeat(level, deg)
            fresh = dist[m] < 0
            m, via = m[fresh], via[fresh]
            uniq, first = np.unique(m, return_index=True)
            order = np.argsort(first, kind="stable")
            nxt = uniq[order]
            d += 1
            dist[nxt] = d
            target[nxt] = target[via[first[order]]]
            level = nxt
        return dist, target

    def reaching(self, ends: Mapping[int, Any]) -> Bools:  # type: ignore[override]
        assert isinstance(ends, _Ends)
        targets = np.flatnonzero(ends.is_end)
        if not len(targets):
            return np.zeros(self.n, dtype=bool)
        return self.backward_arrays(targets)[0] >= 0

    def _shortest_stopping(self, pv: Any, ends: Mapping[int, Any]) -> tuple[int, int, int] | None:
        assert isinstance(ends, _Ends)
        stops = np.flatnonzero(ends.is_end & (ends.core_of < 0))
        if not len(stops):
            return None
        h, target = self.backward_arrays(stops)
        levels = self.fast.search.levels
        depth = np.repeat(np.arange(len(levels), dtype=np.int64), np.diff([*levels, self.n]))
        ok = (h >= 0) & np.asarray(pv, dtype=bool)
        if not ok.any():
            return None
        total = np.where(ok, depth + h, np.iinfo(np.int64).max)
        sid = int(np.argmin(total))
        return int(total[sid]), sid, int(target[sid])

    def taken_in(self, nodes: set[int]) -> dict[int, tuple[int, int]]:
        members = np.array(sorted(nodes), dtype=np.int64)
        lo, hi = self.indptr[members], self.indptr[members + 1]
        deg = hi - lo
        starts = np.repeat(lo - np.concatenate(([0], np.cumsum(deg)[:-1])), deg)
        e = starts + np.arange(int(deg.sum()), dtype=np.int64)
        src = np.repeat(members, deg)
        member = np.zeros(self.n, dtype=bool)
        member[members] = True
        keep = member[self.targets[e]]
        if self.stutter:
            keep &= self.targets[e] != src
        e, src = e[keep], src[keep]
        if self.stutter:  # obligations: one per fair action
            fair = self.fair_of_label[self.labels[e]]
            src, e, acts_of = src[fair >= 0], e[fair >= 0], fair[fair >= 0]
        else:
            acts_of = np.array(self.fast.packed.stepper.labels.sender, dtype=np.int64)[self.labels[e]]
        acts, first = np.unique(acts_of, return_index=True)
        return {int(a): (int(src[i]), int(self.targets[e[i]])) for a, i in zip(acts, first, strict=True)}


def _deduplicated(size: int, indptr: Ints, indices: npt.NDArray[np.int32]) -> Any:
    """A CSR matrix of the given structure with duplicate entries merged and each row sorted."""
    from scipy.sparse import csr_matrix

    small = len(indices) < (1 << 31) and size < (1 << 31)
    itype = np.int32 if small else np.int64
    g = csr_matrix((np.ones(len(indices), dtype=np.int8), indices.astype(itype, copy=False), indptr.astype(itype)),
                   shape=(size, size))
    g.sum_duplicates()
    return g

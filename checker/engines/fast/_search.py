"""The fast engine's breadth-first search: level by level, a batch of states at a time (issue 13).

The same budgeted search as the reference engine's :mod:`~..reference.search`, with the same
numbering, parents, step counts and stopping points, but over packed states in numpy arrays:
``states`` (one row of words per state, in breadth-first order), ``parent`` (32-bit), the first
state number of every depth, and, when kept, the steps as CSR arrays (targets and label numbers,
grouped by source in the reference's successor order). A state costs ``8 * width + 4`` bytes
here plus the visited set's 8-12 (:mod:`._visited`); steps cost 8 bytes each.

An *expander* computes the successors of a batch of states (:class:`Batch`); it may report the
first state whose successors leave a domain (the search raises :class:`DomainErrorAt` where the
reference engine would) and the first state whose visit stops the search (an observer's
violation). It learns through ``commit`` how many of the batch's states were visited before the
search stopped, so what it found there counts exactly as in the reference engine.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..base import Budget, Progress
from ._layout import Words
from ._visited import KeyTable, Visited, visited_set

__all__ = ["Search", "Batch", "Grow", "DomainErrorAt", "current_rss"]

Ints = npt.NDArray[np.int64]

#: successors computed per batch (bounds the temporaries of one batch to some tens of MB)
BATCH_STEPS = 1 << 20
#: the fewest states a batch expands (below this, numpy's per-call cost dominates)
MIN_BATCH = 256


class DomainErrorAt(Exception):
    """The successors of state *sid* leave a variable's domain (a model error with a trace)."""

    def __init__(self, sid: int) -> None:
        super().__init__(sid)
        self.sid = sid


@dataclass(slots=True)
class Batch:
    """The successors of states ``lo..hi-1`` in reference order (see :class:`~._step.Expansion`)."""

    counts: Ints
    offsets: Ints
    keys: Words
    labels: npt.NDArray[np.int32] | None = None
    error: int | None = None  # first row whose successors leave a domain
    stop: int | None = None  # first row whose visit stops the search
    commit: Callable[[int, bool], None] | None = None  # (rows visited, expanding)


class Grow:
    """An array that grows along its first axis (by half its size), like a list."""

    def __init__(self, tail: tuple[int, ...], dtype: type[np.generic], capacity: int = 1024, *,
                 in_place: bool = False) -> None:
        self.data: npt.NDArray[np.generic] = np.empty((capacity, *tail), dtype=dtype)
        self.n = 0
        #: grow with realloc (mremap for large arrays: no copy), for arrays nobody holds a view of
        #: while they grow (the steps: copying them cost a quarter of a search that keeps them)
        self.in_place = in_place

    def reserve(self, more: int) -> None:
        need = self.n + more
        if need > len(self.data):
            cap = max(need, int(len(self.data) * 1.5) + 1)
            if self.in_place:
                self.data.resize((cap, *self.data.shape[1:]), refcheck=False)
                return
            new = np.empty((cap, *self.data.shape[1:]), dtype=self.data.dtype)
            new[: self.n] = self.data[: self.n]
            self.data = new

    def growth_bytes(self, more: int) -> int:
        """Bytes a reservation of *more* would allocate."""
        need = self.n + more
        if need <= len(self.data):
            return 0
        row = self.data.itemsize * int(np.prod(self.data.shape[1:], dtype=np.int64))
        return max(need, int(len(self.data) * 1.5) + 1) * row

    def extend(self, rows: npt.NDArray[np.generic]) -> None:
        self.reserve(len(rows))
        self.data[self.n: self.n + len(rows)] = rows
        self.n += len(rows)

    def view(self) -> npt.NDArray[np.generic]:
        return self.data[: self.n]

    def trim(self) -> None:
        """Give back the spare capacity (once the search is over)."""
        if len(self.data) > self.n:
            self.data = self.data[: self.n].copy()

    @property
    def nbytes(self) -> int:
        return int(self.data.nbytes)


def current_rss() -> int | None:
    """This process's resident memory in bytes (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * _PAGE
    except (OSError, ValueError, IndexError):
        return None


try:
    import resource as _resource

    _PAGE = _resource.getpagesize()
except ImportError:  # pragma: no cover - not on Linux
    _PAGE = 4096


class Search:
    """A budgeted breadth-first search over packed states; mutable while :meth:`run` runs."""

    def __init__(self, width: int, budget: Budget, *, deadline: float | None = None, keep_edges: bool = False,
                 memory_limit: int | None = None, memory_label: str = "", top_bit_free: bool = False) -> None:
        self.width = width
        self.budget = budget
        self.deadline = deadline
        self.memory_limit = memory_limit
        self.memory_label = memory_label
        self.states = Grow((width,), np.uint64)
        self.parent = Grow((), np.int32)
        self.levels: list[int] = [0]
        self.visited: Visited | KeyTable = visited_set(width, top_bit_free, need_ids=keep_edges)
        self.keep_edges = keep_edges
        # the steps are read (csr) only once the search is over: they may grow in place
        self.targets = Grow((), np.int32, in_place=True)
        self.labels = Grow((), np.int32, in_place=True)
        self.out = Grow((), np.int64, in_place=True)  # steps out of each expanded state (CSR row lengths)
        self.complete = True
        self.stopped: str | None = None
        self.steps = 0
        self.seconds = 0.0
        self.peak = 0  # bytes of the arrays above at their largest

    def __len__(self) -> int:
        return self.states.n

    def stored(self) -> Words:
        """The states found so far, as rows of words."""
        return self.states.view()  # type: ignore[return-value]

    def _stop(self, why: str) -> None:
        self.complete, self.stopped = False, why

    def depth_of(self, sid: int) -> int:
        return bisect.bisect_right(self.levels, sid) - 1

    @property
    def depth(self) -> int:
        """The deepest state's depth (0 when there is none)."""
        return self.depth_of(self.states.n - 1) if self.states.n else 0

    def nbytes(self) -> int:
        return (self.states.nbytes + self.parent.nbytes + self.visited.nbytes + self.targets.nbytes
                + self.labels.nbytes + self.out.nbytes)

    def path(self, sid: int) -> list[int]:
        """State numbers of the breadth-first (shortest) path from an initial state to *sid*."""
        parent = self.parent.view()
        out = [sid]
        while parent[out[-1]] >= 0:
            out.append(int(parent[out[-1]]))
        out.reverse()
        return out

    def csr(self) -> tuple[Ints, npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        """(indptr, targets, labels) of the kept steps; states never expanded have none."""
        counts = np.zeros(self.states.n, dtype=np.int64)
        got = self.out.view()
        counts[: len(got)] = got
        indptr = np.zeros(self.states.n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        return indptr, self.targets.view(), self.labels.view()  # type: ignore[return-value]

    # ------------------------------------------------------------------ the search

    def run(self, initial: Words, expand: Callable[[int, int, bool], Batch], *,
            on_new: Callable[[int, int], None] | None = None, progress: Progress | None = None) -> None:
        """Search from *initial* (rows in order); *expand* gives the successors of states lo..hi-1;
        *on_new* sees every range of new state numbers."""
        started = time.perf_counter()
        try:
            self._run(initial, expand, on_new, progress)
        finally:
            self.seconds = time.perf_counter() - started
            self.peak = max(self.peak, self.nbytes())

    def _run(self, initial: Words, expand: Callable[[int, int, bool], Batch],
             on_new: Callable[[int, int], None] | None, progress: Progress | None) -> None:
        max_states, max_depth = self.budget.max_states, self.budget.max_depth
        ids, first = self.visited.insert(initial, self.stored(), 0)
        rows = np.flatnonzero(first)
        if max_states is not None and len(rows) > max_states:
            rows = rows[:max_states]
            self._stop(f"state budget ({max_states}) reached")
        self.states.extend(initial[rows])
        self.parent.extend(np.full(len(rows), -1, dtype=np.int32))
        if on_new is not None and len(rows):
            on_new(0, len(rows))
        d = 0
        per_state = 16.0  # successors per expanded state, learnt as the search goes
        expanded = 0
        cost: float | None = None  # seconds per expanded state, learnt (with a deadline only)
        while self.complete:
            lo, hi = self.levels[d], self.states.n
            if lo >= hi:
                break
            self.levels.append(hi)
            beyond = max_depth is not None and d >= max_depth
            p = lo
            while p < hi:
                size = max(MIN_BATCH, int(BATCH_STEPS / max(per_state, 1.0)))
                if self.deadline is not None:
                    now = time.perf_counter()
                    if now > self.deadline:
                        self._stop(f"timeout ({self.budget.timeout:g} s) reached")
                        return
                    if cost is not None:
                        # A whole batch takes 0.1-0.3 s at a million states, and one begun just
                        # before the deadline overran it by that much (issue 13): near the deadline
                        # a batch gets half the time left, so the batches shrink as it approaches.
                        size = min(size, max(MIN_BATCH, int((self.deadline - now) / 2 / cost)))
                q = min(hi, p + size)
                if self.memory_limit is not None and self._over_memory(int((q - p) * per_state)):
                    self._stop(f"memory limit ({self.memory_label}) reached")
                    return
                b = expand(p, q, beyond)
                if beyond:
                    if self._beyond(p, q, b, max_depth):
                        return
                else:
                    if self._expanded(p, q, b, max_states, on_new):
                        return
                    expanded += q - p
                    per_state = max(1.0, self.steps / max(expanded, 1))
                if self.deadline is not None:
                    took = (time.perf_counter() - now) / (q - p)
                    # up at once when batches get slower (load, a larger visited set), down gently
                    cost = took if cost is None or took > cost else (cost + took) / 2
                if progress is not None:
                    progress(self.states.n, self.steps, d, self.states.n - q)
                p = q
            d += 1
        # the last level appended is empty unless the search stopped early
        while len(self.levels) > 1 and self.levels[-1] >= self.states.n:
            self.levels.pop()

    def _over_memory(self, candidates: int) -> bool:
        assert self.memory_limit is not None
        rss = current_rss()
        if rss is None:
            rss = self.nbytes()
        self.peak = max(self.peak, self.nbytes())
        batch = candidates * (8 * self.width * 3 + 64)  # candidate words, labels, hashes, probing
        grow = (self.states.growth_bytes(candidates) + self.parent.growth_bytes(candidates)
                + (self.targets.growth_bytes(candidates) + self.labels.growth_bytes(candidates) if self.keep_edges else 0))
        v = self.visited
        new = candidates if isinstance(v, Visited) else candidates // 4  # most candidates are old states
        if self.states.n + new > v.size * v.MAX_LOAD:
            grow += int((self.states.n + new) / v.MAX_LOAD * v.GROWTH) * (v.nbytes // v.size)
        return rss + batch + grow > self.memory_limit

    def _beyond(self, p: int, q: int, b: Batch, max_depth: int | None) -> bool:
        """States at the depth bound: visited (for deadlocks) up to the first with successors."""
        has = np.flatnonzero(b.counts > 0)
        first = int(has[0]) if len(has) else None
        if b.error is not None and (first is None or b.error <= first):
            if b.commit is not None:
                b.commit(b.error, False)
            raise DomainErrorAt(p + b.error)
        if first is not None:
            if b.commit is not None:
                b.commit(first + 1, False)
            self._stop(f"depth bound ({max_depth}) reached")
            return True
        if b.commit is not None:
            b.commit(q - p, False)
        return False

    def _expanded(self, p: int, q: int, b: Batch, max_states: int | None,
                  on_new: Callable[[int, int], None] | None) -> bool:
        rows = q - p
        cut = min(b.error if b.error is not None else rows, b.stop if b.stop is not None else rows)
        ncand = int(b.offsets[cut])
        keys = b.keys[:ncand]
        n = self.states.n
        ids, first = self.visited.insert(keys, self.stored(), n)
        firsts = np.flatnonzero(first)
        room = max_states - n if max_states is not None else len(firsts)
        if len(firsts) > room:
            trig = int(firsts[room])
            self.steps += trig + 1
            row = int(np.searchsorted(b.offsets, trig, side="right")) - 1
            keep = firsts[:room]
            self._add(keys[keep], p, b.offsets, keep, on_new)
            if b.commit is not None:
                b.commit(row + 1, True)
            self._stop(f"state budget ({max_states}) reached")
            return True
        self.steps += ncand
        self._add(keys[firsts], p, b.offsets, firsts, on_new)
        if self.keep_edges:
            assert ids is not None
            self.targets.extend(ids.astype(np.int32))
            if b.labels is not None:
                self.labels.extend(b.labels[:ncand])
            self.out.extend(b.counts[:cut])
        if b.stop is not None and (b.error is None or b.stop < b.error):
            if b.commit is not None:
                b.commit(b.stop + 1, True)
            return True  # a visit stopped the search; it is still complete (as in the reference)
        if b.error is not None:
            if b.commit is not None:
                b.commit(b.error, True)
            raise DomainErrorAt(p + b.error)
        if b.commit is not None:
            b.commit(rows, True)
        return False

    def _add(self, words: Words, p: int, offsets: Ints, cands: Ints,
             on_new: Callable[[int, int], None] | None) -> None:
        if not len(cands):
            return
        n = self.states.n
        parents = np.searchsorted(offsets, cands, side="right") - 1 + p
        self.states.extend(words)
        self.parent.extend(parents.astype(np.int32))
        if on_new is not None:
            on_new(n, self.states.n)

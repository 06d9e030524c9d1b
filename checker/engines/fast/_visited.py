"""The visited set: an open-addressing hash table of state numbers, probed for a whole batch at once.

The table holds 32-bit state numbers (-1: empty); a state's words stay in the search's state
array, so the table costs 4 bytes a slot, 8-12 bytes a state at its load of 1/3 to 1/2. A batch
of candidate states is inserted by rounds of vectorised linear probing: in each round every
pending candidate looks at its slot; empty slots are claimed (the earliest candidate wins, so the
first occurrence of a state in the batch is the one that becomes new) and the others compare
words with the occupant and either stop (the same state) or move one slot on. Measured against
sorting (``np.unique`` plus ``searchsorted`` into a sorted visited array), see
``benchmarks/README.md``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from ._layout import Words

__all__ = ["Visited", "KeyTable", "visited_set", "hashes"]

Ints = npt.NDArray[np.int64]

_C1 = np.uint64(0xBF58476D1CE4E5B9)
_C2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def hashes(keys: Words) -> npt.NDArray[np.uint64]:
    """A 64-bit hash of each row (splitmix64's finaliser over the words)."""
    h = np.zeros(len(keys), dtype=np.uint64)
    for w in range(keys.shape[1]):
        h ^= keys[:, w]
        h += _GOLDEN
        h ^= h >> np.uint64(30)
        h *= _C1
        h ^= h >> np.uint64(27)
        h *= _C2
        h ^= h >> np.uint64(31)
    return h


class Visited:
    """Numbers of the states found so far, findable by their words (kept by the caller)."""

    MAX_LOAD = 0.5
    GROWTH = 1.5

    def __init__(self) -> None:
        self.size = 1 << 12
        self.table = np.full(self.size, -1, dtype=np.int32)

    @property
    def nbytes(self) -> int:
        return int(self.table.nbytes)

    def _slots(self, h: npt.NDArray[np.uint64]) -> Ints:
        # multiply-shift range reduction: any table size, not only powers of two
        return ((h >> np.uint64(32)) * np.uint64(self.size) >> np.uint64(32)).astype(np.int64)

    def reserve(self, stored: Words, n: int, more: int) -> None:
        """Make room for *more* states beyond the *n* stored ones (rebuilding the table if needed)."""
        if n + more <= self.size * self.MAX_LOAD:
            return
        self.size = int((n + more) / self.MAX_LOAD * self.GROWTH) + 1
        self.table = np.full(self.size, -1, dtype=np.int32)
        if n >= 1 << 31:
            raise OverflowError("more than 2**31 states")
        step = 1 << 22
        for lo in range(0, n, step):
            hi = min(n, lo + step)
            self._place(np.arange(lo, hi, dtype=np.int64), self._slots(hashes(stored[lo:hi])))

    def _place(self, ids: Ints, slot: Ints) -> None:
        """Put distinct states *ids* (known to be absent) into the table."""
        table, size = self.table, self.size
        while len(ids):
            free = np.flatnonzero(np.take(table, slot) < 0)
            claim_ids, claim_slot = np.take(ids, free), np.take(slot, free)
            table[claim_slot[::-1]] = claim_ids[::-1].astype(np.int32)
            won = np.zeros(len(ids), dtype=bool)
            won[free] = np.take(table, claim_slot) == claim_ids
            rest = np.flatnonzero(~won)
            ids, slot = np.take(ids, rest), np.take(slot, rest)
            slot += 1
            np.putmask(slot, slot == size, 0)

    def insert(self, keys: Words, stored: Words, n: int) -> tuple[Ints | None, npt.NDArray[np.bool_]]:
        """Look up (and add) the candidate rows *keys*, given the *n* states stored so far.

        Returns each candidate's state number and whether it is the first occurrence of a new
        state; new states are numbered ``n, n + 1, ...`` in order of first occurrence. The caller
        appends the new states' words to *stored* in that order.
        """
        m = len(keys)
        self.reserve(stored, n, m)
        table, size = self.table, self.size
        slot = self._slots(hashes(keys))
        res = np.empty(m, dtype=np.int64)
        placed = np.empty(m, dtype=np.int64)
        pending = np.arange(m, dtype=np.int64)
        width = keys.shape[1]
        # selections through index arrays (np.flatnonzero + np.take), not boolean masks (issue 13)
        while len(pending):
            sp = np.take(slot, pending)
            occ = np.take(table, sp).astype(np.int64)
            empty = np.flatnonzero(occ < 0)
            if len(empty):
                e, es = np.take(pending, empty), np.take(sp, empty)
                table[es[::-1]] = (e[::-1] + n).astype(np.int32)
                occ[empty] = np.take(table, es)
            mine = occ - n
            won = mine == pending
            same = won.copy()
            old = np.flatnonzero(~won & (occ < n))
            if len(old):
                eq = np.ones(len(old), dtype=bool)
                a, b = keys[np.take(pending, old)], stored[np.take(occ, old)]
                for w in range(width):
                    eq &= a[:, w] == b[:, w]
                same[old] = eq
            new = np.flatnonzero(~won & (occ >= n))
            if len(new):
                eq = np.ones(len(new), dtype=bool)
                a, b = keys[np.take(pending, new)], keys[np.take(mine, new)]
                for w in range(width):
                    eq &= a[:, w] == b[:, w]
                same[new] = eq
            hit = np.flatnonzero(same)
            res[np.take(pending, hit)] = np.take(occ, hit)
            w_ = np.flatnonzero(won)
            placed[np.take(pending, w_)] = np.take(sp, w_)
            pending = np.take(pending, np.flatnonzero(~same))
            nxt = np.take(slot, pending) + 1
            np.putmask(nxt, nxt == size, 0)
            slot[pending] = nxt
        first = res == np.arange(n, n + m, dtype=np.int64)
        rank = np.cumsum(first)
        rank += n - 1
        is_new = np.flatnonzero(res >= n)
        res[is_new] = np.take(rank, np.take(res, is_new) - n)
        f = np.flatnonzero(first)
        table[np.take(placed, f)] = np.take(res, f).astype(np.int32)
        return res, first


_EMPTY = np.uint64(0xFFFFFFFFFFFFFFFF)
_MARK = np.uint64(1 << 63)
#: slots a probing round looks at, after the first
_WINDOW = np.arange(8, dtype=np.int64)


class KeyTable:
    """The visited set of one-word states whose top bit is never set: the table holds the states
    themselves (all ones: empty), so a probe compares without reading the state array, and a
    parallel table of state numbers is kept only when steps are (for their targets).

    ``python -m benchmarks.visited`` compares it with :class:`Visited` and with sorting
    (``benchmarks/README.md``).
    """

    MAX_LOAD = 0.6
    GROWTH = 1.5
    #: a batch never fills the table beyond this (linear probing slows down past it)
    FILL = 0.75

    def __init__(self, *, need_ids: bool) -> None:
        self.size = 1 << 12
        self.need_ids = need_ids
        self._alloc()

    def _alloc(self) -> None:
        # With numbers, a slot holds the state and its number side by side (16 bytes): one gather
        # reads both, where two tables cost a second random read per lookup.
        if self.need_ids:
            self.pairs: npt.NDArray[np.uint64] | None = np.full((self.size, 2), _EMPTY, dtype=np.uint64)
            self.keys = self.pairs[:, 0]
            self.ids: npt.NDArray[np.uint64] | None = self.pairs[:, 1]
        else:
            self.pairs = None
            self.keys = np.full(self.size, _EMPTY, dtype=np.uint64)
            self.ids = None

    @property
    def nbytes(self) -> int:
        return int(self.pairs.nbytes) if self.pairs is not None else int(self.keys.nbytes)

    def _slots(self, k: npt.NDArray[np.uint64]) -> Ints:
        """The home slot of each one-word state *k*: a multiplicative hash (the high half of the
        product, after folding the high bits down) reduced to the table's size by multiply-shift;
        six passes over the keys instead of splitmix's twelve."""
        h = k >> np.uint64(29)
        h ^= k
        h *= _C1
        h >>= np.uint64(32)
        h *= np.uint64(self.size)
        h >>= np.uint64(32)
        return h.view(np.int64)

    def reserve(self, stored: Words, n: int, more: int) -> None:
        """Grow the table to hold *n* + *more* states at :data:`MAX_LOAD` / :data:`GROWTH`."""
        used = np.flatnonzero(self.keys != _EMPTY)
        old = self.keys[used]
        old_ids = self.ids[used] if self.ids is not None else None
        del used
        self.size = int((n + more) / self.MAX_LOAD * self.GROWTH) + 1
        self._alloc()
        table, size = self.keys, self.size
        step = 1 << 22
        for lo in range(0, len(old), step):
            k = old[lo:lo + step]  # distinct states, none in the new table yet
            ids = old_ids[lo:lo + step] if old_ids is not None else None
            slot = self._slots(k)
            while len(k):
                free = np.flatnonzero(table[slot] == _EMPTY)
                fs, fk = np.take(slot, free), np.take(k, free)
                table[fs[::-1]] = fk[::-1]
                won = np.zeros(len(k), dtype=bool)
                won[free] = table[fs] == fk
                if self.ids is not None and ids is not None:
                    w = np.flatnonzero(won)
                    self.ids[np.take(slot, w)] = np.take(ids, w)
                rest = np.flatnonzero(~won)
                k, slot = np.take(k, rest), np.take(slot, rest)
                if ids is not None:
                    ids = np.take(ids, rest)
                slot += 1
                np.putmask(slot, slot == size, 0)

    def insert(self, keys: Words, stored: Words, n: int) -> tuple[Ints | None, npt.NDArray[np.bool_]]:
        """As :meth:`Visited.insert`; the numbers are None unless the table keeps them.

        The table is sized for the states, not for the candidates (most of which are states seen
        before): a batch is inserted in pieces that cannot fill it beyond :data:`FILL`, and it
        grows when the states fill more than :data:`MAX_LOAD` of it.
        """
        m = len(keys)
        firsts: list[npt.NDArray[np.bool_]] = []
        numbers: list[Ints] = []
        lo = 0
        while lo < m:
            want = min(m - lo, 1 << 16)
            if n > self.size * self.MAX_LOAD or int(self.size * self.FILL) - n < want:
                self.reserve(stored, n, want)
            hi = min(m, lo + int(self.size * self.FILL) - n)
            got, first = self._insert(keys[lo:hi], n)
            firsts.append(first)
            if got is not None:
                numbers.append(got)
            n += int(first.sum())
            lo = hi
        if not firsts:
            return (None if self.ids is None else np.zeros(0, dtype=np.int64)), np.zeros(0, dtype=bool)
        first_all = firsts[0] if len(firsts) == 1 else np.concatenate(firsts)
        if self.ids is None:
            return None, first_all
        return (numbers[0] if len(numbers) == 1 else np.concatenate(numbers)), first_all

    def _insert(self, keys: Words, n: int) -> tuple[Ints | None, npt.NDArray[np.bool_]]:
        # Rounds of linear probing over the pending candidates; selections go through index arrays
        # (np.flatnonzero + np.take), several times cheaper than boolean masks here.
        m = len(keys)
        table, ids, pairs, size = self.keys, self.ids, self.pairs, self.size
        k = np.ascontiguousarray(keys[:, 0])
        sp = self._slots(k)
        first = np.zeros(m, dtype=bool)
        res = np.empty(m, dtype=np.int64) if ids is not None else None
        placed = np.empty(m, dtype=np.int64) if ids is not None else None
        pend: Ints | None = None  # the candidates still probing (None: all of them)
        kp = k
        while True:
            if pairs is not None and res is not None:
                got = np.take(pairs, sp, axis=0)
                occ = got[:, 0]
                if pend is None:
                    res[:] = got[:, 1]  # right for the hits; the others are found below
                    miss = np.flatnonzero(occ != kp)
                else:
                    same = occ == kp  # found: a state seen before, or claimed earlier in this batch
                    hit = np.flatnonzero(same)
                    if len(hit):
                        res[np.take(pend, hit)] = got[hit, 1]
                    miss = np.flatnonzero(~same)
            else:
                occ = np.take(table, sp)
                miss = np.flatnonzero(occ != kp)
            if not len(miss):
                break
            pend = miss if pend is None else np.take(pend, miss)
            kp, sp, occ = np.take(kp, miss), np.take(sp, miss), occ[miss]  # (occ may be a column)
            at = np.flatnonzero(occ == _EMPTY)
            if len(at):
                # claim in two writes: first each claimer's number with the top bit set (never a
                # state), the earliest claimer writing last and so winning; then the winners' states
                es, ei, ek = np.take(sp, at), np.take(pend, at), np.take(kp, at)
                marks = ei.view(np.uint64) | _MARK
                table[es[::-1]] = marks[::-1]
                w = np.flatnonzero(table[es] == marks)  # (table may be a column of pairs: no np.take)
                ws, wi = np.take(es, w), np.take(ei, w)
                table[ws] = np.take(ek, w)
                first[wi] = True
                if ids is not None and placed is not None:
                    ids[ws] = (wi + n).view(np.uint64)
                    placed[wi] = ws
                done = table[es] == ek  # the winners and the later copies of their states
                d = np.flatnonzero(done)
                if res is not None and ids is not None:
                    res[np.take(ei, d)] = ids[np.take(es, d)]
                if len(d) == len(pend):
                    break
                keep = np.ones(len(pend), dtype=bool)
                keep[np.take(at, d)] = False
                rest = np.flatnonzero(keep)
                pend, kp, sp = np.take(pend, rest), np.take(kp, rest), np.take(sp, rest)
            sp += 1
            np.putmask(sp, sp == size, 0)
        if res is None or ids is None or placed is None:
            return None, first
        rank = np.cumsum(first)
        rank += n - 1
        is_new = np.flatnonzero(res >= n)
        res[is_new] = np.take(rank, np.take(res, is_new) - n)
        f = np.flatnonzero(first)
        ids[np.take(placed, f)] = np.take(res, f).view(np.uint64)
        return res, first


def visited_set(width: int, top_bit_free: bool, *, need_ids: bool) -> Visited | KeyTable:
    """The visited set for states of *width* words: the states themselves in the table when they
    fit one word with a bit to spare for "empty", else state numbers."""
    if width == 1 and top_bit_free:
        return KeyTable(need_ids=need_ids)
    return Visited()

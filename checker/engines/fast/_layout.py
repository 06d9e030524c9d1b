"""Packed states: each variable a bit field of one 64-bit word, a state a row of words (issue 13).

A variable with ``m`` values takes ``ceil(log2 m)`` bits holding the position of its value in its
domain (an Enum's names in order, an Int's ``value - lo``, a Bool's ``0``/``1``); fields are laid
out in slot order and never straddle a word, so a state of the Phase 3 models takes one or two
words. The fields of one instance are contiguous, which keeps the layout ready for symmetry
reduction (canonicalising a state sorts interchangeable instances' field groups) and for a
distributed search (a hash of the words picks a state's owner).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ...expr import Bool, Domain, Enum, Int
from ...machine import System

__all__ = ["Layout", "Frame", "Unsupported", "Words", "Column", "domain_size"]

#: states as rows of 64-bit words, shape (n, width)
Words = npt.NDArray[np.uint64]
#: one variable's field (its value's position in the domain) for n states
Column = npt.NDArray[np.int64]

#: the widest field: an Int domain wider than this is not packed (the engine says so)
MAX_FIELD_BITS = 62


class Unsupported(Exception):
    """A model construct the fast engine does not handle; the message says which."""


def domain_size(domain: Domain) -> int:
    """How many values *domain* has (the domains the fast engine packs)."""
    if isinstance(domain, Bool):
        return 2
    if isinstance(domain, Int):
        return domain.hi - domain.lo + 1
    if isinstance(domain, Enum):
        return len(domain.names)
    raise Unsupported(f"the domain {domain} is not one it packs")


class Layout:
    """Where each slot of a system's state lives in the packed words, and the conversions."""

    def __init__(self, system: System) -> None:
        self.system = system
        self.domains: list[Domain] = []
        for inst in system.instances:
            for v in inst.machine.variables:
                self.domains.append(v.domain)
        self.word: list[int] = []
        self.shift: list[int] = []
        self.bits: list[int] = []
        word, used = 0, 0
        for k, d in enumerate(self.domains):
            b = (domain_size(d) - 1).bit_length()
            if b > MAX_FIELD_BITS:
                raise Unsupported(f"variable {'.'.join(system.slots[k])} has {domain_size(d)} values, "
                                  f"more than a {MAX_FIELD_BITS}-bit field holds")
            if used + b > 64:
                word, used = word + 1, 0
            self.word.append(word)
            self.shift.append(used)
            self.bits.append(b)
            used += b
        self.width = word + 1
        #: True when the last word's top bit is never set (so all ones can mean "no state")
        self.top_bit_free = used < 64
        self.mask = [(1 << b) - 1 for b in self.bits]
        self.index: list[dict[Any, int]] = [
            {name: i for i, name in enumerate(d.names)} if isinstance(d, Enum) else {} for d in self.domains
        ]

    # ------------------------------------------------------------------ one state at a time

    def position(self, k: int, value: Any) -> int:
        d = self.domains[k]
        if isinstance(d, Int):
            return int(value) - d.lo
        if isinstance(d, Bool):
            return int(bool(value))
        return self.index[k][value]

    def value(self, k: int, position: int) -> Any:
        d = self.domains[k]
        if isinstance(d, Int):
            return d.lo + position
        if isinstance(d, Bool):
            return bool(position)
        return d.names[position]

    def pack(self, state: Sequence[Any]) -> list[int]:
        words = [0] * self.width
        for k, v in enumerate(state):
            words[self.word[k]] |= self.position(k, v) << self.shift[k]
        return words

    def pack_many(self, states: Iterable[Sequence[Any]]) -> Words:
        rows = [self.pack(s) for s in states]
        return np.array(rows, dtype=np.uint64).reshape(len(rows), self.width)

    def unpack(self, row: Any) -> tuple[Any, ...]:
        words = [int(w) for w in row]
        return tuple(self.value(k, (words[self.word[k]] >> self.shift[k]) & self.mask[k]) for k in range(len(self.domains)))

    # ------------------------------------------------------------------ whole arrays

    def column(self, words: Words, k: int) -> Column:
        """Field *k* of every row of *words* (positions in the domain)."""
        if not self.bits[k]:
            return np.zeros(len(words), dtype=np.int64)
        col = words[:, self.word[k]]
        if self.shift[k]:
            col = col >> np.uint64(self.shift[k])
        return (col & np.uint64(self.mask[k])).astype(np.int64)

    def write(self, words: Words, k: int, positions: Column | int) -> None:
        """Set field *k* of every row of *words* (in place) to *positions*."""
        if not self.bits[k]:
            return
        w = self.word[k]
        clear = np.uint64(~(self.mask[k] << self.shift[k]) & 0xFFFFFFFFFFFFFFFF)
        if isinstance(positions, int):
            words[:, w] = (words[:, w] & clear) | np.uint64(positions << self.shift[k])
        else:
            words[:, w] = (words[:, w] & clear) | (positions.astype(np.uint64) << np.uint64(self.shift[k]))


class Frame:
    """A batch of states and the fields read from it so far (each decoded once per batch).

    ``prev`` is the frame of the states before a step, for ``prev(...)`` in a step rule's
    after-condition. :meth:`take` selects rows; the selection gathers the fields its source has
    already decoded instead of decoding them again.
    """

    __slots__ = ("words", "layout", "cols", "prev", "n", "_source", "_rows")

    def __init__(self, layout: Layout, words: Words, prev: Frame | None = None) -> None:
        self.layout = layout
        self.words = words
        self.cols: dict[int, Column] = {}
        self.prev = prev
        self.n = len(words)
        self._source: Frame | None = None
        self._rows: npt.NDArray[np.int64] | None = None

    def col(self, k: int) -> Column:
        got = self.cols.get(k)
        if got is None:
            src = self._source
            if src is not None and k in src.cols:
                got = src.cols[k][self._rows]
            else:
                got = self.layout.column(self.words, k)
            self.cols[k] = got
        return got

    def take(self, rows: npt.NDArray[np.int64]) -> Frame:
        sub = Frame(self.layout, self.words[rows], None if self.prev is None else self.prev.take(rows))
        sub._source, sub._rows = self, rows
        return sub

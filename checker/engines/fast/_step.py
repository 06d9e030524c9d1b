"""Successors of a whole batch of packed states, in the reference engine's order (issue 13).

For each action (a transition that fires on its own), in the order the reference engine tries
them, the guard is evaluated over the batch and the enabled rows get their new words; a
broadcast's receivers are chosen per row (every combination of one enabled receiver per
receiving instance, in ``itertools.product`` order). The successors are then placed, by a
counting scatter, exactly where the reference engine would list them: by parent, then action,
then receiver combination. That order is what makes breadth-first numbering, parents and
therefore traces identical to the reference engine's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..._compile import Label
from ...machine import System, Transition
from ._layout import Frame, Layout, Unsupported, Words
from ._vexpr import BoolFn, Compiler, ValueFn

__all__ = ["Stepper", "Expansion", "Block", "Labels", "Act", "Receiver"]

Ints = npt.NDArray[np.int64]


@dataclass(slots=True)
class Receiver:
    instance: int
    transition: Transition
    guard: BoolFn
    writes: list[tuple[int, ValueFn]]


@dataclass(slots=True)
class Act:
    """An action: a transition of one instance that fires on its own (the reference's ``Action``)."""

    index: int
    instance: int
    transition: Transition
    guard: BoolFn
    writes: list[tuple[int, ValueFn]]
    #: broadcast only: the receivers of each other instance that has some, in instance order
    receivers: list[list[Receiver]] | None = None
    label: int = -1  # a plain action's label id
    radix: list[int] = field(default_factory=list)  # label code weight of each receiving instance
    codes: dict[int, int] = field(default_factory=dict)  # broadcast label code -> label number
    dense: npt.NDArray[np.int32] | None = None  # the same as an array, when the codes are few


class Labels:
    """Every step label met so far, numbered; ``refs[i]`` is label *i* in the reference engine's form
    (an action index, or ``(action, ((instance, transition), ...))`` for a broadcast)."""

    def __init__(self) -> None:
        self.refs: list[Label] = []
        self.sender: list[int] = []
        self._ids: dict[Any, int] = {}

    def intern(self, key: Any, ref: Label, sender: int) -> int:
        got = self._ids.get(key)
        if got is None:
            got = self._ids[key] = len(self.refs)
            self.refs.append(ref)
            self.sender.append(sender)
        return got

    def __len__(self) -> int:
        return len(self.refs)


@dataclass(slots=True)
class Block:
    """The successors one action gives a batch: parent rows, new words, labels, and for a broadcast
    which receiver each receiving instance took (-1: none)."""

    act: Act
    rows: Ints
    words: Words
    labels: npt.NDArray[np.int32]
    choice: list[Ints]
    pos: Ints = field(default_factory=lambda: np.empty(0, dtype=np.int64))


@dataclass(slots=True)
class Expansion:
    """All successors of a batch, in reference order: ``keys[offsets[p]:offsets[p + 1]]`` are those
    of row *p*. ``error`` is the first row whose successors leave a variable's domain."""

    counts: Ints
    offsets: Ints
    keys: Words
    labels: npt.NDArray[np.int32]
    blocks: list[Block]
    error: int | None


class Stepper:
    """The system's actions compiled for batches."""

    def __init__(self, system: System, layout: Layout, compiler: Compiler) -> None:
        self.layout = layout
        self.labels = Labels()
        self.acts: list[Act] = []
        receivers: dict[str, list[tuple[int, Transition]]] = {}
        for i, inst in enumerate(system.instances):
            for t in inst.machine.transitions:
                if t.on is not None:
                    receivers.setdefault(t.on, []).append((i, t))

        def writes(i: int, t: Transition) -> list[tuple[int, ValueFn]]:
            name = system.instances[i].name
            return [(system.slot_of(name, var), compiler.update(value, name, system.slot_of(name, var)))
                    for var, value in t.updates]

        for i, inst in enumerate(system.instances):
            for t in inst.machine.transitions:
                if t.on is not None:
                    continue
                act = Act(len(self.acts), i, t, compiler.condition(t.guard, inst.name), writes(i, t))
                if t.emit is None:
                    act.label = self.labels.intern(act.index, act.index, act.index)
                else:
                    by_inst: dict[int, list[Receiver]] = {}
                    for j, r in receivers.get(t.emit, []):
                        if j != i:
                            by_inst.setdefault(j, []).append(
                                Receiver(j, r, compiler.condition(r.guard, system.instances[j].name), writes(j, r)))
                    act.receivers = [by_inst[j] for j in sorted(by_inst)]
                    weight = 1
                    for group in act.receivers:
                        act.radix.append(weight)
                        weight *= len(group) + 1
                        if weight >= 1 << 62:
                            raise Unsupported(f"the broadcast {t.emit!r} has too many receiver combinations to number")
                    if weight <= 1 << 16:
                        act.dense = np.full(weight, -1, dtype=np.int32)
                self.acts.append(act)
        self.instance_names = [inst.name for inst in system.instances]

    # ------------------------------------------------------------------ one batch

    def expand(self, frame: Frame) -> Expansion:
        f = frame.n
        run = np.zeros(f, dtype=np.int64)
        blocks: list[Block] = []
        error = f  # none yet
        locals_: list[Ints] = []
        for act in self.acts:
            g = act.guard(frame)
            idx = np.flatnonzero(g)
            if not len(idx):
                continue
            sub = frame.take(idx)
            words = sub.words.copy()  # the frame keeps the states before the step
            for slot, fn in act.writes:
                vals, bad = fn(sub)
                if bad is not None and bad.any():
                    error = min(error, int(idx[np.argmax(bad)]))
                self.layout.write(words, slot, vals)
            if act.receivers is None:
                local = run[idx]
                run[idx] += 1
                labels = np.full(len(idx), act.label, dtype=np.int32)
                blocks.append(Block(act, idx, words, labels, []))
                locals_.append(local)
                continue
            block, local, err = self._broadcast(act, idx, sub, words, run)
            error = min(error, err)
            blocks.append(block)
            locals_.append(local)
        offsets = np.zeros(f + 1, dtype=np.int64)
        np.cumsum(run, out=offsets[1:])
        total = int(offsets[-1])
        keys = np.empty((total, self.layout.width), dtype=np.uint64)
        labels = np.empty(total, dtype=np.int32)
        for block, local in zip(blocks, locals_, strict=True):
            block.pos = offsets[block.rows] + local
            keys[block.pos] = block.words
            labels[block.pos] = block.labels
        return Expansion(run, offsets, keys, labels, blocks, None if error == f else error)

    def _broadcast(self, act: Act, idx: Ints, sub: Frame, words: Words, run: Ints) -> tuple[Block, Ints, int]:
        """The successors of an emitting action on the rows *idx* (already guarded), with the
        sender's writes in *words*: every combination of one enabled receiver per instance."""
        assert act.receivers is not None
        n = len(idx)
        error = len(run)
        masks = [[r.guard(sub) for r in group] for group in act.receivers]
        counts = [np.add.reduce([m.astype(np.int64) for m in group]) if group else np.zeros(n, dtype=np.int64)
                  for group in masks]
        radix = [np.maximum(c, 1) for c in counts]
        tot = np.ones(n, dtype=np.int64)
        for width in radix:
            tot = tot * width
        single = int(tot.max(initial=1)) == 1
        if single:
            rep = np.arange(n, dtype=np.int64)
            digit: list[Ints] = [np.zeros(n, dtype=np.int64) for _ in radix]
            combo = np.zeros(n, dtype=np.int64)
        else:
            rep = np.repeat(np.arange(n, dtype=np.int64), tot)
            start = np.cumsum(tot) - tot
            combo = np.arange(len(rep), dtype=np.int64) - start[rep]
            digit = [np.zeros(0, dtype=np.int64)] * len(radix)
            stride = np.ones(len(rep), dtype=np.int64)
            for j in range(len(radix) - 1, -1, -1):
                rj = radix[j][rep]
                digit[j] = (combo // stride) % rj
                stride = stride * rj
            words = words[rep]
        code = np.zeros(len(rep), dtype=np.int64)
        choice: list[Ints] = []
        for j, group in enumerate(act.receivers):
            chosen = np.full(len(rep), -1, dtype=np.int64)
            rank = np.zeros(n, dtype=np.int64)
            for i, r in enumerate(group):
                m = masks[j][i]
                if single:  # at most one enabled receiver per instance: it is the one
                    picked = m
                else:
                    picked = m[rep] & (rank[rep] == digit[j])
                    rank = rank + m
                sel = np.flatnonzero(picked)
                if not len(sel):
                    continue
                chosen[sel] = i
                rows = rep[sel]
                rsub = sub.take(rows)
                part = words[sel]
                for slot, fn in r.writes:
                    vals, bad = fn(rsub)
                    if bad is not None and bad.any():
                        error = min(error, int(idx[rows[np.argmax(bad)]]))
                    self.layout.write(part, slot, vals)
                words[sel] = part
            code += (chosen + 1) * act.radix[j]
            choice.append(chosen)
        if act.dense is not None:  # a small code space: label numbers by lookup, new codes interned
            labels = act.dense[code]
            missing = labels < 0
            if missing.any():
                for u in np.unique(code[missing]):
                    act.dense[int(u)] = self._label(act, int(u))
                labels = act.dense[code]
        else:
            # few distinct codes: np.unique hashes them quickly (its sorting variants cost far more)
            uniq = np.unique(code)
            ids = np.array([self._label(act, int(u)) for u in uniq], dtype=np.int32)
            labels = ids[np.searchsorted(uniq, code)] if len(uniq) > 1 else np.full(len(code), ids[0], dtype=np.int32)
        parents = idx[rep]
        local = run[parents] + combo
        run[idx] += tot
        return Block(act, parents, words, labels, choice), local, error

    def _label(self, act: Act, code: int) -> int:
        got = act.codes.get(code)
        if got is not None:
            return got
        assert act.receivers is not None
        fired: list[tuple[int, str]] = []
        for j, group in enumerate(act.receivers):
            k = (code // act.radix[j]) % (len(group) + 1) - 1
            if k >= 0:
                r = group[k]
                fired.append((r.instance, r.transition.name))
        got = act.codes[code] = self.labels.intern((act.index, code), (act.index, tuple(fired)), act.index)
        return got

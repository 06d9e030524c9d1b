"""Successors of a whole batch of packed states, in the reference engine's order (issue 13).

For each action (a transition that fires on its own), in the order the reference engine tries
them, the enabled rows get their new words; a broadcast's receivers are chosen per row (every
combination of one enabled receiver per receiving instance, in ``itertools.product`` order). The
successors are then placed, by a counting scatter, exactly where the reference engine would list
them: by parent, then action, then receiver combination. That order is what makes breadth-first
numbering, parents and therefore traces identical to the reference engine's.

Most actions read a few fields (the instance's own and, say, the session's state): their guards
and updates are then not evaluated per state but looked up. A *table* covers consecutive plain
actions of one instance; it is indexed by the bits of every field they read or write (a *key*,
at most :data:`KEY_BITS` bits) and gives, per key, how many of the actions are enabled and, for
each, the written fields' new bits and the label. The tables are filled once per system by the
same compiled guards and updates (:mod:`._vexpr`) over every combination of the key's fields, so
they decide exactly what the expressions decide; a batch then costs a few operations per state
and per successor instead of a guard evaluation per action and state. Broadcasts look up their
sender and, per receiving instance, its receivers the same way. Actions that read more than a
key holds are evaluated over the batch as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..._compile import Label
from ...expr import Expr, Op, Ref, walk
from ...machine import System, Transition
from ._layout import Frame, Layout, Unsupported, Words, domain_size
from ._vexpr import BoolFn, Compiler, Mask, ValueFn

__all__ = ["Stepper", "Expansion", "Block", "Labels", "Act", "Receiver", "KEY_BITS"]

Ints = npt.NDArray[np.int64]

#: the widest key a table is indexed by (its tables have 2**KEY_BITS rows at most)
KEY_BITS = 14
#: the largest table of successors kept (bigger ones: the actions are evaluated instead)
_TABLE_BYTES = 1 << 22


@dataclass(slots=True)
class Receiver:
    instance: int
    transition: Transition
    guard: BoolFn
    writes: list[tuple[int, ValueFn]]
    reads: frozenset[int] | None = None  # slots its guard and updates read and write (None: unknown)


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
    reads: frozenset[int] | None = None  # slots its guard and updates read and write (None: unknown)
    sender: _Table | None = None  # broadcast: the sender's guard and writes, looked up
    groups: list[_Group] | None = None  # broadcast: each receiving instance's receivers, looked up


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
    """The successors some actions give a batch: parent rows, new words, labels, and for a
    broadcast which receiver each receiving instance took (-1: none). ``act`` is the action of a
    block of one action; a block looked up in a table has ``act`` None and its ``acts`` tell
    their successors apart by label."""

    act: Act | None
    rows: Ints
    words: Words
    labels: npt.NDArray[np.int32]
    choice: list[Ints]
    acts: list[Act] = field(default_factory=list)
    pos: Ints = field(default_factory=lambda: np.empty(0, dtype=np.int64))


@dataclass(slots=True)
class Expansion:
    """All successors of a batch, in reference order: ``keys[offsets[p]:offsets[p + 1]]`` are those
    of row *p*. ``error`` is the first row whose successors leave a variable's domain."""

    counts: Ints
    offsets: Ints
    keys: Words
    labels: npt.NDArray[np.int32] | None  # None when not asked for
    blocks: list[Block]
    error: int | None


# ---------------------------------------------------------------------- keys and tables


class _Key:
    """The bits of the fields *slots* of a packed state, side by side in one integer (runs of
    fields adjacent in a word are read with one shift and one mask)."""

    __slots__ = ("runs", "bits", "slots")

    def __init__(self, layout: Layout, slots: frozenset[int]) -> None:
        self.slots = sorted(s for s in slots if layout.bits[s])
        fields = sorted((layout.word[s], layout.shift[s], layout.bits[s]) for s in self.slots)
        runs: list[list[int]] = []
        for w, sh, b in fields:
            if runs and runs[-1][0] == w and runs[-1][1] + runs[-1][2] == sh:
                runs[-1][2] += b
            else:
                runs.append([w, sh, b])
        off = 0
        self.runs: list[tuple[int, np.uint64, np.uint64, np.uint64]] = []
        for w, sh, b in runs:
            self.runs.append((w, np.uint64(sh), np.uint64((1 << b) - 1), np.uint64(off)))
            off += b
        self.bits = off

    def __call__(self, words: Words) -> Ints:
        out: npt.NDArray[np.uint64] | None = None
        for w, sh, m, off in self.runs:
            col = words[:, w]
            part = (col >> sh) & m if sh else col & m
            if off:
                part <<= off
            if out is None:
                out = part
            else:
                out |= part
        if out is None:
            return np.zeros(len(words), dtype=np.int64)
        return out.view(np.int64)


class _Unread(Exception):
    """A compiled expression read a field its key does not hold (the table is not built)."""


class _Synthetic(Frame):
    """Every combination of the key's fields, the other fields zero; reading another field is an
    error, so a table is never built from fields it does not index."""

    __slots__ = ("allowed",)

    def __init__(self, layout: Layout, words: Words, allowed: frozenset[int]) -> None:
        super().__init__(layout, words)
        self.allowed = allowed

    def col(self, k: int) -> Any:
        if k not in self.allowed and self.layout.bits[k]:
            raise _Unread(k)
        return super().col(k)


def _combinations(layout: Layout, key: _Key) -> tuple[Words, Ints]:
    """Words holding every combination of the key's field positions, and their keys."""
    sizes = [domain_size(layout.domains[s]) for s in key.slots]
    n = int(np.prod(sizes, dtype=np.int64)) if sizes else 1
    words = np.zeros((n, layout.width), dtype=np.uint64)
    if sizes:
        grid = np.indices(sizes, dtype=np.int64).reshape(len(sizes), -1)
        for s, pos in zip(key.slots, grid, strict=True):
            layout.write(words, s, pos)
    return words, key(words)



def _evaluate(layout: Layout, words: Words, frame: Frame, guard: BoolFn,
              writes: list[tuple[int, ValueFn]]) -> tuple[Mask, Words, Mask]:
    """A guard and updates over synthetic words: (enabled, words after, enabled and out of domain)."""
    en = np.array(guard(frame), dtype=bool)
    new = words.copy()
    bad = np.zeros(len(words), dtype=bool)
    for slot, fn in writes:
        vals, out = fn(frame)
        if out is not None:
            bad |= out
        layout.write(new, slot, np.asarray(vals, dtype=np.int64))
    return en, new, bad & en


def _field_mask(layout: Layout, slots: frozenset[int]) -> npt.NDArray[np.uint64]:
    """Per word, the bits of the fields *slots*."""
    m = [0] * layout.width
    for s in slots:
        m[layout.word[s]] |= layout.mask[s] << layout.shift[s]
    return np.array(m, dtype=np.uint64)


@dataclass(slots=True)
class _Table:
    """Consecutive plain actions of one instance (or a broadcast's sender), looked up by key."""

    key: _Key
    acts: list[Act]
    cnt: Ints  # per key: how many of the actions are enabled
    maxc: int
    new: Words  # (keys * maxc, width): the written fields after the j-th enabled action
    lab: npt.NDArray[np.int32]  # (keys * maxc): its label
    bad: Mask | None  # per key: an enabled action's update leaves its domain (None: never)
    keep: npt.NDArray[np.uint64]  # per word: the bits no action of the table writes
    fires: Mask  # (keys, actions): which actions are enabled
    act_labels: npt.NDArray[np.int32]
    labels: frozenset[int]


@dataclass(slots=True)
class _Group:
    """The receivers of one instance for a broadcast, looked up by key: where at most one of them
    is enabled, which one (-1: none) and the instance's fields after it."""

    key: _Key
    cnt: Ints
    single: bool  # no key enables two receivers
    choice: Ints
    code: Ints  # (choice + 1) times the instance's weight in the broadcast's label code
    new: Words  # (keys, width): the written fields after the chosen receiver (unchanged: none)
    bad: Mask | None
    keep: npt.NDArray[np.uint64]


def _table(layout: Layout, acts: list[Act], reads: frozenset[int], written: frozenset[int]) -> _Table | None:
    key = _Key(layout, reads)
    try:
        words, keys = _combinations(layout, key)
        frame = _Synthetic(layout, words, reads)
        got = [_evaluate(layout, words, frame, a.guard, a.writes) for a in acts]
    except Exception:  # noqa: BLE001 - _Unread, or an update that fails where its guard is false: evaluate instead
        return None
    size = 1 << key.bits
    en = np.stack([g[0] for g in got], axis=1) if got else np.zeros((len(words), 0), dtype=bool)
    per = en.sum(axis=1)
    maxc = max(int(per.max(initial=0)), 1)
    if size * maxc * layout.width * 8 > _TABLE_BYTES:
        return None
    wmask = _field_mask(layout, written)
    new = np.zeros((size * maxc, layout.width), dtype=np.uint64)
    lab = np.full(size * maxc, -1, dtype=np.int32)
    bad = np.zeros(size, dtype=bool)
    fires = np.zeros((size, len(acts)), dtype=bool)
    j = np.zeros(len(words), dtype=np.int64)
    for a, (on, after, out) in enumerate(got):
        rows = np.flatnonzero(on)
        at = keys[rows] * maxc + j[rows]
        new[at] = after[rows] & wmask
        lab[at] = acts[a].label
        j[rows] += 1
        bad[keys[out]] = True
        fires[keys[rows], a] = True
    cnt = np.zeros(size, dtype=np.int64)
    cnt[keys] = per
    return _Table(key, acts, cnt, maxc, new, lab, bad if bad.any() else None, ~wmask, fires,
                  np.array([a.label for a in acts], dtype=np.int32), frozenset(a.label for a in acts))


def _group(layout: Layout, group: list[Receiver]) -> _Group | None:
    reads: set[int] = set()
    written: set[int] = set()
    for r in group:
        if r.reads is None:
            return None
        reads |= r.reads
        written |= {slot for slot, _ in r.writes}
    key = _Key(layout, frozenset(reads))
    if key.bits > KEY_BITS:
        return None
    try:
        words, keys = _combinations(layout, key)
        frame = _Synthetic(layout, words, frozenset(reads))
        got = [_evaluate(layout, words, frame, r.guard, r.writes) for r in group]
    except Exception:  # noqa: BLE001 - as in _table
        return None
    size = 1 << key.bits
    wmask = _field_mask(layout, frozenset(written))
    per = np.zeros(len(words), dtype=np.int64)
    choice = np.full(len(words), -1, dtype=np.int64)
    after = words.copy()
    bad = np.zeros(len(words), dtype=bool)
    for i, (on, w, out) in enumerate(got):
        first = on & (per == 0)
        choice[first] = i
        after[first] = w[first]
        bad |= out & first
        per += on
    cnt = np.zeros(size, dtype=np.int64)
    cnt[keys] = per
    ch = np.full(size, -1, dtype=np.int64)
    ch[keys] = choice
    new = np.zeros((size, layout.width), dtype=np.uint64)
    new[keys] = after & wmask
    badk = np.zeros(size, dtype=bool)
    badk[keys] = bad & (per == 1)
    return _Group(key, cnt, int(per.max(initial=0)) <= 1, ch, ch + 1, new, badk if badk.any() else None, ~wmask)


def _reads(system: System, exprs: list[Expr], me: str, written: list[int]) -> frozenset[int] | None:
    """The slots *exprs* (read by instance *me*) read, and *written*; None when an expression
    reads the state before a step or something the tables do not index."""
    out = set(written)
    for e in exprs:
        for node in walk(e):
            if isinstance(node, Ref):
                try:
                    out.add(system.slot(node, me))
                except (KeyError, TypeError):
                    return None
            elif isinstance(node, Op) and node.op == "prev":
                return None
    return frozenset(out)


# ---------------------------------------------------------------------- the stepper


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

        def reads(i: int, t: Transition) -> frozenset[int] | None:
            name = system.instances[i].name
            return _reads(system, [t.guard, *(value for _, value in t.updates)], name,
                          [system.slot_of(name, var) for var, _ in t.updates])

        for i, inst in enumerate(system.instances):
            for t in inst.machine.transitions:
                if t.on is not None:
                    continue
                act = Act(len(self.acts), i, t, compiler.condition(t.guard, inst.name), writes(i, t), reads=reads(i, t))
                if t.emit is None:
                    act.label = self.labels.intern(act.index, act.index, act.index)
                else:
                    by_inst: dict[int, list[Receiver]] = {}
                    for j, r in receivers.get(t.emit, []):
                        if j != i:
                            by_inst.setdefault(j, []).append(
                                Receiver(j, r, compiler.condition(r.guard, system.instances[j].name), writes(j, r),
                                         reads(j, r)))
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
        self.plan = self._plan()

    def _plan(self) -> list[Act | _Table]:
        """The actions in order, runs of plain actions of one instance grouped into tables."""
        layout = self.layout
        plan: list[Act | _Table] = []
        run: list[Act] = []
        run_reads: frozenset[int] = frozenset()

        def close() -> None:
            nonlocal run, run_reads
            if run:
                written = frozenset(s for a in run for s, _ in a.writes)
                t = _table(layout, run, run_reads, written)
                if t is None:
                    plan.extend(run)
                else:
                    plan.append(t)
            run, run_reads = [], frozenset()

        for act in self.acts:
            if act.receivers is not None:
                close()
                self._tabulate_broadcast(act)
                plan.append(act)
                continue
            if act.reads is None or _Key(layout, act.reads).bits > KEY_BITS:
                close()
                plan.append(act)
                continue
            if run and (run[0].instance != act.instance or _Key(layout, run_reads | act.reads).bits > KEY_BITS):
                close()
            run.append(act)
            run_reads = run_reads | act.reads
        close()
        return plan

    def _tabulate_broadcast(self, act: Act) -> None:
        assert act.receivers is not None
        if act.reads is None or _Key(self.layout, act.reads).bits > KEY_BITS:
            return
        sender = _table(self.layout, [act], act.reads, frozenset(s for s, _ in act.writes))
        if sender is None:
            return
        groups = [_group(self.layout, g) for g in act.receivers]
        if any(g is None for g in groups):
            return
        for grp, weight in zip(groups, act.radix, strict=True):
            assert grp is not None
            grp.code = grp.code * weight
        act.sender = sender
        act.groups = groups  # type: ignore[assignment]

    # ------------------------------------------------------------------ one batch

    def expand(self, frame: Frame, fired: set[int] | None = None, *, detail: bool = True) -> Expansion:
        """The successors of the states of *frame*; *fired* (when given) gets the label numbers of
        the steps found. Without *detail* the expansion has no labels and its broadcast blocks no
        receiver choices (what only kept steps and step rules read)."""
        f = frame.n
        run = np.zeros(f, dtype=np.int64)
        blocks: list[Block] = []
        error = f  # none yet
        locals_: list[Ints] = []
        for item in self.plan:
            if isinstance(item, _Table):
                got = self._lookup(item, frame, run, fired, detail)
                if got is None:
                    continue
                block, local, err = got
            elif item.receivers is None:
                got = self._plain(item, frame, run)
                if got is None:
                    continue
                block, local, err = got
                if fired is not None:
                    fired.add(item.label)
            else:
                got = self._emit(item, frame, run, fired, detail)
                if got is None:
                    continue
                block, local, err = got
            error = min(error, err)
            blocks.append(block)
            locals_.append(local)
        offsets = np.zeros(f + 1, dtype=np.int64)
        np.cumsum(run, out=offsets[1:])
        total = int(offsets[-1])
        width = self.layout.width
        keys = np.empty((total, width), dtype=np.uint64)
        labels = np.empty(total, dtype=np.int32) if detail else None
        for block, local in zip(blocks, locals_, strict=True):
            pos = offsets[block.rows]
            pos += local
            block.pos = pos
            if width == 1:
                keys[:, 0][pos] = block.words[:, 0]
            else:
                keys[pos] = block.words
            if labels is not None:
                labels[pos] = block.labels
        return Expansion(run, offsets, keys, labels, blocks, None if error == f else error)

    def _lookup(self, t: _Table, frame: Frame, run: Ints, fired: set[int] | None,
                detail: bool) -> tuple[Block, Ints, int] | None:
        """The successors of a table's actions, looked up."""
        key = t.key(frame.words)
        c = t.cnt[key]
        if fired is not None and not t.labels <= fired:
            seen = np.zeros(len(t.cnt), dtype=bool)
            seen[key] = True
            fired.update(int(v) for v in t.act_labels[t.fires[seen].any(axis=0)])
        error = frame.n
        if t.bad is not None:
            b = t.bad[key]
            if b.any():
                error = int(np.argmax(b))
        if t.maxc == 1:
            rows = np.flatnonzero(c)
            if not len(rows):
                return None
            local = run[rows]
            flat = key[rows]
        else:
            tot = int(c.sum())
            if not tot:
                return None
            rows = np.repeat(np.arange(frame.n, dtype=np.int64), c)
            start = np.cumsum(c)
            start -= c
            j = np.arange(tot, dtype=np.int64)
            j -= start[rows]
            local = run[rows]
            local += j
            flat = key[rows]
            flat *= t.maxc
            flat += j
        run += c
        words = np.take(frame.words, rows, axis=0)
        words &= t.keep
        words |= np.take(t.new, flat, axis=0)
        labels = t.lab[flat] if detail else np.zeros(0, dtype=np.int32)
        return Block(None, rows, words, labels, [], t.acts), local, error

    def _plain(self, act: Act, frame: Frame, run: Ints) -> tuple[Block, Ints, int] | None:
        """The successors of a plain action, its guard and updates evaluated over the batch."""
        g = act.guard(frame)
        idx = np.flatnonzero(g)
        if not len(idx):
            return None
        error = frame.n
        sub = frame.take(idx)
        words = sub.words.copy()  # the frame keeps the states before the step
        for slot, fn in act.writes:
            vals, bad = fn(sub)
            if bad is not None and bad.any():
                error = min(error, int(idx[np.argmax(bad)]))
            self.layout.write(words, slot, vals)
        local = run[idx]
        run[idx] += 1
        labels = np.full(len(idx), act.label, dtype=np.int32)
        return Block(act, idx, words, labels, [], [act]), local, error

    def _emit(self, act: Act, frame: Frame, run: Ints, fired: set[int] | None,
              detail: bool) -> tuple[Block, Ints, int] | None:
        """The successors of a broadcast: looked up where every receiving instance has at most one
        enabled receiver, else every combination (:meth:`_broadcast`)."""
        error = frame.n
        if act.sender is None or act.groups is None:
            g = act.guard(frame)
            idx = np.flatnonzero(g)
            if not len(idx):
                return None
            sub = frame.take(idx)
            words = sub.words.copy()
            for slot, fn in act.writes:
                vals, bad = fn(sub)
                if bad is not None and bad.any():
                    error = min(error, int(idx[np.argmax(bad)]))
                self.layout.write(words, slot, vals)
            block, local, err = self._broadcast(act, idx, sub, words, run)
            if fired is not None:
                fired.update(int(v) for v in np.unique(block.labels))
            return block, local, min(error, err)
        s = act.sender
        skey = s.key(frame.words)
        idx = np.flatnonzero(s.cnt[skey])
        if not len(idx):
            return None
        before = np.take(frame.words, idx, axis=0)
        sk = skey[idx]
        if s.bad is not None:
            b = s.bad[sk]
            if b.any():
                error = int(idx[np.argmax(b)])
        words = before & s.keep
        words |= np.take(s.new, sk, axis=0)  # maxc is 1: one action
        gkeys = [grp.key(before) for grp in act.groups]
        if not all(grp.single or int(grp.cnt[k].max(initial=0)) <= 1 for grp, k in zip(act.groups, gkeys, strict=True)):
            block, local, err = self._broadcast(act, idx, frame.take(idx), words, run)
            if fired is not None:
                fired.update(int(v) for v in np.unique(block.labels))
            return block, local, min(error, err)
        code = np.zeros(len(idx), dtype=np.int64)
        for grp, k in zip(act.groups, gkeys, strict=True):
            if grp.bad is not None:
                b = grp.bad[k]
                if b.any():
                    error = min(error, int(idx[np.argmax(b)]))
            words &= grp.keep
            words |= np.take(grp.new, k, axis=0)
            code += np.take(grp.code, k)
        if fired is not None:
            if act.dense is not None:
                seen = np.zeros(len(act.dense), dtype=bool)
                seen[code] = True
                fired.update(self._labels(act, np.flatnonzero(seen)).tolist())
            else:
                fired.update(self._label(act, int(u)) for u in np.unique(code))
        labels = self._labels(act, code) if detail else np.zeros(0, dtype=np.int32)
        choice = [np.take(grp.choice, k) for grp, k in zip(act.groups, gkeys, strict=True)] if detail else []
        local = run[idx]
        run[idx] += 1
        return Block(act, idx, words, labels, choice, [act]), local, error

    def _labels(self, act: Act, code: Ints) -> npt.NDArray[np.int32]:
        """Label numbers of a broadcast's receiver combinations (new ones interned)."""
        if act.dense is not None:  # a small code space: label numbers by lookup, new codes interned
            labels = act.dense[code]
            missing = labels < 0
            if missing.any():
                for u in np.unique(code[missing]):
                    act.dense[int(u)] = self._label(act, int(u))
                labels = act.dense[code]
            return labels
        # few distinct codes: np.unique hashes them quickly (its sorting variants cost far more)
        uniq = np.unique(code)
        ids = np.array([self._label(act, int(u)) for u in uniq], dtype=np.int32)
        return ids[np.searchsorted(uniq, code)] if len(uniq) > 1 else np.full(len(code), ids[0], dtype=np.int32)

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
        labels = self._labels(act, code)
        parents = idx[rep]
        local = run[parents] + combo
        run[idx] += tot
        return Block(act, parents, words, labels, choice, [act]), local, error

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

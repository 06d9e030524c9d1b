"""Symmetry reduction of the fast engine: interchangeable family members, canonical states (issue 13).

A family declared ``Family(name, machine, n=N, symmetric=True)`` says its members differ only in
their index. When that is really so, permuting the members maps reachable states to reachable
states and steps to steps (it is an automorphism of the state graph), and it changes no verdict.
The search then stores one state per orbit: its *canonical* form, in which the members' fields are
sorted (:meth:`Symmetry.canonical`, vectorised over a whole frontier). Breadth-first depths are
the same in the quotient, so counterexamples keep their shortest lengths.

When the reduction is sound (:func:`refusal` decides it, syntactically and conservatively)
--------------------------------------------------------------------------------------------
Inside the expressions of the model (every guard and update, ``terminal``, ``initial``,
``constraint``) and of the properties checked, the members of a symmetric family ``F`` may be
told apart only in ways that every permutation of ``F`` preserves:

- a member's own variables (``x`` in ``F``'s machine), and any instance outside ``F``;
- ``SELF`` in ``F``'s machine and the index ``j`` of a quantifier over the whole family
  (``forall``/``exists``/``count`` over ``F``) only as the index of ``ref(F, var, j)`` or compared
  with ``==``/``!=`` to another such index (``j != SELF``);
- no member named directly (``ref("F[0]", "x")``), no ``ref(F, var, <constant or arithmetic>)``,
  no arithmetic or ordering on indices (``(SELF + 1) % n``, ``j < SELF``), no index stored in a
  variable or used in an array (``turn == SELF``, ``flag[SELF]``);
- only state properties (``always``, ``sometimes``), step rules (``on_step``, whose tags belong to
  the family's one machine) and deadlock freedom. ``leads_to`` and ``never_after`` are not
  reduced: a fair cycle of the quotient graph is not, in general, a fair cycle of the model, and
  an observer follows one concrete member. When one of them is checked the whole check runs
  unreduced, and the coverage says why.

Everything else is already symmetric by construction: members share one machine (so their
transitions, tags, fairness and initial values), a broadcast reaches every other instance, and
fairness only matters to the liveness properties that are never reduced. When a condition fails,
or cannot be decided, the check runs unreduced and ``Coverage.symmetry`` says why; it never
reduces silently.

Counterexamples stay concrete: the parent links lead through canonical states, and
:meth:`Symmetry.concrete_path` replays the model from its initial state, taking at each step the
first successor (in the reference engine's order) whose canonical form is the next canonical
state, then renames the members so that the path ends in the stored state itself. Every trace is
thus an execution of the unreduced model, under the reference engine's step semantics.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from ..._compile import Compiled, Label, State
from ...expr import Const, Expr, Op, Ref, all_of, any_of
from ...machine import System
from ...property import Always, OnStep, Property, Sometimes
from ._layout import Layout, Words

__all__ = ["Symmetry", "refusal", "ground", "V2_INDEXING"]

#: the quantifier and indexing operators of issue 9 that :func:`ground` expands
V2_INDEXING = frozenset({"self_index", "bound", "member", "forall", "exists", "count_of"})

_INDEX_OPS = frozenset({"self_index", "bound"})


# ---------------------------------------------------------------------------- grounding


def ground(system: System, expr: Expr, me: str | None) -> Expr:
    """*expr*, read by instance *me*, with its family indexing spelled out for the packed compiler:
    ``SELF`` becomes the member's index, a quantifier over a family or a constant range becomes
    the conjunction, disjunction or count of its body for each index, and ``ref(F, var, k)`` with a
    constant ``k`` becomes the member's variable. What cannot be spelled out (an index computed
    from the state) is left as it is, for the compiler to refuse. The meaning is unchanged.

    Examples
    --------
    >>> from statebound.checker import Enum, Family, Machine, Transition, Var, exists, ref, SELF
    >>> s = Var("s", Enum("A", "B"))
    >>> m = Machine(name="m", variables=(s,), transitions=(Transition("t", updates={s: "B"}),))
    >>> sys = System(name="x", instances=(Family("p", m, n=2),), check_deadlock=False)
    >>> print(ground(sys, exists("p", lambda j: (j != SELF) & (ref("p", "s", j) == "B")), "p[1]"))
    0 != 1 & p[0].s == B | 1 != 1 & p[1].s == B
    """
    inst = system.instance(me) if me is not None else None
    k = inst.index if inst is not None else None
    return _ground(system, expr, k, {})


def _ground(system: System, e: Expr, me_index: int | None, env: dict[str, int]) -> Expr:
    if not isinstance(e, Op) or not _uses_indexing(e):
        return e
    op = e.op
    if op == "self_index":
        return Const(me_index) if me_index is not None else e
    if op == "bound":
        name = _const(e.args[0])
        return Const(env[name]) if isinstance(name, str) and name in env else e
    if op in ("forall", "exists", "count_of"):
        name, over, body = _const(e.args[0]), e.args[1], e.args[2]
        span = _span(system, over)
        if span is None or not isinstance(name, str):
            return e
        lo, hi = span
        bodies = [_ground(system, body, me_index, {**env, name: v}) for v in range(lo, hi + 1)]
        if op == "forall":
            return all_of(bodies)
        if op == "exists":
            return any_of(bodies)
        return Op("count", tuple(bodies)) if bodies else Const(0)
    args = tuple(_ground(system, a, me_index, env) for a in e.args)
    folded = _fold(op, args)
    if folded is not None:
        return folded
    if op == "member":
        fam, idx, var = _const(args[0]), args[1], _const(args[2])
        if isinstance(idx, Const) and type(idx.value) is int and isinstance(fam, str) and isinstance(var, str):
            family = system.family(fam)
            if 0 <= idx.value < family.n:
                return Ref(family.member(idx.value), var)
    return Op(op, args)


def _fold(op: str, args: tuple[Expr, ...]) -> Const | None:
    """Integer arithmetic on constants only (``(SELF + 1) % 3`` for member 2 is ``0``), with
    Python's floor semantics as the reference engine's; a zero divisor is left for it to report."""
    values = [_const(a) for a in args]
    if not values or not all(type(v) is int for v in values):
        return None
    if op == "+":
        return Const(sum(values))
    if op == "-":
        return Const(values[0] - sum(values[1:]))
    if op == "*":
        return Const(math.prod(values))
    if op in ("%", "//") and len(values) == 2 and values[1] != 0:
        return Const(values[0] % values[1] if op == "%" else values[0] // values[1])
    if op == "min":
        return Const(min(values))
    if op == "max":
        return Const(max(values))
    if op == "abs" and len(values) == 1:
        return Const(abs(values[0]))
    return None


def _uses_indexing(e: Expr) -> bool:
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, Op):
            if x.op in V2_INDEXING:
                return True
            stack.extend(x.args)
    return False


def _const(e: Expr) -> Any:
    return e.value if isinstance(e, Const) else None


def _span(system: System, over: Expr) -> tuple[int, int] | None:
    if isinstance(over, Op) and over.op == "family":
        name = _const(over.args[0])
        try:
            return 0, system.family(name).n - 1
        except KeyError:
            return None
    if isinstance(over, Op) and over.op == "range":
        lo, hi = _const(over.args[0]), _const(over.args[1])
        if type(lo) is int and type(hi) is int:
            return lo, hi
    return None


# ---------------------------------------------------------------------------- soundness


def refusal(system: System, properties: Sequence[Property]) -> str | None:
    """Why the symmetric families of *system* cannot be reduced while checking *properties* (see
    the module's docstring for the conditions), or None when the reduction is sound. A system
    without a symmetric family gets None too; :func:`symmetric_families` says whether it has one."""
    fams = {f.name for f in system.families if f.symmetric}
    if not fams:
        return None
    for p in properties:
        if not isinstance(p, (Always, Sometimes, OnStep)):
            return (f"property {p.name!r} is a {getattr(p, 'kind', type(p).__name__)} property, which symmetry "
                    "reduction does not preserve; the whole check runs unreduced")
    members = {i.name: i.family.name for i in system.instances if i.family is not None and i.family.name in fams}
    where: list[tuple[str, Expr, str | None]] = []
    for inst, t in system.transitions():
        for e in t.expressions():
            where.append((f"{inst.machine.name}.{t.name}", e, inst.name))
    for label, extra in (("terminal", system.terminal), ("initial", system.initial), ("constraint", system.constraint)):
        if extra is not None:
            where.append((f"System({label}=...)", extra, None))
    for p in properties:
        selves: list[str | None] = [None]
        if isinstance(p, OnStep):
            # evaluated for the instance whose tagged transition fires; one member stands for its family
            seen: dict[str | None, str] = {}
            for i in system.tagged_instances(p.tags):
                seen.setdefault(i.family.name if i.family is not None else i.name, i.name)
            selves = list(seen.values()) or [None]
        for f in fields(p):
            value = getattr(p, f.name)
            if isinstance(value, Expr):
                for me in selves:
                    where.append((f"property {p.name!r}", value, me))
    for label, e, me in where:
        me_family = members.get(me) if me is not None else None
        why = next(_breaks(e, fams, members, me_family, {}), None)
        if why is not None:
            return f"{label} {why}"
    return None


def _index_family(e: Expr, me_family: str | None, bound: dict[str, str | None]) -> str | None:
    """The symmetric family whose member index *e* is (SELF or a quantifier's index), else None."""
    if isinstance(e, Op) and e.op == "self_index":
        return me_family
    if isinstance(e, Op) and e.op == "bound":
        return bound.get(_const(e.args[0]))
    return None


def _breaks(e: Expr, fams: set[str], members: dict[str, str], me_family: str | None,
            bound: dict[str, str | None]) -> Iterator[str]:
    """Why *e* tells the members of a symmetric family apart (nothing when it does not)."""
    if isinstance(e, Ref):
        if e.instance in members:
            yield f"names the member {e.instance!r} of the symmetric family {members[e.instance]!r}"
        return
    if not isinstance(e, Op):
        return
    op = e.op
    if op in _INDEX_OPS:
        fam = _index_family(e, me_family, bound)
        if fam is not None:
            what = "SELF" if op == "self_index" else f"the index {_const(e.args[0])!r} of a quantifier over {fam!r}"
            yield f"uses {what} as a number (the members of {fam!r} would not be interchangeable)"
        return
    if op in ("forall", "exists", "count_of"):
        name, over, body = _const(e.args[0]), e.args[1], e.args[2]
        fam = _const(over.args[0]) if isinstance(over, Op) and over.op == "family" else None
        yield from _breaks(over, fams, members, me_family, bound)
        yield from _breaks(body, fams, members, me_family, {**bound, name: fam if fam in fams else None})
        return
    if op == "member":
        fam, idx = _const(e.args[0]), e.args[1]
        if fam in fams:
            if _index_family(idx, me_family, bound) != fam:
                yield (f"reads a member of the symmetric family {fam!r} at a chosen index "
                       f"(ref({fam!r}, ..., index) with an index other than SELF or a quantifier's over {fam!r})")
            return
        yield from _breaks(idx, fams, members, me_family, bound)
        return
    if op in ("==", "!=") and len(e.args) == 2:
        a, b = (_index_family(x, me_family, bound) for x in e.args)
        if a is not None and a == b:
            return  # j != SELF: preserved by every permutation
    for x in e.args:
        yield from _breaks(x, fams, members, me_family, bound)


# ---------------------------------------------------------------------------- canonical states


@dataclass(slots=True)
class _Member:
    """Where one member's fields lie in the packed words, and how they form its sort key."""

    slots: list[int]
    word: list[int]
    shift: list[int]
    mask: list[int]
    offset: list[int]  # of each field in the key
    block: tuple[int, int, int] | None  # (word, shift, key mask) when the fields are one run of bits

    def read(self, words: Words) -> npt.NDArray[np.uint64]:
        if self.block is not None:
            w, s, m = self.block
            return (words[:, w] >> np.uint64(s)) & np.uint64(m)
        key = np.zeros(len(words), dtype=np.uint64)
        for w, s, m, o in zip(self.word, self.shift, self.mask, self.offset, strict=True):
            if m:
                key |= ((words[:, w] >> np.uint64(s)) & np.uint64(m)) << np.uint64(o)
        return key

    def write(self, words: Words, key: npt.NDArray[np.uint64]) -> None:
        if self.block is not None:
            w, s, m = self.block
            words[:, w] = (words[:, w] & np.uint64(~(m << s) & 0xFFFFFFFFFFFFFFFF)) | (key << np.uint64(s))
            return
        for w, s, m, o in zip(self.word, self.shift, self.mask, self.offset, strict=True):
            if m:
                field = (key >> np.uint64(o)) & np.uint64(m)
                words[:, w] = (words[:, w] & np.uint64(~(m << s) & 0xFFFFFFFFFFFFFFFF)) | (field << np.uint64(s))


@dataclass(slots=True)
class _Family:
    name: str
    members: list[_Member]


class Symmetry:
    """The symmetric families of a packed system and their canonical forms.

    The canonical form of a state sorts, per family, the members' keys (each member's fields
    read as one integer) in increasing order; two states are in one orbit exactly when their
    canonical forms are equal.
    """

    def __init__(self, system: System, layout: Layout, families: Sequence[str]) -> None:
        self.system = system
        self.layout = layout
        self.families: list[_Family] = []
        for name in families:
            fam = system.family(name)
            members = []
            for k in range(fam.n):
                slots = [system.slot_of(fam.member(k), v.name) for v in fam.machine.variables]
                bits = [layout.bits[s] for s in slots]
                offset = [sum(bits[:i]) for i in range(len(bits))]
                total = sum(bits)
                if total > 63:
                    raise ValueError(f"the members of {name!r} take {total} bits, more than one sort key holds")
                word = [layout.word[s] for s in slots]
                shift = [layout.shift[s] for s in slots]
                block = None
                if slots and len(set(word)) == 1 and all(shift[i] == shift[0] + offset[i] for i in range(len(slots))):
                    block = (word[0], shift[0], (1 << total) - 1)
                members.append(_Member(slots, word, shift, [(1 << b) - 1 for b in bits], offset, block))
            if fam.n > 1 and any(layout.bits[s] for s in members[0].slots):
                self.families.append(_Family(name, members))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.families)

    def __bool__(self) -> bool:
        return bool(self.families)

    def _keys(self, fam: _Family, words: Words) -> npt.NDArray[np.uint64]:
        keys = np.empty((len(words), len(fam.members)), dtype=np.uint64)
        for k, m in enumerate(fam.members):
            keys[:, k] = m.read(words)
        return keys

    def canonical(self, words: Words) -> Words:
        """The canonical form of every row of *words* (a new array)."""
        out = words.copy()
        if not len(words):
            return out
        for fam in self.families:
            keys = self._keys(fam, words)
            keys.sort(axis=1)
            for k, m in enumerate(fam.members):
                m.write(out, keys[:, k])
        return out

    def orbit_sizes(self, words: Words) -> npt.NDArray[np.float64]:
        """How many states each canonical row of *words* stands for: per family ``n!`` over the
        product of ``m!`` for each group of ``m`` equal members."""
        size = np.ones(len(words), dtype=np.float64)
        for fam in self.families:
            keys = self._keys(fam, words)
            run = np.ones(len(words), dtype=np.float64)
            denominator = np.ones(len(words), dtype=np.float64)
            for j in range(1, keys.shape[1]):
                run = np.where(keys[:, j] == keys[:, j - 1], run + 1, 1.0)
                denominator *= run
            size *= math.factorial(len(fam.members)) / denominator
        return size

    def represented(self, words: Words) -> int:
        """How many states of the unreduced model the canonical rows *words* stand for (exact up
        to 2**53, which float64 sums hold)."""
        total = 0.0
        step = 1 << 20
        for lo in range(0, len(words), step):
            total += float(self.orbit_sizes(words[lo:lo + step]).sum())
        return int(round(total))

    # ------------------------------------------------------------------ one state at a time

    def canonical_state(self, state: State) -> State:
        return self.layout.unpack(self.canonical(self.layout.pack_many([state]))[0])

    def renaming(self, state: State) -> list[tuple[list[int], list[int]]]:
        """Per family, the member order that sorts *state* into its canonical form, as (the slots
        of the new member j, the slots of the old member it takes) pairs flattened per family."""
        out: list[tuple[list[int], list[int]]] = []
        for fam in self.families:
            keys = []
            for m in fam.members:
                key = 0
                for s, o in zip(m.slots, m.offset, strict=True):
                    key |= self.layout.position(s, state[s]) << o
                keys.append(key)
            order = sorted(range(len(keys)), key=keys.__getitem__)
            new = [s for m in fam.members for s in m.slots]
            old = [s for k in order for s in fam.members[k].slots]
            out.append((new, old))
        return out

    @staticmethod
    def rename(state: State, renaming: list[tuple[list[int], list[int]]]) -> State:
        out = list(state)
        for new, old in renaming:
            for a, b in zip(new, old, strict=True):
                out[a] = state[b]
        return tuple(out)

    def concrete_path(self, compiled: Compiled, canonical: Sequence[State]) -> tuple[list[State], list[Label]]:
        """A concrete execution of the unreduced model through the orbits of *canonical* (a path
        of canonical states, each a successor's canonical form of the one before), ending in
        ``canonical[-1]`` itself, with the reference engine's label of each step."""
        first = canonical[0]
        path = [first]
        for target in canonical[1:]:
            succ = [t for _, t in compiled.successors(path[-1])]
            forms = self.canonical(self.layout.pack_many(succ)) if succ else np.empty((0, self.layout.width), np.uint64)
            want = np.array(self.layout.pack(target), dtype=np.uint64)
            hit = np.flatnonzero((forms == want).all(axis=1))
            if not len(hit):
                raise AssertionError("symmetry: no successor of a state on the path reaches the next orbit")
            path.append(succ[int(hit[0])])
        # rename the members so that the path ends in the stored (canonical) state itself: what
        # a report says about that state (a step rule's step, a model error) then reads on the trace
        r = self.renaming(path[-1])
        path = [self.rename(s, r) for s in path]
        assert path[-1] == canonical[-1], "symmetry: renaming the path did not reach the canonical state"
        labels: list[Label] = []
        for a, b in zip(path, path[1:], strict=False):
            labels.append(next(lab for lab, t in compiled.successors(a) if t == b))
        return path, labels

"""The explored state graph of the fast engine: packed states, parents, depths and (when kept) steps,
with the reference :class:`~..reference.explore.Exploration`'s public surface (issue 13)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..._compile import Compiled, Label, OutOfDomain, State
from ...expr import Expr
from ...machine import System
from ...property import Always, LeadsTo, NeverAfter, OnStep, Sometimes
from ...result import Coverage, StateValues, Step, Trace
from ._layout import Frame, Layout, Unsupported, Words
from ._search import Batch, Search
from ._step import Stepper
from ._symmetry import Symmetry, ground
from ._vexpr import BoolFn, Compiler, ValueFn

__all__ = ["Packed", "FastExploration"]


class Packed:
    """A system compiled for the fast engine: its layout, expression compiler and stepper, beside
    the reference engine's compiled system (used for traces and messages)."""

    def __init__(self, system: System, compiled: Compiled) -> None:
        self.system = system
        self.compiled = compiled
        unsupported = _unsupported_parts(system)
        if unsupported:
            raise Unsupported(unsupported)
        self.layout = Layout(system)
        self.compiler = _Grounded(system, self.layout)
        self.stepper = Stepper(system, self.layout, self.compiler)

    def initial(self) -> Words:
        return self.layout.pack_many(self.compiled.initial_states())

    def frame(self, words: Words, prev: Frame | None = None) -> Frame:
        return Frame(self.layout, words, prev)


class _Grounded(Compiler):
    """The expression compiler, given every expression with its family indexing spelled out
    (:func:`._symmetry.ground`: ``SELF``, quantifiers over a family, ``ref(F, x, k)``), so that
    the fast engine checks models written with families (issue 13's symmetric benchmark)."""

    def condition(self, expr: Expr, me: str | None) -> BoolFn:
        return super().condition(ground(self.system, expr, me), me)

    def update(self, expr: Expr, me: str, slot: int) -> ValueFn:
        return super().update(ground(self.system, expr, me), me, slot)


class _States(Sequence[State]):
    """The states as tuples, unpacked on access."""

    def __init__(self, ex: FastExploration) -> None:
        self.ex = ex

    def __len__(self) -> int:
        return len(self.ex)

    def __getitem__(self, sid: Any) -> Any:
        if isinstance(sid, slice):
            return [self.ex.state(i) for i in range(*sid.indices(len(self)))]
        return self.ex.state(int(sid))

    def __iter__(self) -> Iterator[State]:
        for sid in range(len(self)):
            yield self.ex.state(sid)


class FastExploration:
    """States numbered in breadth-first order (the reference engine's numbering), shortest-path
    parents, depths and, when kept, every step as CSR arrays."""

    def __init__(self, packed: Packed, search: Search, symmetry: Symmetry | None = None,
                 symmetry_note: str | None = None) -> None:
        self.packed = packed
        self.compiled = packed.compiled
        self.search = search
        self.fired: set[int] = set()  # label numbers of the steps taken
        #: the reduction the search used (its states are then canonical; see :mod:`._symmetry`)
        self.symmetry = symmetry
        #: what the coverage says about symmetry (reduced or why not); None without a symmetric family
        self.symmetry_note = symmetry_note
        self._carried: npt.NDArray[np.bool_] | None = None

    @property
    def complete(self) -> bool:
        return self.search.complete

    @property
    def stopped(self) -> str | None:
        return self.search.stopped

    @property
    def states(self) -> Sequence[State]:
        return _States(self)

    def __len__(self) -> int:
        return len(self.search)

    def words(self) -> Words:
        return self.search.states.view()  # type: ignore[return-value]

    def state(self, sid: int) -> State:
        return self.packed.layout.unpack(self.search.states.data[sid])

    def values(self, sid: int) -> StateValues:
        return self.compiled.values(self.state(sid))

    def is_initial(self, sid: int) -> bool:
        return bool(self.search.parent.data[sid] < 0)

    def depth_of(self, sid: int) -> int:
        return self.search.depth_of(sid)

    def successors(self, sid: int) -> list[tuple[Step, int]]:
        """Every step out of *sid* and the state it leads to (needs kept steps)."""
        if not self.search.keep_edges:
            raise ValueError("this exploration kept no edges; explore with keep_edges=True")
        if self.symmetry is not None:
            raise ValueError("a symmetry-reduced exploration has no concrete steps between its states")
        indptr, targets, labels = self.search.csr()
        s = self.state(sid)
        refs = self.packed.stepper.labels.refs
        return [(self.compiled.step(refs[int(labels[e])], s, self.state(int(targets[e]))), int(targets[e]))
                for e in range(int(indptr[sid]), int(indptr[sid + 1]))]

    def carried(self) -> npt.NDArray[np.bool_]:
        """Which label numbers some kept step carries (counted once: a pass over every step took
        0.03-0.2 s per ``never_after`` at a million states, issue 13). In slices: ``np.bincount``
        first copied every label to 64 bits (0.13 s at ten million steps, a third of that here)."""
        if self._carried is None:
            labels = self.search.labels.view()
            carried = np.zeros(len(self.packed.stepper.labels.refs), dtype=bool)
            for lo in range(0, len(labels), 1 << 20):
                carried[labels[lo:lo + (1 << 20)]] = True
            self._carried = carried
        return self._carried

    def path(self, sid: int) -> tuple[list[State], list[Label]]:
        """States and labels of the shortest path to *sid*, exactly as the reference engine gives it:
        each label is the first step (in successor order) from the parent to the child."""
        states = [self.state(i) for i in self.search.path(sid)]
        if self.symmetry is not None:
            # the stored states are canonical: replay a concrete execution through their orbits
            return self.symmetry.concrete_path(self.compiled, states)
        return states, labels_between(self.compiled, states)

    def trace(self, sid: int) -> Trace:
        states, labels = self.path(sid)
        return self.compiled.trace(states, labels)

    def unfired(self) -> tuple[str, ...]:
        fired: set[tuple[str, str]] = set()
        refs = self.packed.stepper.labels.refs
        for lab in self.fired:
            # label_parts, not label_transitions: a broadcast's receiver combinations make many
            # labels (tens of thousands at MODEL.md N=10), and looking up each transition cost 0.4 s
            a, recv = self.compiled.label_parts(refs[lab])
            fired.add((a.inst.name, a.transition.name))
            fired.update(recv)
        if self.symmetry is not None:
            # a member's transition fires somewhere exactly when every member's does (the reachable
            # states are closed under permutations), but only one member of an orbit is expanded
            reduced = set(self.symmetry.names)
            by_family = {(i.family.name, t) for i, t in ((self.compiled.system.instance(n), t) for n, t in fired)
                         if i.family is not None and i.family.name in reduced}
            fired |= {(inst.name, t.name) for inst, t in self.compiled.system.transitions()
                      if inst.family is not None and (inst.family.name, t.name) in by_family}
        return tuple(f"{inst.name}.{t.name}" for inst, t in self.compiled.system.transitions()
                     if (inst.name, t.name) not in fired)

    def coverage(self) -> Coverage:
        s = self.search
        represented = self.symmetry.represented(self.words()) if self.symmetry is not None else None
        return Coverage(states=len(s), steps=s.steps, depth=s.depth, seconds=s.seconds, complete=s.complete,
                        stopped=s.stopped, unfired=self.unfired() if s.complete else (),
                        symmetry=self.symmetry_note, represented=represented)

    def domain_error(self, sid: int) -> Exception:
        """The model error of an update that leaves its domain from state *sid*, with its trace."""
        c = self.compiled
        states, labels = self.path(sid)
        for _label, result in c.find_step(states[-1]):
            if isinstance(result, OutOfDomain):
                return c.domain_error(result, c.trace(states, labels))
        raise AssertionError("the fast engine found an update leaving its domain that the reference does not")


def labels_between(c: Compiled, states: Sequence[State]) -> list[Label]:
    """The first label (in successor order) of a step from each state to the next."""
    labels: list[Label] = []
    for a, b in zip(states, states[1:], strict=False):
        labels.append(next(lab for lab, t in c.successors(a) if t == b))
    return labels


Expand = Callable[[int, int, bool], Batch]


def _unsupported_parts(system: System) -> str:
    """What of *system* the fast engine does not handle ("" when nothing). It checks the first
    edition of the language (issue 13); the second edition's constructs (issue 9: fairness groups,
    shared variables, initial predicates, constraints, cascades in waves, new property kinds) are
    named here, so that it says so instead of answering wrongly. ``SELF``, quantifiers over a family
    or a constant range and ``ref(F, x, k)`` are spelled out before compiling (:class:`_Grounded`);
    arrays, division and arithmetic beyond ``+ - *`` on variables are refused by the expression
    compiler the same way."""
    known = (Always, Sometimes, OnStep, NeverAfter, LeadsTo)
    for p in system.properties:
        if not isinstance(p, known):
            return f"property {p.name!r} is a {getattr(p, 'kind', type(p).__name__)} property, which it does not check"
    for attr, what in (("fairness", "fairness groups (System(fairness=...))"), ("shared", "shared variables"),
                       ("initial", "an initial predicate (System(initial=...))"),
                       ("constraint", "a state constraint (System(constraint=...))")):
        value = getattr(system, attr, None)  # an expression has no truth value: test what it is
        if value is None or (isinstance(value, tuple) and not value):
            continue
        return f"{what}: not supported"
    if system.slots != tuple((i.name, v.name) for i in system.instances for v in i.machine.variables):
        return "its state has variables outside its instances"
    for inst in system.instances:
        for t in inst.machine.transitions:
            if t.on is not None and t.emit is not None:
                return f"{inst.name}.{t.name} receives and emits (a cascade in waves)"
    return ""

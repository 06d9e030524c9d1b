"""Hypothesis strategies for random small models: ``machines()``, ``systems()`` and ``properties()``.

Generated systems are always well-formed and never leave a domain (increments are guarded), but
they exercise everything the semantics has: several instances (sometimes of one shared machine),
guards reading other instances, Int variables with guarded increments and resets, Bool flips,
nondeterministic initial values, tags, weak and strong fairness, and broadcasts with zero, one or
several enabled receivers per instance. Every instance has the same variable names (``state``,
``n``, ``b``) so that any instance can read any other.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, replace

from hypothesis import strategies as st

from statebound.checker import (
    Bool, Enum, Expr, Instance, Int, Machine, System, Transition, Var, always, count, implies, is_in, ite,
    leads_to, never_after, on_step, ref, sometimes,
)

__all__ = ["machines", "systems", "properties", "atoms", "STATES", "TAGS", "EVENT"]

STATES = ("s0", "s1", "s2")
TAGS = ("t1", "t2", "t3")
EVENT = "ev"


@dataclass(frozen=True, slots=True)
class _Spec:
    """A transition before it is built (broadcasts are fixed up at system level)."""

    name: str
    guard: Expr
    updates: tuple[tuple[str, Expr], ...]
    tags: frozenset[str]
    fair: str | None
    emit: str | None
    on: str | None

    def build(self) -> Transition:
        return Transition(self.name, guard=self.guard, updates=self.updates, tags=self.tags,
                          fair=self.fair, emit=self.emit, on=self.on)


def _nonempty_subset(values: Sequence[object]) -> st.SearchStrategy[frozenset[object]]:
    return st.sets(st.sampled_from(list(values)), min_size=1, max_size=len(values)).map(frozenset)


@st.composite
def _variables(draw: st.DrawFn) -> tuple[Var, Var, Var]:
    k = draw(st.integers(2, 3))
    hi = draw(st.integers(1, 2))
    states = STATES[:k]
    init_state = draw(_nonempty_subset(states)) if draw(st.booleans()) else states[0]
    init_n = draw(_nonempty_subset(range(hi + 1))) if draw(st.booleans()) else None
    init_b = draw(st.sampled_from([None, True, frozenset({False, True})]))
    return (
        Var("state", Enum(*states), initial=init_state),
        Var("n", Int(0, hi), initial=init_n),
        Var("b", Bool(), initial=init_b),
    )


@st.composite
def _transition(draw: st.DrawFn, k: int, variables: tuple[Var, Var, Var], others: Sequence[str],
                broadcast: bool) -> _Spec:
    state, n, b = variables
    hi = n.domain.hi  # type: ignore[union-attr]
    names = state.domain.names  # type: ignore[union-attr]
    role = draw(st.sampled_from(["plain", "plain", "plain", "emit", "on", "on"])) if broadcast else "plain"
    if role == "on" and draw(st.booleans()):
        guard: Expr = state != draw(st.sampled_from(names))  # receivers that are often enabled
    else:
        guard = state == draw(st.sampled_from(names))
    updates: list[tuple[str, Expr]] = []
    if draw(st.booleans()):
        updates.append(("state", _const_or(draw(st.sampled_from(names)))))
    n_update = draw(st.sampled_from(["none", "none", "inc", "reset", "ite"]))
    if n_update == "inc":
        guard = guard & (n < hi)  # guarded increment: never leaves Int(0, hi)
        updates.append(("n", n + 1))
    elif n_update == "reset":
        updates.append(("n", _const_or(0)))
    elif n_update == "ite":
        updates.append(("n", _ite(b, 0, n)))
    b_update = draw(st.sampled_from(["none", "none", "flip", "true", "copy"]))
    if b_update == "flip":
        updates.append(("b", ~b))
    elif b_update == "true":
        updates.append(("b", _const_or(True)))
    elif b_update == "copy" and others:
        updates.append(("b", ref(draw(st.sampled_from(list(others))), "b")))
    extra = draw(st.sampled_from(["none", "none", "b", "not-b", "foreign-state", "foreign-n"]))
    if extra == "b":
        guard = guard & b
    elif extra == "not-b":
        guard = guard & ~b
    elif extra == "foreign-state" and others:
        guard = guard & (ref(draw(st.sampled_from(list(others))), "state") == draw(st.sampled_from(STATES[:2])))
    elif extra == "foreign-n" and others:
        guard = guard & (ref(draw(st.sampled_from(list(others))), "n") >= 1)
    tags = frozenset(draw(st.sets(st.sampled_from(TAGS), max_size=2)))
    # fairness often, so that liveness counterexamples are cycles and not only stutters
    fair = draw(st.sampled_from([None, "weak", "weak", "strong"])) if role != "on" else None
    return _Spec(
        name=f"t{k}",
        guard=guard,
        updates=tuple(updates),
        tags=tags,
        fair=fair,
        emit=EVENT if role == "emit" else None,
        on=EVENT if role == "on" else None,
    )


def _const_or(value: object) -> Expr:
    from statebound.checker import Const

    return Const(value)  # type: ignore[arg-type]


def _ite(c: Expr, a: object, b: Expr) -> Expr:
    from statebound.checker import ite

    return ite(c, a, b)  # type: ignore[arg-type]


@st.composite
def _machine_spec(draw: st.DrawFn, name: str, others: Sequence[str], broadcast: bool,
                  max_transitions: int) -> tuple[str, tuple[Var, Var, Var], list[_Spec], bool]:
    variables = draw(_variables())
    count = draw(st.integers(1, max_transitions))
    specs = [draw(_transition(k, variables, others, broadcast)) for k in range(count)]
    return name, variables, specs, draw(st.booleans())


def _build(name: str, variables: tuple[Var, Var, Var], specs: Sequence[_Spec], implementation: bool) -> Machine:
    return Machine(name=name, variables=variables, transitions=tuple(s.build() for s in specs),
                   implementation=implementation)


def machines(*, others: Sequence[str] = (), max_transitions: int = 4) -> st.SearchStrategy[Machine]:
    """One random machine (no broadcasts) whose guards may read the instances named *others*."""
    return _machine_spec("m", others, False, max_transitions).map(lambda spec: _build(*spec))


def atoms(system: System) -> st.SearchStrategy[Expr]:
    """Random boolean formulas over *system*'s variables (``ref``s only, no *self*)."""
    return _atoms(tuple(i.name for i in system.instances))


@functools.lru_cache(maxsize=None)
def _atoms(names: tuple[str, ...]) -> st.SearchStrategy[Expr]:
    # built once per set of instance names: constructing strategies is what costs most here
    some = st.sampled_from(names)
    leaf = st.one_of(
        st.tuples(some, st.sampled_from(STATES[:2])).map(lambda a: ref(a[0], "state") == a[1]),
        st.tuples(some, st.integers(0, 1)).map(lambda a: ref(a[0], "n") <= a[1]),
        some.map(lambda i: ref(i, "b")),
        # the rest of the operators, so every engine's translation of them is exercised
        some.map(lambda i: is_in(ref(i, "state"), "s0", "s1")),
        st.integers(1, 2).map(lambda k: count(ref(i, "b") for i in names) >= k),
        st.tuples(some, some).map(lambda a: ite(ref(a[0], "b"), ref(a[1], "n"), 1) * 2 - ref(a[0], "n") > 0),
        st.tuples(some, some).map(lambda a: ref(a[0], "state") != ref(a[1], "state")),
    )
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.tuples(inner, inner).map(lambda a: a[0] & a[1]),
            st.tuples(inner, inner).map(lambda a: a[0] | a[1]),
            inner.map(lambda a: ~a),
            st.tuples(inner, inner).map(lambda a: implies(a[0], a[1])),
        ),
        max_leaves=3,
    )


_LOCAL = st.one_of(
    st.just(Var("b", Bool())),
    st.sampled_from(STATES[:2]).map(lambda v: Var("state", Enum(*STATES)) == v),
    st.integers(0, 1).map(lambda k: Var("n", Int(0, 2)) <= k),
)


@st.composite
def properties(draw: st.DrawFn, system: System) -> tuple[object, ...]:
    """One property of each kind over *system* (a step rule and observers only when tags exist)."""
    used = sorted(system.tags())
    props: list[object] = [
        always("inv", draw(atoms(system))),
        sometimes("wit", draw(atoms(system))),
        leads_to("live", draw(atoms(system)), draw(atoms(system))),
    ]
    if used:
        local = _LOCAL
        props.append(on_step("step", draw(st.sampled_from(used)), before=draw(st.one_of(local, atoms(system))),
                             after=draw(st.one_of(local, atoms(system)))))
        trig, forb = draw(st.sampled_from(used)), draw(st.sampled_from(used))
        props.append(never_after("obs-each", trigger=trig, forbidden=forb,
                                 until=draw(st.one_of(st.sampled_from([(), *used]), local)), per_instance=True))
        props.append(never_after("obs-all", trigger=trig, forbidden=forb,
                                 until=draw(st.one_of(st.sampled_from([(), *used]), atoms(system))),
                                 per_instance=False))
    return tuple(props)


@st.composite
def systems(draw: st.DrawFn, *, max_instances: int = 3, max_transitions: int = 4, broadcast: bool = True,
            with_properties: bool = True, force_broadcast: bool = False) -> System:
    """A random well-formed small system, with one property of each kind when asked.

    Instances may share a machine; broadcasts are kept only when someone both emits and receives.
    With *force_broadcast* there are at least two machines, the first one's first transition emits
    and every other machine has two receivers (a nondeterministic choice when both are enabled).
    """
    count = draw(st.integers(2 if force_broadcast else 1, max_instances))
    names = [f"i{k}" for k in range(count)]
    specs = []
    for k, name in enumerate(names):
        if k > 0 and not force_broadcast and draw(st.integers(0, 3)) == 0:
            specs.append(specs[draw(st.integers(0, k - 1))])  # the same machine, instantiated again
            continue
        specs.append(draw(_machine_spec(f"m{k}", names, broadcast, max_transitions)))
    if force_broadcast:
        first = specs[0]
        specs_rest = specs[1:]
        specs = [(first[0], first[1], [replace(first[2][0], emit=EVENT, on=None), *first[2][1:]], first[3])]
        for n, v, ss, impl in specs_rest:
            recv = [
                _Spec("r1", v[2] | ~v[2], (("b", ~v[2]),), frozenset({"t1"}), None, None, EVENT),
                _Spec("r2", v[0] != STATES[1], (("state", _const_or(STATES[0])),), frozenset(), None, None, EVENT),
            ]
            specs.append((n, v, [*ss, *recv], impl))
    emits = any(s.emit for _, _, ss, _ in specs for s in ss)
    recvs = any(s.on for _, _, ss, _ in specs for s in ss)
    if emits != recvs:  # an event nobody receives (or nobody sends) is a model error: drop the role
        specs = [(n, v, [replace(s, emit=None, on=None) for s in ss], impl) for n, v, ss, impl in specs]
    built: dict[str, Machine] = {}
    instances = []
    for name, spec in zip(names, specs):
        mname = spec[0]
        if mname not in built:
            built[mname] = _build(*spec)
        instances.append(Instance(name, built[mname]))
    system = System(name="random", instances=tuple(instances))
    terminal = draw(st.one_of(st.none(), atoms(system)))
    props = draw(properties(system)) if with_properties else ()
    return System(name="random", instances=tuple(instances), terminal=terminal, properties=props)  # type: ignore[arg-type]

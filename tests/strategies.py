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
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from hypothesis import strategies as st

from statebound.checker import (
    SELF,
    Array,
    Bool,
    Enum,
    Expr,
    Fairness,
    Family,
    Instance,
    Int,
    Machine,
    System,
    Transition,
    Var,
    always,
    count,
    exists,
    forall,
    implies,
    is_in,
    ite,
    leads_to,
    max_of,
    min_of,
    never_after,
    on_step,
    ref,
    shared,
    sometimes,
)

__all__ = ["machines", "systems", "systems_v2", "properties", "atoms", "atoms_v2", "STATES", "TAGS", "EVENT", "RELAY"]

STATES = ("s0", "s1", "s2")
TAGS = ("t1", "t2", "t3")
EVENT = "ev"
RELAY = "relay"  # what a receiver of EVENT may emit in its turn (a cascade, issue 9)


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


@functools.cache
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
def properties(draw: st.DrawFn, system: System, atoms: Callable[[System], st.SearchStrategy[Expr]] = atoms) -> tuple[object, ...]:
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
    for k, _name in enumerate(names):
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
    for name, spec in zip(names, specs, strict=True):
        mname = spec[0]
        if mname not in built:
            built[mname] = _build(*spec)
        instances.append(Instance(name, built[mname]))
    system = System(name="random", instances=tuple(instances))
    terminal = draw(st.one_of(st.none(), atoms(system)))
    props = draw(properties(system)) if with_properties else ()
    return System(name="random", instances=tuple(instances), terminal=terminal, properties=props)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the second edition (issue 9)

FAMILY = "f"
G = shared("g", Int(0, 2))  # a shared counter
ARR = shared("arr", Array(Int(0, 1), size=2))  # a shared array


def atoms_v2(system: System) -> st.SearchStrategy[Expr]:
    """:func:`atoms` plus formulas with the second edition's constructs over *system* (its shared
    variables, its family ``f`` and arithmetic), none of which can fail while evaluated."""
    names = tuple(i.name for i in system.instances)
    fam = FAMILY if any(f.name == FAMILY for f in system.families) else None
    return _atoms_v2(names, fam, bool(system.shared))


@functools.cache
def _atoms_v2(names: tuple[str, ...], fam: str | None, with_shared: bool) -> st.SearchStrategy[Expr]:
    some = st.sampled_from(names)
    leaves: list[st.SearchStrategy[Expr]] = [
        st.tuples(some, st.integers(2, 3)).map(lambda a: (ref(a[0], "n") + 1) % a[1] == 0),
        st.tuples(some, some).map(lambda a: max_of(ref(a[0], "n"), ref(a[1], "n")) - min_of(ref(a[0], "n"), 1) >= 1),
        st.tuples(some, some).map(lambda a: abs(ref(a[0], "n") - ref(a[1], "n")) // 2 == 0),
        st.integers(0, 1).map(lambda k: count(Int(0, 1), lambda j: ref(names[0], "n") >= j) > k),
    ]
    if with_shared:
        leaves += [
            st.integers(0, 2).map(lambda k: ref("shared", "g") <= k),
            st.tuples(st.integers(0, 1), st.integers(0, 1)).map(lambda a: ref("shared", "arr")[a[0]] == a[1]),
            some.map(lambda i: ref("shared", "arr")[ref(i, "n") % 2] == 1),
        ]
    if fam is not None:
        leaves += [
            st.sampled_from(STATES[:2]).map(lambda v: exists(fam, lambda j: ref(fam, "state", j) == v)),
            st.integers(1, 2).map(lambda k: count(fam, lambda j: ref(fam, "b", j)) >= k),
            some.map(lambda i: forall(fam, lambda j: ref(fam, "n", j) <= ref(i, "n"))),
        ]
    return st.one_of(_atoms(names), st.recursive(
        st.one_of(*leaves),
        lambda inner: st.one_of(
            st.tuples(inner, inner).map(lambda a: a[0] & a[1]),
            inner.map(lambda a: ~a),
            st.tuples(inner, inner).map(lambda a: implies(a[0], a[1])),
        ),
        max_leaves=2,
    ))


@st.composite
def _v2_transition(draw: st.DrawFn, k: int, variables: tuple[Var, Var, Var], others: Sequence[str], *,
                   in_family: bool, fam_size: int, shared_vars: bool, cascades: bool, errors: bool,
                   arith: bool) -> _Spec:
    """A transition using the second edition's constructs (on top of :func:`_transition`'s)."""
    state, n, b = variables
    hi = n.domain.hi  # type: ignore[union-attr]
    names = state.domain.names  # type: ignore[union-attr]
    roles = ["plain", "plain", "on"] + (["relay-on", "on-relay"] if cascades else [])
    role = draw(st.sampled_from(roles))
    guard: Expr = state == draw(st.sampled_from(names)) if role == "plain" or draw(st.booleans()) else state != names[0]
    extra: list[str] = []
    if arith:
        extra += ["mod", "minmax", "abs", "div"]
    if in_family:
        extra += ["exists-other", "forall", "count", "next"]
    elif fam_size:
        extra += ["exists"]
    if shared_vars:
        extra += ["g-small", "arr-read"]
    if extra:
        which = draw(st.sampled_from(extra))
        fam = FAMILY
        if which == "mod":
            guard = guard & ((n + draw(st.integers(0, 2))) % draw(st.integers(2, 3)) == 0)
        elif which == "minmax":
            guard = guard & (min_of(n, draw(st.integers(0, 2))) < max_of(n, 1))
        elif which == "abs":
            guard = guard & (abs(n - 1) <= draw(st.integers(0, 1)))
        elif which == "div":
            divisor = (G + 1) if not errors or draw(st.booleans()) else G  # G may be 0: an error to find
            guard = guard & ((n + 2) // (divisor if shared_vars else 2) >= 1)
        elif which == "exists-other":
            guard = guard & exists(fam, lambda j: (j != SELF) & ref(fam, "b", j))
        elif which == "forall":
            guard = guard & forall(fam, lambda j: ref(fam, "n", j) <= n)
        elif which == "count":
            guard = guard & (count(fam, lambda j: ref(fam, "state", j) == names[0]) >= draw(st.integers(1, 2)))
        elif which == "next":
            guard = guard & (ref(fam, "state", (SELF + 1) % fam_size) != draw(st.sampled_from(names)))
        elif which == "exists":
            guard = guard & exists(fam, lambda j: ref(fam, "b", j))
        elif which == "g-small":
            guard = guard & (G <= draw(st.integers(0, 1)))
        elif which == "arr-read":
            guard = guard & (ARR[n % 2] == draw(st.integers(0, 1)))
    updates: list[tuple[object, Expr]] = []
    if draw(st.booleans()):
        updates.append((state, _const_or(draw(st.sampled_from(names)))))
    writes_shared = shared_vars and role in ("plain", "relay-on" if errors else "-", "on" if errors else "-")
    if writes_shared:
        what = draw(st.sampled_from(["none", "g-inc", "g-reset", "arr", "arr-self"]))
        if what == "g-inc":
            guard = guard & (G < 2)
            updates.append((G, G + 1))
        elif what == "g-reset":
            updates.append((G, _const_or(0)))
        elif what == "arr":
            index = n + 1 if errors and draw(st.booleans()) else n % 2  # n + 1 may be 2: an error to find
            updates.append((ARR[index], 1 - ARR[n % 2]))
        elif what == "arr-self" and in_family:
            updates.append((ARR[SELF % 2], _const_or(1)))
    if draw(st.booleans()):
        guard = guard & (n < hi)
        updates.append((n, n + 1))
    if draw(st.booleans()):
        updates.append((b, ~b if draw(st.booleans()) else ref(draw(st.sampled_from(list(others))), "b")))
    emit = RELAY if role == "on-relay" else None
    on = EVENT if role in ("on", "on-relay") else RELAY if role == "relay-on" else None
    if role == "plain" and draw(st.integers(0, 3)) == 0:
        emit = EVENT
        # a sender writing a shared variable that a receiver it sets off also writes is a static
        # model error: senders here write no shared variable
        updates = [(key, value) for key, value in updates
                   if not any(key is x for x in (G, ARR)) and not _writes_arr(key)]
    fair = draw(st.sampled_from([None, "weak", "strong"])) if on is None else None
    tags = frozenset(draw(st.sets(st.sampled_from(TAGS), max_size=1)))
    return _Spec(name=f"v{k}", guard=guard, updates=tuple(updates), tags=tags,  # type: ignore[arg-type]
                 fair=fair, emit=emit, on=on)


def _writes_arr(key: object) -> bool:
    from statebound.checker import Op

    return isinstance(key, Op) and key.op == "item"


@st.composite
def systems_v2(draw: st.DrawFn, *, family: bool = True, shared_vars: bool = True, cascades: bool = True,
               initial: bool = True, constraint: bool = True, arith: bool = True, fairness: bool = True,
               errors: bool = False, with_properties: bool = True, max_transitions: int = 3) -> System:
    """A random small system with the second edition's constructs (issue 9): a family ``f`` of
    2-3 members, a plain instance ``i0``, shared variables ``g`` and ``arr``, receivers of
    ``ev`` that emit ``relay`` in their turn, guards with quantifiers and arithmetic, an initial
    predicate, a state constraint and fairness groups. With *errors*, some models fail while exploring (an
    index out of range, a division by zero, two receivers writing one shared variable), which
    an engine must report as a model error.

    Receivers of an event nobody emits are kept (a warning, not an error); emitted events
    nobody receives are dropped, as :func:`systems` does.
    """
    fam_size = draw(st.integers(2, 3)) if family else 0
    names = [FAMILY + f"[{k}]" for k in range(fam_size)] + ["i0"]
    specs: list[tuple[str, tuple[Var, Var, Var], list[_Spec], bool]] = []
    for k, in_family in ((0, True), (1, False)) if family else ((1, False),):
        variables = draw(_variables())
        base = [draw(_transition(j, variables, names, True)) for j in range(draw(st.integers(0, 2)))]
        base = [replace(t, emit=None, on=None) if t.on or t.emit else t for t in base]
        more = [draw(_v2_transition(j, variables, names, in_family=in_family, fam_size=fam_size, shared_vars=shared_vars,
                                    cascades=cascades, errors=errors, arith=arith))
                for j in range(draw(st.integers(1, max_transitions)))]
        specs.append((f"m{k}", variables, base + more, draw(st.booleans())))
    if cascades and family and draw(st.booleans()):
        # a cascade that fires: i0 sends EVENT, f[0] relays it, the other members (and maybe i0's
        # own receiver, which cannot take part twice) receive RELAY in the second wave
        (n0, v0, t0, impl0), (n1, v1, t1, impl1) = specs
        write = (((G, _const_or(1)),) if errors and shared_vars else ())
        t0 = [*t0,
              _Spec("c0", SELF == 0, ((v0[2], ~v0[2]),), frozenset({"t1"}), None, RELAY, EVENT),
              _Spec("c1", v0[0] != STATES[1], ((v0[1], _const_or(0)), *write), frozenset(), None, None, RELAY)]
        t1 = [*t1, _Spec("c2", v1[0] == STATES[0], ((v1[2], ~v1[2]),), frozenset({"t2"}), "weak", EVENT, None)]
        if draw(st.booleans()):
            t1.append(_Spec("c3", v1[2] | ~v1[2], write, frozenset(), None, None, RELAY))
        specs = [(n0, v0, t0, impl0), (n1, v1, t1, impl1)]
    every = [t for _, _, ts, _ in specs for t in ts]
    for event in (EVENT, RELAY):
        if any(t.emit == event for t in every) and not any(t.on == event for t in every):
            specs = [(n, v, [replace(t, emit=None) if t.emit == event else t for t in ts], impl) for n, v, ts, impl in specs]
            every = [t for _, _, ts, _ in specs for t in ts]
    machines = [_build(*spec) for spec in specs]
    instances: list[Instance | Family] = []
    if family:
        instances.append(Family(FAMILY, machines[0], n=fam_size, symmetric=draw(st.booleans())))
    instances.append(Instance("i0", machines[-1]))
    shared_decl = (G, ARR) if shared_vars else ()
    if shared_vars and initial:
        shared_decl = (shared("g", Int(0, 2), initial=draw(_nonempty_subset(range(3)))), ARR)
    bare = System(name="random", instances=instances, shared=shared_decl)
    # a disjunction, so that an initial predicate no state satisfies (a model error) stays rare
    init = draw(atoms_v2(bare)) | draw(atoms_v2(bare)) if initial and draw(st.integers(0, 3)) else None
    cons = draw(atoms_v2(bare)) if constraint and draw(st.integers(0, 2)) == 0 else None
    terminal = draw(st.one_of(st.none(), atoms_v2(bare)))
    props = draw(properties(bare, atoms_v2)) if with_properties else ()
    groups: list[Fairness] = []
    senders = sorted((i.name, t.name) for i, t in bare.transitions() if t.on is None)
    if fairness and senders:
        for k in range(draw(st.integers(0, 2))):
            members = draw(st.sets(st.sampled_from(senders), min_size=1, max_size=3))
            groups.append(Fairness(draw(st.sampled_from(["weak", "strong"])), tuple(sorted(members)), name=f"g{k}"))
    return System(name="random", instances=instances, shared=shared_decl, initial=init, constraint=cons,
                  terminal=terminal, properties=props, fairness=groups)  # type: ignore[arg-type]

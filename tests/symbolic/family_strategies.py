"""Random small systems with one symmetric family inside the quantified fragment of the parametric
proofs (issue 14): members read themselves (``SELF``), the other members only through
``forall``/``exists`` over the family, an outside instance ``i0`` and a shared counter ``g``;
broadcasts go from ``i0`` to every member and from a member to ``i0`` and the other members.
(``tests/strategies.py``'s ``systems_v2`` names members by their index, which no proof for every N
can read.)"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import strategies as st

from statebound.checker import (
    SELF,
    Bool,
    Enum,
    Expr,
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
    ite,
    on_step,
    ref,
    shared,
)

__all__ = ["family_systems", "FAMILY"]

FAMILY = "f"
STATES = Enum("s0", "s1", "s2")
G = shared("g", Int(0, 3))


def _vars() -> tuple[Var, Var, Var]:
    return Var("state", STATES), Var("n", Int(0, 2)), Var("b", Bool())


def _self_atom(draw: st.DrawFn, state: Expr, n: Expr, b: Expr) -> Expr:
    kind = draw(st.sampled_from(["state", "n", "b", "not-b", "true"]))
    if kind == "state":
        return state == draw(st.sampled_from(STATES.names))
    if kind == "n":
        return n <= draw(st.integers(0, 1))
    if kind == "b":
        return b
    if kind == "not-b":
        return ~b
    return state == state


def _others(draw: st.DrawFn, in_family: bool) -> Expr:
    """A condition on the other members (or all of them), the outside instance or g."""
    kind = draw(st.sampled_from(["none", "none", "exists", "forall", "i0", "g"]))
    other: Callable[[Expr], Expr] = (lambda j: j != SELF) if in_family else (lambda j: j == j)
    if kind == "exists":
        v = draw(st.sampled_from(STATES.names))
        return exists(FAMILY, lambda j: other(j) & (ref(FAMILY, "state", j) == v))
    if kind == "forall":
        k = draw(st.integers(0, 1))
        return forall(FAMILY, lambda j: implies(other(j), ref(FAMILY, "n", j) <= k))
    if kind == "i0":
        return ref("i0", "state") == draw(st.sampled_from(STATES.names))
    if kind == "g":
        return G <= draw(st.integers(0, 2))
    return ref("i0", "b") | ~ref("i0", "b")


@st.composite
def _transition(draw: st.DrawFn, k: int, in_family: bool, role: str) -> Transition:
    state, n, b = _vars()
    guard = _self_atom(draw, state, n, b)
    if role != "on":
        guard = guard & _others(draw, in_family)
    updates: list[tuple[object, object]] = []
    if draw(st.booleans()):
        updates.append((state, draw(st.sampled_from(STATES.names))))
    what = draw(st.sampled_from(["none", "inc", "reset", "ite"]))
    if what == "inc":
        guard = guard & (n < 2)
        updates.append((n, n + 1))
    elif what == "reset":
        updates.append((n, 0))
    elif what == "ite":
        updates.append((n, ite(b, 0, n)))
    bw = draw(st.sampled_from(["none", "flip", "copy", "any"]))
    if bw == "flip":
        updates.append((b, ~b))
    elif bw == "copy":
        updates.append((b, ref("i0", "b")))
    elif bw == "any":
        updates.append((b, exists(FAMILY, lambda j: ref(FAMILY, "b", j))))
    if role == "plain" and draw(st.integers(0, 3)) == 0:
        guard = guard & (G < 3)
        updates.append((G, G + 1))
    tags = frozenset(draw(st.sets(st.sampled_from(["t1", "t2"]), max_size=1)))
    return Transition(f"t{k}", guard=guard, updates=tuple(updates), tags=tags,  # type: ignore[arg-type]
                      emit="ev" if role == "emit" else None, on="ev" if role == "on" else None)


@st.composite
def _machine(draw: st.DrawFn, name: str, in_family: bool) -> Machine:
    count = draw(st.integers(1, 3))
    roles = [draw(st.sampled_from(["plain", "plain", "emit", "on"])) for _ in range(count)]
    return Machine(name=name, variables=_vars(),
                   transitions=tuple(draw(_transition(k, in_family, r)) for k, r in enumerate(roles)))


@st.composite
def _property(draw: st.DrawFn, k: int, tags: list[str]) -> object:
    kind = draw(st.sampled_from(["forall", "exists", "i0", "count", *(["step"] if tags else [])]))
    if kind == "count":
        # compared with a constant: translated exactly ("no two distinct members ...")
        v = draw(st.sampled_from(STATES.names))
        counted = count(FAMILY, lambda j: ref(FAMILY, "state", j) == v)
        c = draw(st.integers(0, 2))
        expr = draw(st.sampled_from([counted <= c, counted >= c, counted == c, counted != c, c < counted]))
        return always(f"p{k}", implies(ref("i0", "b"), expr) if draw(st.booleans()) else expr)
    if kind == "forall":
        v = draw(st.sampled_from(STATES.names))
        bound = draw(st.integers(0, 1))
        return always(f"p{k}", forall(FAMILY, lambda j: implies(ref(FAMILY, "state", j) == v, ref(FAMILY, "n", j) <= bound)))
    if kind == "exists":
        return always(f"p{k}", implies(ref("i0", "state") == draw(st.sampled_from(STATES.names)),
                                       ~exists(FAMILY, lambda j: ref(FAMILY, "b", j))))
    if kind == "i0":
        return always(f"p{k}", (G <= draw(st.integers(0, 2))) | ref("i0", "b"))
    state, n, b = _vars()
    return on_step(f"p{k}", draw(st.sampled_from(tags)), before=draw(st.sampled_from([b, ~b, n <= 1])))


@st.composite
def family_systems(draw: st.DrawFn, *, n: int = 2) -> System:
    """A random system: ``i0``, a symmetric family ``f`` of *n* members, the shared ``g``."""
    member = draw(_machine("member", True))
    outside = draw(_machine("outside", False))
    every = [*member.transitions, *outside.transitions]
    if not (any(t.emit for t in every) and any(t.on for t in every)):
        strip = [m.with_transitions(*(Transition(t.name, guard=t.guard, updates=t.updates, tags=t.tags)
                                      for t in m.transitions if t.emit or t.on)) for m in (member, outside)]
        member, outside = strip
    tags = sorted({tag for m in (member, outside) for t in m.transitions for tag in t.tags})
    props = tuple(draw(_property(k, tags)) for k in range(draw(st.integers(1, 3))))
    return System(name="family", instances=(Instance("i0", outside), Family(FAMILY, member, n=n, symmetric=True)),
                  shared=(G,), properties=props, check_deadlock=draw(st.booleans()))  # type: ignore[arg-type]

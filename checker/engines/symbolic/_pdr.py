"""Property-directed reachability (IC3/PDR) through z3's Spacer: an inductive strengthening found
automatically, for what k-induction could not prove (issue 14).

The system becomes three constrained Horn clauses over an unknown invariant ``Inv``: the initial
states are in it, a step keeps it, and no bad state (or step) leaves it. When Spacer finds such an
``Inv``, it is not taken on trust: it is checked again by three plain SMT queries in the engine's
own encoding (initiation, consecution, safety), and only then does the property count as proved.
The invariant is shown to the user, clause by clause, in the model's own names: it is the lemma
k-induction lacked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import z3

from ...expr import Bool, Domain, Int
from ._encode import Encoding, Frame, Term, solve
from ._goals import Goal, bad
from ._unroll import Clock, Unknown

__all__ = ["Found", "pdr"]

Fact = tuple[bool, Callable[[Frame, Frame | None], Term]]


@dataclass(frozen=True, slots=True)
class Found:
    """Spacer's answer: ``proved`` (with the checked invariant's clauses), ``violated`` (some
    execution breaks the goal, at a depth Spacer does not say) or ``unknown``."""

    answer: str
    clauses: tuple[str, ...] = ()
    reason: str = ""


def _check(ctx: Any, clock: Clock, *constraints: Term) -> bool:
    solver = z3.Solver(ctx=ctx)
    ms = clock.left_ms()
    if ms is not None:
        solver.set("timeout", ms)
    solver.add(*constraints)
    got = solve(solver)
    if got == z3.unknown:
        raise Unknown(f"z3 answered unknown ({solver.reason_unknown()})")
    return bool(got == z3.sat)


def pdr(enc: Encoding, goals: Sequence[Goal], facts: Sequence[Fact], clock: Clock, *, seconds: float | None) -> Found:
    """Look for one inductive invariant that excludes every one of *goals*' bad states (or
    steps), assuming the proved *facts*; at most *seconds* (and never past the clock's deadline).
    ``violated`` means that some execution breaks one of them."""
    f, g = enc.frame("now"), enc.frame("next")
    xs, ys = list(f.variables()), list(g.variables())
    if not xs:
        return Found("unknown", reason="the system has no variables")
    labels = [f.act, *f.recv.values()]
    inv = z3.Function("Inv", *[x.sort() for x in xs], z3.BoolSort(enc.ctx))
    known = [build(f, None) for on_step, build in facts if not on_step]
    known_step = [build(f, g) for on_step, build in facts if on_step]
    here = [*enc.domain(f), *known]
    step = [*here, *enc.domain(g), *enc.trans(f, g), *known_step]
    # a bad state needs no successor to be bad: state goals are not asked with a step
    bad_states = enc.any(bad(enc, goal, f) for goal in goals if not goal.step)
    bad_steps = enc.any(bad(enc, goal, f, g) for goal in goals if goal.step)
    horn = z3.SolverFor("HORN", ctx=enc.ctx)
    ms = clock.left_ms()
    if seconds is not None:
        ms = min(ms, int(seconds * 1000)) if ms is not None else int(seconds * 1000)
    if ms is not None:
        horn.set("timeout", max(1, ms))
    horn.add(z3.ForAll(xs, z3.Implies(z3.And(*enc.init(f), *enc.domain(f)), inv(*xs))))
    horn.add(z3.ForAll(xs + ys + labels, z3.Implies(z3.And(inv(*xs), *step), inv(*ys))))
    # a bad state may name a step of its own (an update leaving its domain: which action, which
    # receivers), so the labels are quantified there too
    horn.add(z3.ForAll(xs + labels, z3.Implies(z3.And(inv(*xs), *here, bad_states), False)))
    horn.add(z3.ForAll(xs + ys + labels, z3.Implies(z3.And(inv(*xs), *step, bad_steps), False)))
    got = solve(horn)
    if got == z3.unsat:
        return Found("violated")
    if got != z3.sat:
        return Found("unknown", reason=horn.reason_unknown())
    body = horn.model()[inv]
    if body is None:
        return Found("unknown", reason="Spacer gave no invariant")
    definition = body.else_value() if isinstance(body, z3.FuncInterp) else body

    def at(frame: Frame) -> Term:
        return z3.substitute_vars(definition, *frame.variables())

    # do not take Spacer's word for it: check the invariant is inductive and excludes the goals
    if _check(enc.ctx, clock, *enc.init(f), *enc.domain(f), z3.Not(at(f))):
        return Found("unknown", reason="Spacer's invariant does not contain every initial state")
    if _check(enc.ctx, clock, at(f), *step, z3.Not(at(g))):
        return Found("unknown", reason="Spacer's invariant is not inductive")
    if _check(enc.ctx, clock, at(f), *here, bad_states) or _check(enc.ctx, clock, at(f), *step, bad_steps):
        return Found("unknown", reason="Spacer's invariant does not exclude the violation")
    return Found("proved", clauses=show_clauses(enc, f, z3.simplify(at(f))))


# --------------------------------------------------------------------------- readable invariants


def show_clauses(enc: Encoding, f: Frame, inv: Term) -> tuple[str, ...]:
    """*inv* (over frame *f*) as clauses in the model's names: ``ws.ready in {OPEN, CLOSING} | ...``."""
    names: dict[int, tuple[str, Domain | None]] = {}
    flat = f.variables()
    for x, (name, domain) in zip(flat, enc.flat_names(), strict=False):
        names[x.get_id()] = (name, domain)
    for o, flags in zip(enc.observers, f.armed, strict=True):
        for w, flag in zip(o.watched, flags, strict=True):
            names[flag.get_id()] = (f"armed({o.prop.name}" + ("" if w == "*" else f", {w}") + ")", None)
    parts = inv.children() if z3.is_and(inv) else [inv]
    return tuple(_clause(enc, names, p) for p in parts)


def _clause(enc: Encoding, names: dict[int, tuple[str, Domain | None]], e: Any) -> str:
    """A clause ``~a | ~b | c`` reads better as ``a & b => c``."""
    if not z3.is_or(e):
        return _show(enc, names, e, 0)
    negative = [c.arg(0) for c in e.children() if z3.is_not(c)]
    positive = [c for c in e.children() if not z3.is_not(c)]
    if not negative:
        return _show(enc, names, e, 0)
    ante = " & ".join(_show(enc, names, c, 3) for c in negative)
    if not positive:
        return f"~({ante})"
    return ante + " => " + " | ".join(_show(enc, names, c, 2) for c in positive)


_CMP = {z3.Z3_OP_EQ: "==", z3.Z3_OP_LE: "<=", z3.Z3_OP_GE: ">=", z3.Z3_OP_LT: "<", z3.Z3_OP_GT: ">"}
_FLIP = {"==": "==", "<=": ">=", ">=": "<=", "<": ">", ">": "<"}


def _holds(a: int, op: str, b: int) -> bool:
    return {"==": a == b, "<=": a <= b, ">=": a >= b, "<": a < b, ">": a > b}[op]


def _show(enc: Encoding, names: dict[int, tuple[str, Domain | None]], e: Any, outer: int) -> str:
    if z3.is_true(e):
        return "true"
    if z3.is_false(e):
        return "false"
    if z3.is_not(e):
        inner = e.arg(0)
        atom = _atom(enc, names, inner, negated=True)
        return atom if atom is not None else "~" + _show(enc, names, inner, 3)
    if z3.is_and(e) or z3.is_or(e):
        prec = 2 if z3.is_and(e) else 1
        text = (" & " if prec == 2 else " | ").join(_show(enc, names, c, prec) for c in e.children())
        return f"({text})" if outer > prec else text
    if z3.is_implies(e):
        text = f"{_show(enc, names, e.arg(0), 1)} => {_show(enc, names, e.arg(1), 0)}"
        return f"({text})" if outer > 0 else text
    atom = _atom(enc, names, e, negated=False)
    if atom is not None:
        return atom
    return _raw(names, e)


def _atom(enc: Encoding, names: dict[int, tuple[str, Domain | None]], e: Any, *, negated: bool) -> str | None:
    """A comparison of one variable with a constant, or a Boolean variable, in the model's words."""
    if z3.is_const(e) and e.get_id() in names:
        name = names[e.get_id()][0]
        return f"~{name}" if negated else name
    if not z3.is_app(e) or e.num_args() != 2:
        return None
    op = _CMP.get(e.decl().kind())
    if op is None:
        return None
    a, b = e.arg(0), e.arg(1)
    if z3.is_int_value(a) and z3.is_const(b):
        a, b, op = b, a, _FLIP[op]
    if not (z3.is_const(a) and a.get_id() in names and z3.is_int_value(b)):
        return None
    name, domain = names[a.get_id()]
    c = b.as_long()
    if domain is None or isinstance(domain, Bool):
        return None
    if isinstance(domain, Int):
        if domain.hi - domain.lo > 64:
            shown = f"{name} {op} {c}"
            return f"~({shown})" if negated else shown
        values: list[object] = [v for v in range(domain.lo, domain.hi + 1) if _holds(v, op, c) != negated]
    else:
        values = [n for n in domain.names if _holds(enc.code(n), op, c) != negated]
    every = list(domain.values)
    if not values:
        return "false"
    if len(values) == len(every):
        return "true"
    if len(values) == 1:
        return f"{name} == {values[0]}"
    if len(values) == len(every) - 1:
        return f"{name} != {next(v for v in every if v not in values)}"
    return f"{name} in {{{', '.join(str(v) for v in values)}}}"


def _raw(names: dict[int, tuple[str, Domain | None]], e: Any) -> str:
    """Anything else as z3 prints it, variables named without their frame."""
    return str(e).replace("@now", "")

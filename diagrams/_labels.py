"""Edge labels from expression trees: specialise a guard to one control state, wrap the rest.

A machine diagram draws a transition once per control state it can leave. Substituting that
state into the guard (and simplifying) tells whether the transition can leave it at all and
leaves only the part of the guard the diagram still has to print (issue 4).
"""

from __future__ import annotations

from collections.abc import Iterable

from ..checker import Const, Expr, Op, Ref, to_text
from ..checker.expr import Value

__all__ = ["specialise", "possible_values", "branches", "wrap_conjuncts", "is_false", "is_true", "text"]

WIDTH = 36  # characters per label line; wider labels make dot's layout sprawl


_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "!=": "=="}


def _eval(op: str, vals: list[Value]) -> Value | None:
    a = vals[0] if vals else None
    b = vals[1] if len(vals) > 1 else None
    try:
        if op == "not":
            return not a
        if op == "and":
            return all(vals)
        if op == "or":
            return any(vals)
        if op == "implies":
            return (not a) or bool(b)
        if op == "==":
            return a == b
        if op == "!=":
            return a != b
        if op == "in":
            return a in vals[1:]
        if op == "ite":
            return vals[1] if a else vals[2]
        if op == "count":
            return sum(bool(v) for v in vals)
        if op in ("<", "<=", ">", ">=", "+", "-", "*"):
            x, y = int(a), int(b)  # type: ignore[arg-type]
            return {
                "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y, "+": x + y, "-": x - y, "*": x * y,
            }[op]
    except (TypeError, ValueError):
        return None
    return None


def specialise(expr: Expr, variable: str, value: Value, *, selves: Iterable[str | None] = (None,)) -> Expr:
    """*expr* with the firing instance's *variable* replaced by *value*, then simplified.

    ``selves`` are the instance names that mean *self* (``None`` always does).
    """
    me = set(selves) | {None}

    def go(e: Expr) -> Expr:
        if isinstance(e, Ref):
            return Const(value) if (e.instance in me and e.name == variable) else e
        if not isinstance(e, Op):
            return e
        args = [go(a) for a in e.args]
        if all(isinstance(a, Const) for a in args):
            v = _eval(e.op, [a.value for a in args])  # type: ignore[attr-defined]
            if v is not None:
                return Const(v)
        if e.op in ("and", "or"):
            unit, zero = (True, False) if e.op == "and" else (False, True)
            kept: list[Expr] = []
            for a in args:
                if isinstance(a, Const) and bool(a.value) is zero:
                    return Const(zero)
                if isinstance(a, Const) and bool(a.value) is unit:
                    continue
                kept.append(a)
            if not kept:
                return Const(unit)
            if len(kept) == 1:
                return kept[0]
            return Op(e.op, tuple(kept))
        if e.op == "implies":
            p, q = args
            if isinstance(p, Const):
                return q if p.value else Const(True)
            if isinstance(q, Const) and q.value:
                return Const(True)
        if e.op == "not" and isinstance(args[0], Op) and args[0].op in _NEGATED:
            inner = args[0]  # ~(a < b) reads better as a >= b
            return Op(_NEGATED[inner.op], inner.args)
        if e.op == "ite" and isinstance(args[0], Const):
            return args[1] if args[0].value else args[2]
        return Op(e.op, tuple(args))

    return go(expr)


def is_false(e: Expr) -> bool:
    return isinstance(e, Const) and e.value is False


def is_true(e: Expr) -> bool:
    return isinstance(e, Const) and e.value is True


def possible_values(e: Expr, domain: tuple[Value, ...]) -> tuple[Value, ...]:
    """The values an update *e* of a variable with *domain* can produce (all, when unknown)."""
    if isinstance(e, Const):
        return (e.value,)
    if isinstance(e, Op) and e.op == "ite":
        out = [v for branch in e.args[1:] for v in possible_values(branch, domain)]
        return tuple(v for v in domain if v in out)
    return domain


def branches(e: Expr, domain: tuple[Value, ...]) -> list[tuple[Expr | None, Value | None]]:
    """(condition, value) pairs of an update: ``ite(c, A, B)`` gives ``[(c, A), (~c, B)]``;
    a value that is not a constant gives ``(None, None)`` (any value of *domain*)."""
    if isinstance(e, Const):
        return [(None, e.value)]
    if isinstance(e, Op) and e.op == "ite":
        c, a, b = e.args
        out: list[tuple[Expr | None, Value | None]] = []
        for cond, branch in ((c, a), (Op("not", (c,)), b)):
            for inner, v in branches(branch, domain):
                out.append((cond if inner is None else Op("and", (cond, inner)), v))
        return out
    return [(None, None)]


def text(e: Expr) -> str:
    """Readable text for *e*; self variables bare, other instances' as ``instance.var``."""
    return to_text(e)


def _conjuncts(e: Expr) -> list[Expr]:
    if isinstance(e, Op) and e.op == "and":
        return [c for a in e.args for c in _conjuncts(a)]
    return [e]


def _wrap(words: list[str], sep: str, width: int) -> list[str]:
    lines: list[str] = []
    for w in words:
        if lines and len(lines[-1]) + len(sep) + len(w) <= width:
            lines[-1] += sep + w
        else:
            lines.append(w if not lines else sep.strip() + " " + w)
    return lines


def wrap_conjuncts(e: Expr, *, width: int = WIDTH) -> tuple[str, ...]:
    """``[a & b`` / ``& c]``: a guard's conjuncts wrapped into lines, in brackets."""
    if is_true(e):
        return ()
    lines = _wrap([text(c) for c in _conjuncts(e)], " & ", width)
    lines[0] = "[" + lines[0]
    lines[-1] += "]"
    return tuple(lines)


def wrap_list(items: list[str], width: int = WIDTH) -> list[str]:
    """``a, b, c`` wrapped into lines of at most *width* characters (each line but the last ends in ',')."""
    lines: list[str] = []
    for it in items:
        if lines and len(lines[-1]) + 2 + len(it) <= width:
            lines[-1] += ", " + it
        else:
            if lines:
                lines[-1] += ","
            lines.append(it)
    return lines


def wrap_items(items: list[str], *, prefix: str = "/ ", width: int = WIDTH) -> tuple[str, ...]:
    """``/ x := 1, y := 2`` wrapped into lines."""
    lines = wrap_list(items, width)
    if not lines:
        return ()
    lines[0] = prefix + lines[0]
    return tuple(lines)

"""Python code generation for expressions, against a system's state layout (used by :mod:`._compile`).

The source generated for an expression stays as flat as the expression: an n-ary ``and``/``or``
is one Python boolean operation, and a long ``+``/``*``/``-``/``count`` is grouped so that neither
Python's parser (200 nested parentheses) nor its compiler (recursion limit) sees depth that grows
with the number of terms (issue 8).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .expr import Const, Expr, Op, Ref, operands

__all__ = ["to_python", "state_source"]

#: at most this many terms in one infix chain; longer ones are grouped (depth log_32 of the width)
CHAIN = 32

#: state tuples up to this width are rebuilt as one literal; wider ones splice the changed part
#: between slices, which keeps each step's code proportional to what it writes (issue 8)
LITERAL_WIDTH = 32


def to_python(expr: Expr, slot: Callable[[Ref], int], state: str = "s") -> str:
    """Python source evaluating *expr* on a state tuple named ``s`` (``prev(...)`` reads ``p``,
    the state before the step).

    Examples
    --------
    >>> from statebound.checker.expr import Int, Var, all_of
    >>> n = Var("n", Int(0, 9))
    >>> to_python(all_of(n > 1, n < 5, n != 3), lambda r: 0)
    '((s[0] > 1) and (s[0] < 5) and (s[0] != 3))'
    """
    if isinstance(expr, Const):
        return repr(expr.value)
    if isinstance(expr, Ref):
        return f"{state}[{slot(expr)}]"
    assert isinstance(expr, Op)
    op = expr.op
    if op == "prev":
        return to_python(expr.args[0], slot, "p")
    a = [to_python(x, slot, state) for x in operands(expr)]
    if op == "not":
        return f"(not {a[0]})"
    if op in ("and", "or"):
        # one flat boolean operation however wide: Python compiles it without nesting
        return "(" + f" {op} ".join(a) + ")"
    if op == "implies":
        return f"((not {a[0]}) or {a[1]})"
    if op == "ite":
        return f"({a[1]} if {a[0]} else {a[2]})"
    if op == "in":
        return f"({a[0]} in ({', '.join(a[1:])},))"
    if op == "count":
        return f"(0 + {_chain(a, '+')})" if a else "0"
    if op in ("+", "*"):
        return _chain(a, op)
    if op == "-" and len(a) > 2:
        return f"({a[0]} - {_chain(a[1:], '+')})"
    return f"({a[0]} {op} {a[1]})"


def _chain(parts: Sequence[str], sym: str) -> str:
    """``(p0 sym p1 sym ...)``, grouped into chains of at most :data:`CHAIN` terms."""
    while len(parts) > CHAIN:
        parts = ["(" + f" {sym} ".join(parts[k:k + CHAIN]) + ")" for k in range(0, len(parts), CHAIN)]
    return "(" + f" {sym} ".join(parts) + ")"


def state_source(width: int, writes: dict[int, str], state: str = "s") -> str:
    """Source of the tuple *state* with the slots in *writes* (slot -> value source) replaced.

    Narrow states are one literal (the fastest to build); a wide one keeps the untouched slots
    as slices around the written ones, so the code of a step does not list every variable of
    the system.

    Examples
    --------
    >>> state_source(3, {1: "v"})
    '(s[0], v, s[2],)'
    >>> state_source(0, {})
    '()'
    >>> state_source(100, {40: "v", 42: "w"})
    's[:40] + (v, s[41], w,) + s[43:]'
    """
    if width <= LITERAL_WIDTH:
        if not width:
            return "()"  # a system without variables: "(,)" was a syntax error (issue 8)
        return "(" + ", ".join(writes.get(k, f"{state}[{k}]") for k in range(width)) + ",)"
    if not writes:
        return state
    lo, hi = min(writes), max(writes)
    middle = "(" + ", ".join(writes.get(k, f"{state}[{k}]") for k in range(lo, hi + 1)) + ",)"
    parts = ([f"{state}[:{lo}]"] if lo else []) + [middle] + ([f"{state}[{hi + 1}:]"] if hi + 1 < width else [])
    return " + ".join(parts)

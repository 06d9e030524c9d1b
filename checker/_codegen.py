"""Python code generation for expressions, against a system's state layout (used by :mod:`._compile`).

The source generated for an expression stays as flat as the expression: an n-ary ``and``/``or``
is one Python boolean operation, and a long ``+``/``*``/``-``/``count`` is grouped so that neither
Python's parser (200 nested parentheses) nor its compiler (recursion limit) sees depth that grows
with the number of terms (issue 8).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from ._typing import Type
from .expr import Const, Expr, Op, Ref, operands

__all__ = ["to_python", "state_source", "Env"]

#: at most this many terms in one infix chain; longer ones are grouped (depth log_32 of the width)
CHAIN = 32

#: state tuples up to this width are rebuilt as one literal; wider ones splice the changed part
#: between slices, which keeps each step's code proportional to what it writes (issue 8)
LITERAL_WIDTH = 32


#: quantifiers over at most this many indices are unrolled (a constant index reads its slot
#: directly); wider ones become a generator expression, so the code does not grow with them
UNROLL = 16


@dataclass(frozen=True, slots=True)
class Env:
    """What the nodes of the second edition (issue 9) need to become code.

    ``self_index`` is the reading instance's index in its family; ``members(family, variable)``
    gives the name of a tuple (in the generated code's namespace) of that variable's slot in
    each member, and the slots themselves;
    ``family_size(name)``; ``type_of(expr, bound)`` the static type of *expr* with the
    quantifier indices in *bound*; ``site(kind, node)`` registers a run-time check of *node*
    (``index`` or ``zero``) and returns its number, passed to the checking helpers ``_ix`` and
    ``_dz`` of the namespace (which raise ``OutOfDomain``).
    """

    self_index: int | None
    members: Callable[[str, str], tuple[str, tuple[int, ...]]]
    family_size: Callable[[str], int]
    type_of: Callable[[Expr, Mapping[str, Type]], Type]
    site: Callable[[str, Expr], int]
    bound: Mapping[str, str] = field(default_factory=dict)
    bound_types: Mapping[str, Type] = field(default_factory=dict)


def to_python(expr: Expr, slot: Callable[[Ref], int], state: str = "s", *, env: Env | None = None) -> str:
    """Python source evaluating *expr* on a state tuple named ``s`` (``prev(...)`` reads ``p``,
    the state before the step). The operators of the second edition need *env*.

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
        return to_python(expr.args[0], slot, "p", env=env)
    if op in _V2:
        if env is None:
            raise ValueError(f"{op!r} needs a system to be compiled")
        return _v2(expr, slot, state, env)
    a = [to_python(x, slot, state, env=env) for x in operands(expr)]
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


_V2 = frozenset({"%", "//", "min", "max", "abs", "item", "except", "self_index", "member", "bound",
                 "forall", "exists", "count_of"})


def _in_range(t: Type, lo: int, hi: int) -> bool:
    return t.kind == "int" and lo <= t.lo and t.hi <= hi


def _literal_int(src: str) -> int | None:
    try:
        return int(src)
    except ValueError:
        return None


def _v2(expr: Op, slot: Callable[[Ref], int], state: str, env: Env) -> str:
    """Source of a node of the second edition (issue 9)."""
    op, args = expr.op, expr.args

    def go(e: Expr, inner: Env = env) -> str:
        return to_python(e, slot, state, env=inner)

    def type_of(e: Expr) -> Type:
        return env.type_of(e, env.bound_types)

    def index(e: Expr, size: int, node: Expr, src: str | None = None) -> str:
        src = go(e) if src is None else src
        if _in_range(type_of(e), 0, size - 1):
            return src
        return f"_ix({src}, {size}, {env.site('index', node)})"

    if op in ("%", "//"):
        a, b = go(args[0]), go(args[1])
        divisor = type_of(args[1])
        if divisor.lo > 0 or divisor.hi < 0:
            return f"({a} {op} {b})"
        return f"({a} {op} _dz({b}, {env.site('zero', expr)}))"
    if op in ("min", "max", "abs"):
        return f"{op}(" + ", ".join(go(x) for x in args) + ")"
    if op in ("item", "except"):
        size = type_of(args[0]).size
        i = index(args[1], size, expr)
        if op == "item":
            return f"{go(args[0])}[{i}]"
        return f"_ex({go(args[0])}, {i}, {go(args[2])})"
    if op == "self_index":
        if env.self_index is None:
            raise ValueError("SELF outside a family member")
        return str(env.self_index)
    if op == "bound":
        assert isinstance(args[0], Const)
        return env.bound[str(args[0].value)]
    if op == "member":
        assert isinstance(args[0], Const) and isinstance(args[2], Const)
        family, var = str(args[0].value), str(args[2].value)
        table, slots = env.members(family, var)
        src = go(args[1])
        k = _literal_int(src)
        size = len(slots)
        if k is not None and 0 <= k < size:
            return f"{state}[{slots[k]}]"
        return f"{state}[{table}[{index(args[1], size, expr, src)}]]"
    assert op in ("forall", "exists", "count_of")
    assert isinstance(args[0], Const)
    name, over, body = str(args[0].value), args[1], args[2]
    assert isinstance(over, Op)
    if over.op == "family":
        assert isinstance(over.args[0], Const)
        lo, hi = 0, env.family_size(str(over.args[0].value)) - 1
    else:
        assert isinstance(over.args[0], Const) and isinstance(over.args[1], Const)
        lo, hi = int(over.args[0].value), int(over.args[1].value)
    if hi - lo + 1 <= UNROLL:
        parts = [
            go(body, replace(env, bound={**env.bound, name: str(k)},
                             bound_types={**env.bound_types, name: Type("int", k, k)}))
            for k in range(lo, hi + 1)
        ]
        if op == "forall":
            return "(" + " and ".join(parts) + ")" if parts else "True"
        if op == "exists":
            return "(" + " or ".join(parts) + ")" if parts else "False"
        return f"(0 + {_chain(parts, '+')})" if parts else "0"
    var = f"_q{len(env.bound)}"
    inner = go(body, replace(env, bound={**env.bound, name: var},
                             bound_types={**env.bound_types, name: Type("int", lo, hi)}))
    loop = f"for {var} in range({lo}, {hi + 1})"
    if op == "forall":
        return f"all({inner} {loop})"
    if op == "exists":
        return f"any({inner} {loop})"
    return f"sum(1 {loop} if {inner})"


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

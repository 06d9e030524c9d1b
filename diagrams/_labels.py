"""Edge labels from expression trees: specialise a guard to one control state, wrap the rest.

A machine diagram draws a transition once per control state it can leave. Substituting that
state into the guard (and simplifying) tells whether the transition can leave it at all and
leaves only the part of the guard the diagram still has to print (issue 4).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from ..checker import Const, Expr, Op, Ref, to_text
from ..checker.expr import Value

__all__ = [
    "specialise", "possible_values", "branches", "wrap_conjuncts", "is_false", "is_true", "text", "conjuncts",
    "wrap_list", "wrap_items", "wrap_guard", "compact", "expand", "shortener", "as_self",
]

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


def conjuncts(e: Expr) -> list[str]:
    """The texts of *e*'s top-level conjuncts (none for ``true``)."""
    return [] if is_true(e) else [text(c) for c in _conjuncts(e)]


def as_self(e: Expr, selves: Iterable[str | None]) -> Expr:
    """*e* with references to the instances *selves* written as the machine's own variables."""
    me = {s for s in selves if s is not None}
    if not me:
        return e

    def go(x: Expr) -> Expr:
        if isinstance(x, Ref) and x.instance in me:
            return Ref(None, x.name)
        if isinstance(x, Op):
            return Op(x.op, tuple(go(a) for a in x.args))
        return x

    return go(e)


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


_CONT = "\x00"  # marks a piece of a long conjunct that continues the previous one


def _split_long(part: str, width: int) -> list[str]:
    """A conjunct longer than *width* cut at its spaces (the pieces after the first marked)."""
    if len(part) <= width:
        return [part]
    pieces: list[str] = []
    for word in part.split(" "):
        if pieces and len(pieces[-1]) + 1 + len(word) <= width:
            pieces[-1] += " " + word
        else:
            pieces.append(word)
    return pieces[:1] + [_CONT + p for p in pieces[1:]]


def wrap_guard(parts: list[str], *, width: int = WIDTH) -> tuple[str, ...]:
    """``[a & b`` / ``& c]``: guard conjunct texts wrapped into lines, in brackets."""
    if not parts:
        return ()
    words = [w for p in parts for w in _split_long(p, width)]
    lines = _wrap(words, " & ", width)
    lines = [ln.replace(" & " + _CONT, " ").replace("& " + _CONT, "  ") for ln in lines]
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


# --------------------------------------------------------------------------- compaction (issue 16)

_TOKEN = re.compile(r"[A-Za-z]+|\d+|[^A-Za-z\d]")


def _tokens(s: str) -> tuple[str, ...]:
    return tuple(_TOKEN.findall(s))


def compact(items: Iterable[str]) -> list[str]:
    """Names that differ in one word or number written once, the differences in braces:
    ``close_1000, close_1001`` -> ``close_{1000,1001}``; repeated until nothing merges, so
    ``on_close_1000[ws1], on_close_1000[ws2], on_close_1001[ws1], on_close_1001[ws2]`` becomes
    ``on_close_{1000,1001}[ws{1,2}]``. Lossless: expanding the braces gives the items back.

    Examples
    --------
    >>> compact(["on_open[ws1]", "on_open[ws2]", "retry"])
    ['on_open[ws{1,2}]', 'retry']
    """
    groups: list[list[tuple[str, ...]]] = []  # one alternative set per token position
    for item in dict.fromkeys(items):
        groups.append([(t,) for t in _tokens(item)])
    merged = True
    while merged:
        merged = False
        for i in range(len(groups)):
            for j in range(i + 1, len(groups)):
                a, b = groups[i], groups[j]
                if len(a) != len(b):
                    continue
                diff = [k for k in range(len(a)) if a[k] != b[k]]
                # merge a difference in one word or number, never in punctuation, and only
                # when a word stays in common (inc, reset must not become {inc,reset})
                same = [a[k] for k in range(len(a)) if k not in diff]
                if (len(diff) == 1 and all(t[0].isalnum() for t in a[diff[0]] + b[diff[0]])
                        and any(len(t) == 1 and t[0].isalpha() for t in same)):
                    k = diff[0]
                    a[k] = tuple(dict.fromkeys(a[k] + b[k]))
                    del groups[j]
                    merged = True
                    break
            if merged:
                break
    return ["".join(t[0] if len(t) == 1 else "{" + ",".join(t) + "}" for t in g) for g in groups]


def expand(item: str) -> list[str]:
    """The items :func:`compact` merged into *item* (for tests and tools)."""
    m = re.search(r"\{([^{}]*)\}", item)
    if m is None:
        return [item]
    return [x for alt in m.group(1).split(",") for x in expand(item[:m.start()] + alt + item[m.end():])]


def shortener(instances: Iterable[str]) -> Callable[[str], str]:
    """A function that drops the dotted owner prefix the *instances* share from a text
    (``ChatProvider.client.ws1.close_1000`` -> ``ws1.close_1000`` in the diagram of
    ``ChatProvider.client``): the prefix every label would otherwise repeat."""
    names = [n for n in instances if n]
    if not names:
        return lambda s: s
    if len(names) == 1:
        owner = names[0]
    else:
        parts = [n.split(".") for n in names]
        common = []
        for seg in zip(*parts, strict=False):
            if len(set(seg)) != 1:
                break
            common.append(seg[0])
        owner = ".".join(common[: min(len(p) for p in parts) - 1]) if common else ""
    if not owner:
        return lambda s: s
    pattern = re.compile(r"(?<![\w.])" + re.escape(owner + "."))
    return lambda s: pattern.sub("", s)

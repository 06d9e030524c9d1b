"""Type inference and Python code generation for expressions, against a system's variable layout."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .errors import suggest
from .expr import Bool, Const, Domain, Enum, Expr, Int, Op, Ref, to_text

__all__ = ["Type", "TypeProblem", "infer", "to_python", "Lookup"]


@dataclass(frozen=True, slots=True)
class Type:
    """The static type of an expression: ``bool``, ``int`` (with bounds), ``enum`` or ``str``."""

    kind: str
    lo: int = 0
    hi: int = 0
    enum: Enum | None = None
    literal: str | None = None

    def __str__(self) -> str:
        if self.kind == "int":
            return f"Int({self.lo}, {self.hi})"
        if self.kind == "enum" and self.enum is not None:
            return str(self.enum)
        if self.kind == "str":
            return f"the name {self.literal!r}"
        return self.kind


class TypeProblem(Exception):
    """Raised inside :func:`infer`; carries ``what`` and ``fix``."""

    def __init__(self, what: str, fix: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.fix = fix


#: resolves a reference to (text name, domain); raises TypeProblem when it cannot
Lookup = Callable[[Ref], tuple[str, Domain]]

BOOL = Type("bool")


def type_of_domain(domain: Domain) -> Type:
    if isinstance(domain, Bool):
        return BOOL
    if isinstance(domain, Int):
        return Type("int", domain.lo, domain.hi)
    return Type("enum", enum=domain)


def infer(expr: Expr, lookup: Lookup) -> Type:
    """The type of *expr*; raises :class:`TypeProblem` at the first ill-typed node."""
    if isinstance(expr, Const):
        v = expr.value
        if isinstance(v, bool):
            return BOOL
        if isinstance(v, int):
            return Type("int", v, v)
        return Type("str", literal=v)
    if isinstance(expr, Ref):
        return type_of_domain(lookup(expr)[1])
    if not isinstance(expr, Op):
        raise TypeProblem(f"{expr!r} is not an expression", "build it from variables, constants and operators")
    op, args = expr.op, expr.args
    if op in ("not", "and", "or", "implies"):
        for a in args:
            t = infer(a, lookup)
            if t.kind != "bool":
                raise TypeProblem(
                    f"{_op_name(op)} needs booleans but {to_text(a)!r} is {t}",
                    "compare it first, e.g. (x == value); remember that '&' and '|' bind "
                    "tighter than '==' in Python, so parenthesise comparisons",
                )
        return BOOL
    if op in ("==", "!="):
        a, b = (infer(x, lookup) for x in args)
        _comparable(a, b, args)
        return BOOL
    if op in ("<", "<=", ">", ">="):
        for x in args:
            t = infer(x, lookup)
            if t.kind != "int":
                raise TypeProblem(f"{op!r} compares integers but {to_text(x)!r} is {t}",
                                  "compare Enum and Bool values with == or != (or is_in)")
        return BOOL
    if op in ("+", "-", "*"):
        ts = []
        for x in args:
            t = infer(x, lookup)
            if t.kind != "int":
                raise TypeProblem(f"{op!r} needs integers but {to_text(x)!r} is {t}",
                                  "arithmetic works on Int variables only")
            ts.append(t)
        a, b = ts
        if op == "+":
            return Type("int", a.lo + b.lo, a.hi + b.hi)
        if op == "-":
            return Type("int", a.lo - b.hi, a.hi - b.lo)
        corners = [a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi]
        return Type("int", min(corners), max(corners))
    if op == "ite":
        c = infer(args[0], lookup)
        if c.kind != "bool":
            raise TypeProblem(f"the condition of ite() must be boolean, not {c}", "compare it, e.g. x == value")
        a, b = infer(args[1], lookup), infer(args[2], lookup)
        if a.kind == "int" and b.kind == "int":
            return Type("int", min(a.lo, b.lo), max(a.hi, b.hi))
        _comparable(a, b, args[1:])
        # The type of an ite() must cover BOTH branches: the engine skips the domain check of an
        # update whose type fits its variable, so returning only one branch's values let
        # ite(c, "Bogus", "a") or ite(c, enum_x, enum_y) store a value outside the domain
        # silently (issue 2: "an update outside the domain is a model error ... never a silent wrap").
        if a.kind == "enum" and b.kind == "enum":
            assert a.enum is not None and b.enum is not None
            names = a.enum.names + tuple(n for n in b.enum.names if n not in a.enum.names)
            return Type("enum", enum=Enum(*names))
        if a.kind == "str" and b.kind == "str" and a.literal != b.literal:
            assert a.literal is not None and b.literal is not None
            return Type("enum", enum=Enum(a.literal, b.literal))
        if a.kind == "str":
            return b
        return a
    if op == "in":
        t = infer(args[0], lookup)
        for v in args[1:]:
            _comparable(t, infer(v, lookup), (args[0], v))
        return BOOL
    if op == "prev":
        return infer(args[0], lookup)
    if op == "count":
        for x in args:
            t = infer(x, lookup)
            if t.kind != "bool":
                raise TypeProblem(f"count() counts booleans but {to_text(x)!r} is {t}", "compare it, e.g. x == value")
        return Type("int", 0, len(args))
    raise TypeProblem(f"unknown operator {op!r}", "build expressions with the Python operators or implies/ite/is_in/count")


def _op_name(op: str) -> str:
    return {"not": "'~'", "and": "'&'", "or": "'|'", "implies": "implies()"}[op]


def _comparable(a: Type, b: Type, args: tuple[Expr, ...]) -> None:
    if a.kind == "str" and b.kind == "enum":
        a, b = b, a
        args = (args[1], args[0])
    if a.kind == "enum" and b.kind == "str":
        assert a.enum is not None and b.literal is not None
        if b.literal not in a.enum.names:
            raise TypeProblem(
                f"{b.literal!r} is not a value of {to_text(args[0])} "
                f"({', '.join(a.enum.names)})",
                suggest(b.literal, a.enum.names, default="use one of the declared values"),
            )
        return
    if a.kind == "enum" and b.kind == "enum":
        assert a.enum is not None and b.enum is not None
        if not set(a.enum.names) & set(b.enum.names):
            raise TypeProblem(
                f"{to_text(args[0])} and {to_text(args[1])} have no value in common, so they are never equal",
                "compare variables whose Enums share values",
            )
        return
    if a.kind != b.kind:
        raise TypeProblem(f"cannot compare {to_text(args[0])!r} ({a}) with {to_text(args[1])!r} ({b})",
                          "compare values of the same type")


def to_python(expr: Expr, slot: Callable[[Ref], int], state: str = "s") -> str:
    """Python source evaluating *expr* on a state tuple named ``s`` (``prev(...)`` reads ``p``,
    the state before the step)."""
    if isinstance(expr, Const):
        return repr(expr.value)
    if isinstance(expr, Ref):
        return f"{state}[{slot(expr)}]"
    assert isinstance(expr, Op)
    op, args = expr.op, expr.args
    if op == "prev":
        return to_python(args[0], slot, "p")
    a = [to_python(x, slot, state) for x in args]
    if op == "not":
        return f"(not {a[0]})"
    if op in ("and", "or"):
        return "(" + f" {op} ".join(a) + ")"
    if op == "implies":
        return f"((not {a[0]}) or {a[1]})"
    if op == "ite":
        return f"({a[1]} if {a[0]} else {a[2]})"
    if op == "in":
        return f"({a[0]} in ({', '.join(a[1:])},))"
    if op == "count":
        return "(0 + " + " + ".join(a) + ")"
    return f"({a[0]} {op} {a[1]})"

"""Type inference for expressions against a system's variables (code generation is in :mod:`._codegen`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .errors import suggest
from .expr import Bool, Const, Domain, Enum, Expr, Int, Op, Ref, operands, to_text

__all__ = ["Type", "TypeProblem", "infer", "type_of_domain", "Lookup"]


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
        for arg in operands(expr):
            t = infer(arg, lookup)
            if t.kind != "bool":
                raise TypeProblem(
                    f"{_op_name(op)} needs booleans but {to_text(arg)!r} is {t}",
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
        # a chain of one operator is typed as one n-ary node, left to right as Python nests
        # it: typing recursed once per term (issue 8)
        ts: list[Type] = []
        for x in operands(expr):
            t = infer(x, lookup)
            if t.kind != "int":
                raise TypeProblem(f"{op!r} needs integers but {to_text(x)!r} is {t}",
                                  "arithmetic works on Int variables only")
            ts.append(t)
        first, *rest = ts
        if op == "+":
            return Type("int", sum(t.lo for t in ts), sum(t.hi for t in ts))
        if op == "-":
            return Type("int", first.lo - sum(t.hi for t in rest), first.hi - sum(t.lo for t in rest))
        lo, hi = first.lo, first.hi
        for t in rest:
            corners = (lo * t.lo, lo * t.hi, hi * t.lo, hi * t.hi)
            lo, hi = min(corners), max(corners)
        return Type("int", lo, hi)
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
        for item in args[1:]:
            _comparable(t, infer(item, lookup), (args[0], item))
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

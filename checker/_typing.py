"""Type inference for expressions against a system's variables (code generation is in :mod:`._codegen`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from .errors import suggest
from .expr import Array, Bool, Const, Domain, Enum, Expr, Int, Op, Ref, operands, to_text

__all__ = ["Type", "TypeProblem", "infer", "type_of_domain", "Lookup", "Scope", "join", "fits"]


@dataclass(frozen=True, slots=True)
class Type:
    """The static type of an expression: ``bool``, ``int`` (with bounds), ``enum``, ``str`` or
    ``array`` (of ``element``, ``size`` long; issue 9).

    ``synthetic`` marks an ``enum`` made of names written in the model (``ite(c, "a", "b")``)
    rather than a variable's domain: it grows when joined with more names (issue 9: nested
    ``ite`` over names), where a variable's Enum rejects a name it does not have.
    """

    kind: str
    lo: int = 0
    hi: int = 0
    enum: Enum | None = None
    literal: str | None = None
    element: Type | None = None
    size: int = 0
    synthetic: bool = False

    def __str__(self) -> str:
        if self.kind == "int":
            return f"Int({self.lo}, {self.hi})"
        if self.kind == "enum" and self.enum is not None:
            return str(self.enum)
        if self.kind == "str":
            return f"the name {self.literal!r}"
        if self.kind == "array":
            return f"Array({self.element}, size={self.size})"
        return self.kind


class TypeProblem(Exception):
    """Raised inside :func:`infer`; carries ``what`` and ``fix``."""

    def __init__(self, what: str, fix: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.fix = fix


#: resolves a reference to (text name, domain); raises TypeProblem when it cannot
Lookup = Callable[[Ref], tuple[str, Domain]]


@dataclass(frozen=True, slots=True)
class Scope:
    """What the nodes of the second edition need besides :data:`Lookup` (issue 9).

    ``member(family, variable)`` gives (the family's size, the variable's domain) or raises
    :class:`TypeProblem`; ``family_size(name)`` the size of a family; ``self_size`` the size of
    the family of the instance reading the expression (None when it is in none, or when there is
    no reading instance); ``bound`` the types of the quantifier indices in scope.
    """

    member: Callable[[str, str], tuple[int, Domain | Array]] | None = None
    family_size: Callable[[str], int] | None = None
    self_size: int | None = None
    where_self: str = ""
    bound: Mapping[str, Type] = field(default_factory=dict)


BOOL = Type("bool")

#: nodes that need a system to be typed (a family, or the reading instance's index)
SYSTEM_NODES = frozenset({"member", "self_index", "family"})


def type_of_domain(domain: Domain | Array) -> Type:
    if isinstance(domain, Bool):
        return BOOL
    if isinstance(domain, Int):
        return Type("int", domain.lo, domain.hi)
    if isinstance(domain, Array):
        return Type("array", element=type_of_domain(domain.element), size=domain.size)
    return Type("enum", enum=domain)


def infer(expr: Expr, lookup: Lookup, scope: Scope | None = None) -> Type:
    """The type of *expr*; raises :class:`TypeProblem` at the first ill-typed node.

    *scope* types the nodes of the second edition (families, ``SELF``, quantifiers); without
    one, a quantifier over a range and arrays are still typed, the rest needs a system.
    """
    return _infer(expr, lookup, scope or Scope())


def _infer(expr: Expr, lookup: Lookup, scope: Scope) -> Type:
    infer = _recurse(lookup, scope)
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
            t = infer(arg)
            if t.kind != "bool":
                raise TypeProblem(
                    f"{_op_name(op)} needs booleans but {to_text(arg)!r} is {t}",
                    "compare it first, e.g. (x == value); remember that '&' and '|' bind "
                    "tighter than '==' in Python, so parenthesise comparisons",
                )
        return BOOL
    if op in ("==", "!="):
        a, b = (infer(x) for x in args)
        _comparable(a, b, args)
        return BOOL
    if op in ("<", "<=", ">", ">="):
        for x in args:
            t = infer(x)
            if t.kind != "int":
                raise TypeProblem(f"{op!r} compares integers but {to_text(x)!r} is {t}",
                                  "compare Enum and Bool values with == or != (or is_in)")
        return BOOL
    if op in ("+", "-", "*"):
        # a chain of one operator is typed as one n-ary node, left to right as Python nests
        # it: typing recursed once per term (issue 8)
        ts: list[Type] = []
        for x in operands(expr):
            t = infer(x)
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
        c = infer(args[0])
        if c.kind != "bool":
            raise TypeProblem(f"the condition of ite() must be boolean, not {c}", "compare it, e.g. x == value")
        return join(infer(args[1]), infer(args[2]), args[1:])
    if op == "in":
        t = infer(args[0])
        for item in args[1:]:
            _comparable(t, infer(item), (args[0], item))
        return BOOL
    if op == "prev":
        return infer(args[0])
    if op == "count":
        for x in args:
            t = infer(x)
            if t.kind != "bool":
                raise TypeProblem(f"count() counts booleans but {to_text(x)!r} is {t}", "compare it, e.g. x == value")
        return Type("int", 0, len(args))
    return _infer_v2(expr, lookup, scope)


def _recurse(lookup: Lookup, scope: Scope) -> Callable[[Expr], Type]:
    return lambda e: _infer(e, lookup, scope)


def _ints(exprs: tuple[Expr, ...], infer: Callable[[Expr], Type], what: str) -> list[Type]:
    out = []
    for x in exprs:
        t = infer(x)
        if t.kind != "int":
            raise TypeProblem(f"{what} needs integers but {to_text(x)!r} is {t}", "arithmetic works on Int variables only")
        out.append(t)
    return out


def _index(index: Expr, infer: Callable[[Expr], Type], size: int, what: str) -> None:
    """Check an index into *size* places: an integer that is not always outside ``0..size-1``."""
    t = infer(index)
    if t.kind != "int":
        raise TypeProblem(f"the index {to_text(index)!r} of {what} is {t}, not an integer", "index with an Int expression")
    if t.hi < 0 or t.lo > size - 1:
        raise TypeProblem(f"the index {to_text(index)!r} ({t}) of {what} is always outside 0..{size - 1}",
                          "indices count from 0")


def _infer_v2(expr: Op, lookup: Lookup, scope: Scope) -> Type:
    """The operators of the second edition (issue 9)."""
    infer = _recurse(lookup, scope)
    op, args = expr.op, expr.args
    if op in ("%", "//"):
        a, b = _ints(args, infer, repr(op))
        if b.lo == b.hi == 0:
            raise TypeProblem(f"{to_text(expr)!r} divides by zero", f"the divisor {to_text(args[1])!r} is always 0")
        return _modulo(a, b) if op == "%" else _floor_division(a, b)
    if op in ("min", "max"):
        ts = _ints(args, infer, f"{op}_of()")
        pick = min if op == "min" else max
        return Type("int", pick(t.lo for t in ts), pick(t.hi for t in ts))
    if op == "abs":
        (a,) = _ints(args, infer, "abs()")
        if a.lo >= 0:
            return a
        if a.hi <= 0:
            return Type("int", -a.hi, -a.lo)
        return Type("int", 0, max(-a.lo, a.hi))
    if op in ("item", "except"):
        arr = infer(args[0])
        if arr.kind != "array" or arr.element is None:
            raise TypeProblem(f"{to_text(args[0])!r} is {arr}, not an array", "index only Array variables")
        _index(args[1], infer, arr.size, to_text(args[0]))
        if op == "item":
            return arr.element
        return replace(arr, element=join(arr.element, infer(args[2]), (Op("item", args[:2]), args[2])))
    if op == "self_index":
        if scope.self_size is None:
            if not scope.where_self:
                raise TypeProblem("SELF is read where no instance is firing",
                                  "use SELF in a machine's guards and updates, or quantify: forall(family, lambda j: ...)")
            raise TypeProblem(f"SELF is the index of an instance in its family, and {scope.where_self!r} is in none",
                              "declare the instances with Family(name, machine, n)")
        return Type("int", 0, scope.self_size - 1)
    if op == "bound":
        name = _name(args[0])
        t = scope.bound.get(name)
        if t is None:
            raise TypeProblem(f"the index {name!r} is read outside its quantifier", "use it inside the body only")
        return t
    if op == "member":
        family, var = _name(args[0]), _name(args[2])
        if scope.member is None:
            raise TypeProblem(f"{to_text(expr)!r} reads a family member", "it can be typed only in a system")
        size, domain = scope.member(family, var)
        _index(args[1], infer, size, f"family {family!r}")
        return type_of_domain(domain)
    if op in ("forall", "exists", "count_of"):
        name, over, body = _name(args[0]), args[1], args[2]
        size, index = _quantified(over, scope)
        t = _infer(body, lookup, replace(scope, bound={**scope.bound, name: index}))
        if t.kind != "bool":
            word = "count" if op == "count_of" else op
            raise TypeProblem(f"the body of {word}() must be boolean but {to_text(body)!r} is {t}",
                              "compare it, e.g. x == value")
        return Type("int", 0, size) if op == "count_of" else BOOL
    if op in ("family", "range"):
        raise TypeProblem(f"{to_text(expr)!r} is what a quantifier ranges over, not a value",
                          "use it as forall/exists/count's first argument")
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
    if a.kind == "array" and b.kind == "array":
        if a.size != b.size or a.element is None or b.element is None:
            raise TypeProblem(f"{to_text(args[0])!r} ({a}) and {to_text(args[1])!r} ({b}) have different sizes",
                              "compare arrays of one size")
        _comparable(a.element, b.element, (Op("item", (args[0], Const(0))), Op("item", (args[1], Const(0)))))
        return
    if a.kind != b.kind:
        raise TypeProblem(f"cannot compare {to_text(args[0])!r} ({a}) with {to_text(args[1])!r} ({b})",
                          "compare values of the same type")


def _name(e: Expr) -> str:
    """The name a node holds as its constant argument (a family, a variable, an index)."""
    if not isinstance(e, Const) or not isinstance(e.value, str):
        raise TypeProblem(f"{e!r} should be a name", "build these nodes with ref(), forall(), exists() and count()")
    return e.value


def _quantified(over: Expr, scope: Scope) -> tuple[int, Type]:
    """(how many indices, the type of the index) of what a quantifier ranges over."""
    if isinstance(over, Op) and over.op == "family":
        family = _name(over.args[0])
        if scope.family_size is None:
            raise TypeProblem(f"a quantifier over family {family!r}", "it can be typed only in a system")
        n = scope.family_size(family)
        return n, Type("int", 0, max(n - 1, 0))
    if isinstance(over, Op) and over.op == "range" and all(isinstance(a, Const) for a in over.args):
        lo, hi = (a.value for a in over.args if isinstance(a, Const))
        if isinstance(lo, int) and isinstance(hi, int) and not isinstance(lo, bool) and not isinstance(hi, bool):
            return max(hi - lo + 1, 0), Type("int", lo, max(lo, hi))
    raise TypeProblem(f"cannot quantify over {to_text(over)!r}", "give a family, an Int(lo, hi) or a range")


def _modulo(a: Type, b: Type) -> Type:
    """Bounds of ``a % b`` (Python's: the result has the sign of the divisor)."""
    if b.lo > 0:
        if a.lo >= 0 and a.hi < b.lo:
            return a
        return Type("int", 0, min(a.hi, b.hi - 1) if a.lo >= 0 else b.hi - 1)
    if b.hi < 0:
        if a.hi <= 0 and a.lo > b.hi:
            return a
        return Type("int", max(a.lo, b.lo + 1) if a.hi <= 0 else b.lo + 1, 0)
    return Type("int", min(b.lo + 1, 0), max(b.hi - 1, 0))


def _floor_division(a: Type, b: Type) -> Type:
    """Bounds of ``a // b``: it is monotone in each argument once the divisor's sign is fixed,
    so the corners of each sign's part of the divisor bound it."""
    parts = []
    if b.lo <= -1:
        parts.append((b.lo, min(b.hi, -1)))
    if b.hi >= 1:
        parts.append((max(b.lo, 1), b.hi))
    values = [x // d for lo, hi in parts for d in (lo, hi) for x in (a.lo, a.hi)]
    return Type("int", min(values), max(values))


def fits(value: Type, domain: Domain | Array) -> bool:
    """True when every value of type *value* is in *domain* (no check is needed when storing it)."""
    if isinstance(domain, Bool):
        return value.kind == "bool"
    if isinstance(domain, Int):
        return value.kind == "int" and domain.lo <= value.lo and value.hi <= domain.hi
    if isinstance(domain, Array):
        return (value.kind == "array" and value.size == domain.size and value.element is not None
                and fits(value.element, domain.element))
    if value.kind == "str":
        return value.literal in domain.names
    return value.kind == "enum" and value.enum is not None and set(value.enum.names) <= set(domain.names)


def join(a: Type, b: Type, args: tuple[Expr, ...]) -> Type:
    """The type of a value that is either an *a* or a *b* (the branches of ``ite``, an array with
    one element replaced); raises :class:`TypeProblem` when they cannot be the same kind."""
    if a.kind == "int" and b.kind == "int":
        return Type("int", min(a.lo, b.lo), max(a.hi, b.hi))
    if a.kind == "array" and b.kind == "array":
        if a.size != b.size or a.element is None or b.element is None:
            raise TypeProblem(f"{to_text(args[0])!r} ({a}) and {to_text(args[1])!r} ({b}) have different sizes",
                              "use arrays of one size")
        return replace(a, element=join(a.element, b.element, args))
    # names written in the model (issue 9): ite(c, "a", ite(d, "b", "c")) is one of a, b, c
    if a.kind == "str" and b.kind == "enum" and b.synthetic or b.kind == "str" and a.kind == "enum" and a.synthetic:
        name, names = (a, b) if a.kind == "str" else (b, a)
        assert name.literal is not None and names.enum is not None
        if name.literal in names.enum.names:
            return names
        listed = (name.literal, *names.enum.names) if a.kind == "str" else (*names.enum.names, name.literal)
        return Type("enum", enum=Enum(*listed), synthetic=True)
    if a.kind == "enum" and b.kind == "enum" and a.synthetic and b.synthetic:
        assert a.enum is not None and b.enum is not None
        return Type("enum", enum=Enum(*a.enum.names, *(n for n in b.enum.names if n not in a.enum.names)), synthetic=True)
    if a.kind == "enum" and b.kind == "enum" and a.synthetic != b.synthetic:
        # names against a variable's Enum: every name must be one of its values, as for one name
        names, real, where = (a, b, args[1]) if a.synthetic else (b, a, args[0])
        assert names.enum is not None and real.enum is not None
        for n in names.enum.names:
            _comparable(real, Type("str", literal=n), (where, Const(n)))
        return real
    _comparable(a, b, args)
    # The type of an ite() must cover BOTH branches: the engine skips the domain check of an
    # update whose type fits its variable, so returning only one branch's values let
    # ite(c, "Bogus", "a") or ite(c, enum_x, enum_y) store a value outside the domain
    # silently (issue 2: "an update outside the domain is a model error ... never a silent wrap").
    if a.kind == "enum" and b.kind == "enum":
        assert a.enum is not None and b.enum is not None
        names_ = a.enum.names + tuple(n for n in b.enum.names if n not in a.enum.names)
        return Type("enum", enum=Enum(*names_), synthetic=a.synthetic and b.synthetic)
    if a.kind == "str" and b.kind == "str" and a.literal != b.literal:
        assert a.literal is not None and b.literal is not None
        return Type("enum", enum=Enum(a.literal, b.literal), synthetic=True)
    if a.kind == "str":
        return b
    return a

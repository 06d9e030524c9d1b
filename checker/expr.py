"""Typed finite domains and the expression trees that guards, updates and properties are made of.

Expressions are data: every engine interprets the same tree (Python code generation for the
explicit engines, z3 terms for the symbolic ones, text for diagrams and counterexamples).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias, cast, overload

if TYPE_CHECKING:
    from typing import Protocol

    class _Family(Protocol):
        """What a quantifier needs of a family (``machine.Family``, which sits above this module)."""

        @property
        def name(self) -> str: ...

        @property
        def n(self) -> int: ...

__all__ = [
    "Value",
    "Domain",
    "Bool",
    "Enum",
    "Int",
    "Array",
    "Expr",
    "Const",
    "Ref",
    "Var",
    "Op",
    "lit",
    "ref",
    "implies",
    "ite",
    "is_in",
    "count",
    "all_of",
    "any_of",
    "prev",
    "unchanged",
    "min_of",
    "max_of",
    "forall",
    "exists",
    "shared",
    "SELF",
    "SHARED",
    "domain_of",
    "V2_OPS",
    "TRUE",
    "FALSE",
    "walk",
    "operands",
    "refs_of",
    "uses_prev",
    "to_text",
]

Value: TypeAlias = bool | int | str
Operand: TypeAlias = "Expr | bool | int | str"

_TRUTH_MESSAGE = (
    "an expression has no truth value: use '&', '|', '~' and implies(a, b) instead of "
    "'and', 'or', 'not' and 'if', and write a chained comparison such as a < b < c "
    "as (a < b) & (b < c)"
)
# (issue 9) Python's min() and max() compare their arguments, which lands here too
_TRUTH_MESSAGE += "; for the smallest or largest of expressions write min_of(...) or max_of(...)"


# --------------------------------------------------------------------------- domains


@dataclass(frozen=True, slots=True)
class Bool:
    """The domain {False, True}."""

    @property
    def values(self) -> tuple[Value, ...]:
        return (False, True)

    def contains(self, value: object) -> bool:
        return isinstance(value, bool)

    def __str__(self) -> str:
        return "Bool"


@dataclass(frozen=True, slots=True, init=False)
class Enum:
    """A finite set of named values, e.g. ``Enum("Unknown", "Active", "Invalid")``."""

    names: tuple[str, ...]

    def __init__(self, *names: str) -> None:
        object.__setattr__(self, "names", tuple(names))

    @property
    def values(self) -> tuple[Value, ...]:
        return self.names

    def contains(self, value: object) -> bool:
        return isinstance(value, str) and value in self.names

    def __str__(self) -> str:
        return "Enum(" + ", ".join(self.names) + ")"


@dataclass(frozen=True, slots=True)
class Int:
    """The integers ``lo..hi`` (both included)."""

    lo: int
    hi: int

    @property
    def values(self) -> range:
        # a lazy range, never a tuple: Int(0, 10**9) must cost what its reachable values cost,
        # not 8 GB (issue 8)
        return range(self.lo, self.hi + 1)

    def contains(self, value: object) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and self.lo <= value <= self.hi

    def __str__(self) -> str:
        return f"Int({self.lo}, {self.hi})"


Domain: TypeAlias = Bool | Enum | Int


@dataclass(frozen=True, slots=True, init=False)
class Array:
    """A fixed-size array of values of a scalar domain: ``Array(Int(0, 3), size=4)`` (issue 9).

    A value is a tuple of ``size`` elements; ``b[i]`` reads element ``i`` (any integer expression,
    numbered from 0) and ``updates={b[i]: v}`` writes it. The default initial value repeats the
    element domain's first value.

    Examples
    --------
    >>> a = Array(Int(0, 3), size=2)
    >>> a.contains((0, 3)), a.contains((0, 4)), len(a.values), a.values[0]
    (True, False, 16, (0, 0))
    """

    element: Domain
    size: int

    def __init__(self, element: Domain, *, size: int) -> None:
        object.__setattr__(self, "element", element)
        object.__setattr__(self, "size", size)

    @property
    def values(self) -> Sequence[tuple[Value, ...]]:
        """Every array value, lazily, in lexicographic order of the elements."""
        return _ArrayValues(self)

    def contains(self, value: object) -> bool:
        return (
            type(value) is tuple
            and len(value) == self.size
            and all(_position(self.element, v) is not None for v in value)
        )

    def __str__(self) -> str:
        return f"Array({self.element}, size={self.size})"


class _ArrayValues(Sequence[tuple[Value, ...]]):
    """The values of an :class:`Array`, computed on demand (never materialised)."""

    __slots__ = ("_elements", "_size")

    def __init__(self, array: Array) -> None:
        self._elements = array.element.values
        self._size = array.size

    def __len__(self) -> int:
        return int(len(self._elements) ** self._size)

    @overload
    def __getitem__(self, k: int) -> tuple[Value, ...]: ...

    @overload
    def __getitem__(self, k: slice) -> Sequence[tuple[Value, ...]]: ...

    def __getitem__(self, k: int | slice) -> tuple[Value, ...] | Sequence[tuple[Value, ...]]:
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(len(self)))]
        n = len(self)
        if k < 0:
            k += n
        if not 0 <= k < n:
            raise IndexError(k)
        base = len(self._elements)
        out: list[Value] = []
        for _ in range(self._size):
            k, r = divmod(k, base)
            out.append(self._elements[r])
        return tuple(reversed(out))


def domain_of(var: Var) -> Domain | Array:
    """The domain of *var*, typed to include :class:`Array` (``Var.domain`` is annotated with the
    scalar domains only, so that readers written before arrays existed keep type-checking)."""
    return cast("Domain | Array", var.domain)


def _position(domain: Domain, value: object) -> int | None:
    """Where *value* sits in *domain*'s order, or None when it is not one of its values.

    Types must match exactly: plain ``==`` takes 1 for True, which silently turned initial={0, 1}
    of a Bool into {False, True} (and {True} of an Int into {1}) instead of reporting the wrong
    values. O(1) for Int, however wide the domain (issue 8).
    """
    if isinstance(domain, Bool):
        return int(value) if type(value) is bool else None
    if isinstance(domain, Int):
        if type(value) is int and domain.lo <= value <= domain.hi:
            return value - domain.lo
        return None
    if type(value) is str and value in domain.names:
        return domain.names.index(value)
    return None


# --------------------------------------------------------------------------- expressions


class Expr:
    """Base of expression trees; Python operators build new trees.

    ``&``, ``|``, ``~`` are the boolean operators; ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``
    compare; ``+``, ``-``, ``*`` are integer arithmetic. An expression has no truth value, so
    ``and``, ``or``, ``not``, ``if`` and chained comparisons raise a :class:`TypeError`.
    """

    __slots__ = ()
    __hash__ = object.__hash__  # identity: expressions are used as dict keys (updates)

    def __bool__(self) -> bool:
        raise TypeError(_TRUTH_MESSAGE)

    def __and__(self, other: Operand) -> Op:
        return Op("and", (self, lit(other)))

    def __rand__(self, other: Operand) -> Op:
        return Op("and", (lit(other), self))

    def __or__(self, other: Operand) -> Op:
        return Op("or", (self, lit(other)))

    def __ror__(self, other: Operand) -> Op:
        return Op("or", (lit(other), self))

    def __invert__(self) -> Op:
        return Op("not", (self,))

    def __eq__(self, other: object) -> Op:  # type: ignore[override]
        return Op("==", (self, lit(other)))  # type: ignore[arg-type]

    def __ne__(self, other: object) -> Op:  # type: ignore[override]
        return Op("!=", (self, lit(other)))  # type: ignore[arg-type]

    def __lt__(self, other: Operand) -> Op:
        return Op("<", (self, lit(other)))

    def __le__(self, other: Operand) -> Op:
        return Op("<=", (self, lit(other)))

    def __gt__(self, other: Operand) -> Op:
        return Op(">", (self, lit(other)))

    def __ge__(self, other: Operand) -> Op:
        return Op(">=", (self, lit(other)))

    def __add__(self, other: Operand) -> Op:
        return Op("+", (self, lit(other)))

    def __radd__(self, other: Operand) -> Op:
        return Op("+", (lit(other), self))

    def __sub__(self, other: Operand) -> Op:
        return Op("-", (self, lit(other)))

    def __rsub__(self, other: Operand) -> Op:
        return Op("-", (lit(other), self))

    def __mul__(self, other: Operand) -> Op:
        return Op("*", (self, lit(other)))

    def __rmul__(self, other: Operand) -> Op:
        return Op("*", (lit(other), self))

    def __neg__(self) -> Op:
        return Op("-", (Const(0), self))

    # (issue 9) the rest of integer arithmetic: Python's floor division and remainder
    def __mod__(self, other: Operand) -> Op:
        return Op("%", (self, lit(other)))

    def __rmod__(self, other: Operand) -> Op:
        return Op("%", (lit(other), self))

    def __floordiv__(self, other: Operand) -> Op:
        return Op("//", (self, lit(other)))

    def __rfloordiv__(self, other: Operand) -> Op:
        return Op("//", (lit(other), self))

    def __abs__(self) -> Op:
        return Op("abs", (self,))

    def __getitem__(self, index: Operand) -> Op:
        """Element *index* of an array (``b[i]``, ``b[temp[SELF]]``)."""
        return Op("item", (self, lit(index)))

    def __iter__(self) -> Iterator[Expr]:
        # __getitem__ would otherwise make every expression an endless sequence
        raise TypeError("an expression is not iterable; use forall/exists/count(...) to quantify")

    def is_in(self, *values: Value) -> Op:
        """True when this expression equals one of *values*."""
        return is_in(self, *values)

    def __str__(self) -> str:
        return to_text(self)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {to_text(self)}>"


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Const(Expr):
    """A literal value: a bool, an int, or the name of an enum value."""

    value: Value


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Ref(Expr):
    """A variable of an instance: ``Ref("session", "state")``; ``instance=None`` means *self*."""

    instance: str | None
    name: str


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Var(Ref):
    """Declaration of a machine variable; used in expressions it reads the variable of *self*.

    Parameters
    ----------
    name : str
        The variable's name, unique within its machine.
    domain : Bool | Enum | Int | Array
        Its finite domain.
    initial : value or collection of values, optional
        The initial value; a ``set``/``frozenset``/``list``/``tuple``/``range`` gives a
        nondeterministic choice. Defaults to the first value of the domain. For an
        :class:`Array` a tuple is one value and a ``set``/``frozenset`` of tuples a choice.
        A condition relating several variables goes in ``System(initial=...)``.
    hidden : bool
        Ground truth of the environment that an implementation machine may not read.

    Examples
    --------
    >>> state = Var("state", Enum("Idle", "Open"))
    >>> print((state == "Idle") & ~Var("blocked", Bool()))
    state == Idle & ~blocked
    """

    domain: Domain = field(default_factory=Bool)
    initial: object = None
    hidden: bool = False

    def __init__(
        self,
        name: str,
        domain: Domain | Array,
        *,
        initial: object = None,
        hidden: bool = False,
    ) -> None:
        object.__setattr__(self, "instance", None)
        object.__setattr__(self, "name", name)
        # an Array is stored here too; the field keeps its scalar annotation (see domain_of)
        object.__setattr__(self, "domain", domain)
        object.__setattr__(self, "initial", initial)
        object.__setattr__(self, "hidden", hidden)

    @property
    def initial_values(self) -> tuple[object, ...]:
        """The initial values as a tuple in domain order (unknown values kept at the end)."""
        init = self.initial
        domain = domain_of(self)
        if init is None:
            values = domain.values
            return (values[0],) if len(values) else ()
        if isinstance(domain, Array):
            if isinstance(init, (set, frozenset)):
                element = domain.element

                def order(v: object) -> tuple[int, tuple[int, ...], str]:
                    if domain.contains(v):
                        return 0, tuple(cast(int, _position(element, x)) for x in cast("tuple[object, ...]", v)), ""
                    return 1, (), repr(v)
                return tuple(sorted(init, key=order))
            return (init,)
        if isinstance(init, range):
            init = list(init)
        if isinstance(init, (set, frozenset, list, tuple)):
            # sort the chosen values by their place in the domain instead of scanning the domain,
            # which materialised Int(0, 10**9) (issue 8)
            chosen = list(init)
            known: dict[int, object] = {}
            unknown: list[object] = []
            for c in chosen:
                at = _position(self.domain, c)
                if at is None:
                    unknown.append(c)
                else:
                    known.setdefault(at, c)
            return tuple(known[k] for k in sorted(known)) + tuple(unknown)
        return (init,)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Op(Expr):
    """An operator applied to arguments.

    Operators: ``not and or implies == != < <= > >= + - * ite in count``. For ``in`` the first
    argument is the tested expression and the rest are constants.

    The second edition (issue 9) adds, without changing the operators above:

    - ``% //`` (binary, Python's floor semantics), ``abs`` (unary), ``min max`` (n-ary);
    - ``item`` ``(array, index)``: an array element; ``except`` ``(array, index, value)``: the
      array with one element replaced (what ``updates={b[i]: v}`` becomes);
    - ``self_index`` ``()``: the index of the instance that reads it in its family (``SELF``);
    - ``member`` ``(Const(family), index, Const(variable))``: a variable of a family member
      chosen by an integer expression (``ref("tab", "x", j)``);
    - ``forall exists count_of`` ``(Const(name), over, body)``: quantifiers binding *name* to
      each index of *over*, which is ``family`` ``(Const(family),)`` (its indices) or ``range``
      ``(Const(lo), Const(hi))`` (both included); ``bound`` ``(Const(name),)`` reads the index.
    """

    op: str
    args: tuple[Expr, ...]


TRUE = Const(True)
FALSE = Const(False)


def lit(value: Operand) -> Expr:
    """Wrap a Python value as a :class:`Const`; expressions pass through."""
    if isinstance(value, Expr):
        return value
    if isinstance(value, (bool, int, str)):
        return Const(value)
    raise TypeError(
        f"{value!r} cannot be used in an expression; use a bool, an int, an enum value name "
        "or an expression built from variables"
    )


#: the instance name under which a system's shared variables live (``ref(SHARED, "turn")``)
SHARED = "shared"


@overload
def ref(instance: str, name: str) -> Ref: ...


@overload
def ref(instance: str, name: str, index: Operand) -> Op: ...


def ref(instance: str, name: str, index: Operand | None = None) -> Ref | Op:
    """A variable of another instance, e.g. ``ref("session", "state") == "Active"``.

    With *index*, *instance* names a family and *index* (an integer expression) picks the
    member: ``ref("proc", "num", j)`` is ``proc[j].num`` (issue 9).
    """
    if index is None:
        return Ref(instance, name)
    return Op("member", (Const(instance), lit(index), Const(name)))


def shared(name: str, domain: Domain | Array, *, initial: object = None, hidden: bool = False) -> Var:
    """A shared variable, read and written by any instance (issue 9): declare it once, list it in
    ``System(shared=...)`` and use it in any machine's guards and updates.

    Examples
    --------
    >>> turn = shared("turn", Int(0, 1))
    >>> print(turn == 1)
    shared.turn == 1
    """
    v = Var(name, domain, initial=initial, hidden=hidden)
    object.__setattr__(v, "instance", SHARED)
    return v


def min_of(*exprs: Operand | Iterable[Operand]) -> Op:
    """The smallest of the integer *exprs* (``min`` is Python's, which cannot compare expressions)."""
    return _nary("min", exprs)


def max_of(*exprs: Operand | Iterable[Operand]) -> Op:
    """The largest of the integer *exprs*.

    Examples
    --------
    >>> n = Var("n", Int(0, 9))
    >>> print(max_of(n - 3, 0) + abs(n % 4 - n // 2))
    max(n - 3, 0) + abs(n % 4 - n // 2)
    """
    return _nary("max", exprs)


def _nary(op: str, exprs: tuple[Operand | Iterable[Operand], ...]) -> Op:
    items = _flatten(exprs)
    if not items:
        raise TypeError(f"{op}_of() needs at least one expression")
    return Op(op, tuple(items))


#: the operators the second edition added (issue 9); see :class:`Op`
V2_OPS = frozenset({
    "%", "//", "min", "max", "abs", "item", "except", "self_index", "member", "bound", "forall", "exists",
    "count_of", "family", "range",
})

#: the index of the instance that reads it in its family: ``temp[SELF]``, ``ref("p", "x", SELF)``
SELF = Op("self_index", ())

_binding = threading.local()


def _over(over: object) -> Op:
    """The ``family`` or ``range`` node a quantifier ranges over."""
    if isinstance(over, str):
        return Op("family", (Const(over),))
    if isinstance(over, Int):
        return Op("range", (Const(over.lo), Const(over.hi)))
    if isinstance(over, range):
        if over.step != 1:
            raise TypeError("a quantifier ranges over consecutive integers: use range(lo, hi)")
        return Op("range", (Const(over.start), Const(over.stop - 1)))
    name = getattr(over, "name", None)
    if isinstance(name, str) and hasattr(over, "machine"):
        return Op("family", (Const(name),))
    raise TypeError(f"cannot quantify over {over!r}: give a family (or its name), an Int(lo, hi) or a range")


def _quantifier(op: str, over: object, body: Callable[[Expr], Operand]) -> Op:
    domain = _over(over)
    code = getattr(body, "__code__", None)
    base = code.co_varnames[0] if code is not None and code.co_argcount >= 1 else "i"
    # a name already bound by an enclosing quantifier being built gets a prime, so an inner body
    # can still read the outer index (forall(p, lambda j: forall(p, lambda j: ...)) stays correct)
    stack: list[str] = _binding.__dict__.setdefault("names", [])
    name = base
    while name in stack:
        name += "'"
    stack.append(name)
    try:
        inner = lit(body(Op("bound", (Const(name),))))
    finally:
        stack.pop()
    return Op(op, (Const(name), domain, inner))


def forall(over: str | _Family | Int | range, body: Callable[[Expr], Operand]) -> Op:
    """True when *body* holds for every index of *over* (issue 9).

    *over* is a family (or its name: its members' indices), an ``Int(lo, hi)`` or a ``range``;
    *body* receives the index as an integer expression.

    Examples
    --------
    >>> print(forall("proc", lambda j: implies(j != SELF, ref("proc", "pc", j) != "cs")))
    forall(j in proc: j != self => proc[j].pc != cs)
    """
    return _quantifier("forall", over, body)


def exists(over: str | _Family | Int | range, body: Callable[[Expr], Operand]) -> Op:
    """True when *body* holds for some index of *over* (see :func:`forall`)."""
    return _quantifier("exists", over, body)


def implies(a: Operand, b: Operand) -> Op:
    """``a`` implies ``b``."""
    return Op("implies", (lit(a), lit(b)))


def ite(cond: Operand, then: Operand, otherwise: Operand) -> Op:
    """``then`` if ``cond`` else ``otherwise``."""
    return Op("ite", (lit(cond), lit(then), lit(otherwise)))


def is_in(expr: Operand, *values: Value) -> Op:
    """True when *expr* equals one of *values* (``is_in(state, "Connecting", "Open")``)."""
    if not values:
        raise TypeError("is_in() needs at least one value")
    return Op("in", (lit(expr), *(Const(v) for v in values)))


@overload
def count(over: str | _Family | Int | range, body: Callable[[Expr], Operand], /) -> Op: ...


@overload
def count(*exprs: Operand | Iterable[Operand]) -> Op: ...


def count(*exprs: object) -> Op:
    """How many of the boolean *exprs* are true (an integer expression).

    ``count(over, lambda j: ...)`` counts the indices of *over* (a family, an ``Int`` or a
    ``range``, as for :func:`forall`) for which the body holds (issue 9).
    """
    if len(exprs) == 2 and callable(exprs[1]) and not isinstance(exprs[1], Expr):
        return _quantifier("count_of", exprs[0], cast("Callable[[Expr], Operand]", exprs[1]))
    return Op("count", tuple(_flatten(cast("tuple[Operand | Iterable[Operand], ...]", exprs))))


def prev(expr: Operand) -> Op:
    """The value of *expr* in the state before the step (only in ``on_step(after=...)``).

    Examples
    --------
    >>> n = Var("retries", Int(0, 3))
    >>> print(n == prev(n) + 1)
    retries == prev(retries) + 1
    >>> print(unchanged(n))
    unchanged(retries)
    """
    return Op("prev", (lit(expr),))


def unchanged(*exprs: Operand | Iterable[Operand]) -> Expr:
    """True when a step left every one of *exprs* as it was (only in ``on_step(after=...)``)."""
    return all_of(Op("==", (e, prev(e))) for e in _flatten(exprs))


def all_of(*exprs: Operand | Iterable[Operand]) -> Expr:
    """Conjunction of *exprs* (``TRUE`` when empty), as one flat ``and`` however many there are.

    Examples
    --------
    >>> print(all_of(Var("a", Bool()), Var("b", Bool()), Var("c", Bool())))
    a & b & c
    """
    items = _flatten(exprs)
    if not items:
        return TRUE
    # one node of n arguments, not a chain of n - 1: a chain nested as deep as it was wide
    # (issue 8: 200 terms broke the generated code, 1,000 the recursion limit)
    return items[0] if len(items) == 1 else Op("and", tuple(items))


def any_of(*exprs: Operand | Iterable[Operand]) -> Expr:
    """Disjunction of *exprs* (``FALSE`` when empty), as one flat ``or``."""
    items = _flatten(exprs)
    if not items:
        return FALSE
    return items[0] if len(items) == 1 else Op("or", tuple(items))


def _flatten(exprs: tuple[Operand | Iterable[Operand], ...]) -> list[Expr]:
    flat: list[Expr] = []
    for e in exprs:
        if isinstance(e, (Expr, bool, int, str)):
            flat.append(lit(e))
        else:
            flat.extend(lit(x) for x in e)
    return flat


#: operators whose nested applications mean the same as one flat application, on either side
ASSOCIATIVE = frozenset({"and", "or", "+", "*"})


def operands(expr: Op, *, left_only: bool = False) -> tuple[Expr, ...]:
    """The arguments of *expr*, with nested applications of the same n-ary operator spliced in.

    ``a + b + c`` built by Python's operators (or by ``sum()`` or ``functools.reduce``) is a
    chain ``(a + b) + c`` as deep as it is long; every consumer reads it as one ``+`` of three
    arguments, so width never turns into recursion depth (issue 8). Associative operators splice
    on both sides, ``-`` only its left argument (``(a - b) - c`` is ``a - b - c``), and
    *left_only* restricts the associative ones to their left side too (for printing, which must
    keep the parentheses of ``a + (b + c)``). Other operators return their arguments unchanged.

    Examples
    --------
    >>> n = Var("n", Int(0, 3))
    >>> len(operands(sum(n for _ in range(5))))  # 0 + n + n + n + n + n
    6
    """
    op = expr.op
    if op in ASSOCIATIVE and not left_only:
        out: list[Expr] = []
        stack: list[Expr] = [expr]
        while stack:
            node = stack.pop()
            if isinstance(node, Op) and node.op == op:
                stack.extend(reversed(node.args))
            else:
                out.append(node)
        return tuple(out)
    if op in ASSOCIATIVE or op == "-":
        rests: list[tuple[Expr, ...]] = []
        head: Expr = expr
        while isinstance(head, Op) and head.op == op and head.args:
            rests.append(head.args[1:])
            head = head.args[0]
        return (head, *(e for rest in reversed(rests) for e in rest))
    return expr.args


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of *expr*, parents before children."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, Op):
            stack.extend(reversed(node.args))


def uses_prev(expr: Expr) -> bool:
    """True when *expr* reads the state before a step (``prev``), which only step rules may."""
    return any(isinstance(n, Op) and n.op == "prev" for n in walk(expr))


def refs_of(expr: Expr) -> tuple[Ref, ...]:
    """The variable references in *expr*, in order of appearance."""
    return tuple(n for n in walk(expr) if isinstance(n, Ref))


# --------------------------------------------------------------------------- text

_PREC = {
    "implies": 1,
    "or": 2,
    "and": 3,
    "not": 4,
    "==": 5, "!=": 5, "<": 5, "<=": 5, ">": 5, ">=": 5, "in": 5,
    "+": 6, "-": 6,
    "*": 7, "%": 7, "//": 7,
}
_SYMBOL = {"and": "&", "or": "|", "implies": "=>"}


def to_text(expr: Expr, *, self_name: str | None = None, show: Callable[[Ref], str] | None = None) -> str:
    """Readable text of *expr* (``session.state == Active & ~blocked``).

    References to *self* print as the bare variable name, or as ``self_name.var`` when given.
    """

    def name_of(r: Ref) -> str:
        if show is not None:
            return show(r)
        if r.instance is None:
            return f"{self_name}.{r.name}" if self_name else r.name
        return f"{r.instance}.{r.name}"

    def go(e: Expr, outer: int) -> str:
        if isinstance(e, Const):
            v = e.value
            return ("true" if v else "false") if isinstance(v, bool) else str(v)
        if isinstance(e, Ref):
            return name_of(e)
        assert isinstance(e, Op)
        op, args = e.op, e.args
        if op == "not":
            inner = args[0]
            if isinstance(inner, Op) and inner.op == "==":
                text = f"{go(inner.args[0], 6)} != {go(inner.args[1], 6)}"
                return f"({text})" if outer > 5 else text
            return "~" + go(inner, 8)
        if op == "ite":
            return f"ite({go(args[0], 0)}, {go(args[1], 0)}, {go(args[2], 0)})"
        if op == "count":
            return "count(" + ", ".join(go(a, 0) for a in args) + ")"
        if op == "prev":
            return f"prev({go(args[0], 0)})"
        if op in ("min", "max", "abs"):
            return f"{op}(" + ", ".join(go(a, 0) for a in args) + ")"
        if op == "item":
            return f"{go(args[0], 9)}[{go(args[1], 0)}]"
        if op == "except":
            return f"[{go(args[0], 0)} EXCEPT ![{go(args[1], 0)}] = {go(args[2], 0)}]"
        if op == "self_index":
            return "self"
        if op == "bound":
            return str(_const_value(args[0]))
        if op == "member":
            return f"{_const_value(args[0])}[{go(args[1], 0)}].{_const_value(args[2])}"
        if op in ("forall", "exists", "count_of"):
            word = "count" if op == "count_of" else op
            return f"{word}({_const_value(args[0])} in {go(args[1], 0)}: {go(args[2], 0)})"
        if op == "family":
            return str(_const_value(args[0]))
        if op == "range":
            return f"{go(args[0], 0)}..{go(args[1], 0)}"
        if op == "in":
            vals = ", ".join(go(a, 0) for a in args[1:])
            text = f"{go(args[0], 6)} in {{{vals}}}"
            return f"({text})" if outer > 5 else text
        if op == "==" and isinstance(args[1], Op) and args[1].op == "prev" and args[1].args[0] is args[0]:
            return f"unchanged({go(args[0], 0)})"
        prec = _PREC[op]
        sym = _SYMBOL.get(op, op)
        if op in ("and", "or"):
            # and/or print without parentheses on either side, so a nested chain reads the same
            # spliced; arithmetic splices only its left side, where no parentheses are printed
            text = f" {sym} ".join(go(a, prec) for a in operands(e))
        elif op == "implies":
            text = f"{go(args[0], prec + 1)} {sym} {go(args[1], prec)}"
        else:
            first, *rest = operands(e, left_only=True)
            text = f" {sym} ".join([go(first, prec), *(go(a, prec + 1) for a in rest)])
        return f"({text})" if outer > prec else text

    return go(expr, 0)


def _const_value(e: Expr) -> Value:
    """The value of a node that is a constant by construction (a name or a bound)."""
    assert isinstance(e, Const), e
    return e.value

"""Expression trees compiled to numpy over a whole batch of packed states (issue 13).

The same trees the reference engine turns into Python source are turned here into closures over
a :class:`~._layout.Frame`: each reads the fields it needs as arrays and combines them with numpy,
so one call evaluates a guard, an update or a property for every state of a frontier. Values are
booleans, integers (the actual value) or enum values as codes in one table of every name the
system uses (so Enums that share names compare correctly); ``x == "Active"`` on an Enum variable
compares positions directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from ..._typing import infer
from ...expr import Bool, Const, Enum, Expr, Int, Op, Ref, operands
from ...machine import System
from ._layout import Column, Frame, Layout, Unsupported

__all__ = ["Compiler", "BoolFn", "ValueFn", "Mask"]

Mask = npt.NDArray[np.bool_]
#: a compiled condition: one boolean per row of the frame
BoolFn = Callable[[Frame], Mask]
#: a compiled update: (positions in the target's domain, rows outside the domain or None)
ValueFn = Callable[[Frame], tuple[Column, Mask | None]]
_Fn = Callable[[Frame], Any]

#: integers beyond this are not computed in int64 (the engine says so instead of wrapping)
_LIMIT = 1 << 62


class Compiler:
    """Compiles expressions of one system against its :class:`Layout`."""

    def __init__(self, system: System, layout: Layout) -> None:
        self.system = system
        self.layout = layout
        self.codes: dict[str, int] = {}
        for d in layout.domains:
            if isinstance(d, Enum):
                for name in d.names:
                    self.codes.setdefault(name, len(self.codes))
        self.lut: dict[int, Column] = {
            k: np.array([self.codes[n] for n in d.names], dtype=np.int64)
            for k, d in enumerate(layout.domains) if isinstance(d, Enum)
        }

    def code(self, name: str) -> int:
        return self.codes.setdefault(name, len(self.codes))

    # ------------------------------------------------------------------ public entry points

    def condition(self, expr: Expr, me: str | None) -> BoolFn:
        """A boolean expression as a function of a frame (one boolean per row)."""
        kind, fn = self._compile(expr, me)
        if kind != "bool":
            raise Unsupported(f"{expr} is not a boolean")
        return _rows(fn)

    def update(self, expr: Expr, me: str, slot: int) -> ValueFn:
        """The value *expr* (read by instance *me*) as positions in the domain of *slot*, with the
        rows whose value lies outside that domain."""
        domain = self.layout.domains[slot]
        kind, fn = self._compile(expr, me)
        if isinstance(domain, Bool):
            def as_bool(f: Frame) -> tuple[Column, Mask | None]:
                return np.broadcast_to(np.asarray(fn(f), dtype=np.int64), (f.n,)), None
            return as_bool
        if isinstance(domain, Int):
            ty = infer(expr, lambda r: self.system.resolve(r, me))
            lo, hi = domain.lo, domain.hi
            fits = lo <= ty.lo and ty.hi <= hi

            def as_int(f: Frame) -> tuple[Column, Mask | None]:
                v = np.broadcast_to(np.asarray(fn(f), dtype=np.int64), (f.n,))
                if fits:
                    return (v - lo if lo else v), None
                bad = (v < lo) | (v > hi)
                return np.clip(v, lo, hi) - lo, bad
            return as_int
        assert isinstance(domain, Enum)
        if isinstance(expr, Const):
            at = self.layout.index[slot].get(expr.value)
            if at is None:  # a literal outside the domain: every row is out
                return lambda f: (np.zeros(f.n, dtype=np.int64), np.ones(f.n, dtype=bool))
            pos = at
            return lambda f: (np.full(f.n, pos, dtype=np.int64), None)
        if isinstance(expr, Ref):
            src = self.system.slot(expr, me)
            src_domain = self.layout.domains[src]
            if isinstance(src_domain, Enum) and src_domain.names == domain.names:
                return lambda f: (f.col(src), None)
        # general case: codes -> positions in this domain (-1 outside it)
        inverse = np.full(max(len(self.codes), 1), -1, dtype=np.int64)
        for i, name in enumerate(domain.names):
            inverse[self.codes[name]] = i

        def as_enum(f: Frame) -> tuple[Column, Mask | None]:
            codes = np.broadcast_to(np.asarray(fn(f), dtype=np.int64), (f.n,))
            pos = inverse[codes]
            bad = pos < 0
            if bad.any():
                return np.where(bad, 0, pos), bad
            return pos, None
        if kind not in ("enum", "str"):
            raise Unsupported(f"{expr} is not an enum value")
        return as_enum

    # ------------------------------------------------------------------ the compiler

    def _compile(self, e: Expr, me: str | None) -> tuple[str, _Fn]:
        if isinstance(e, Const):
            v = e.value
            if isinstance(v, bool):
                return "bool", _const(v)
            if isinstance(v, int):
                if abs(v) >= _LIMIT:
                    raise Unsupported(f"the constant {v} does not fit in 62 bits")
                return "int", _const(v)
            return "str", _const(self.code(v))
        if isinstance(e, Ref):
            k = self.system.slot(e, me)
            d = self.layout.domains[k]
            if isinstance(d, Bool):
                return "bool", lambda f: f.col(k) != 0
            if isinstance(d, Int):
                lo = d.lo
                if lo:
                    return "int", lambda f: f.col(k) + lo
                return "int", lambda f: f.col(k)
            lut = self.lut[k]
            return "enum", lambda f: lut[f.col(k)]
        if not isinstance(e, Op):
            raise Unsupported(f"{e!r} is not an expression")
        op = e.op
        if op == "prev":
            kind, inner = self._compile(e.args[0], me)

            def before(f: Frame) -> Any:
                if f.prev is None:
                    raise Unsupported("prev() outside a step rule's after-condition")
                return inner(f.prev)
            return kind, before
        if op in ("+", "-", "*", "count"):
            ty = infer(e, lambda r: self.system.resolve(r, me))
            if max(abs(ty.lo), abs(ty.hi)) >= _LIMIT:
                raise Unsupported(f"{e} may reach {ty}, beyond 64-bit arithmetic")
        if op == "not":
            _, a = self._compile(e.args[0], me)
            return "bool", lambda f: np.logical_not(a(f))
        if op in ("and", "or"):
            fns = [self._compile(x, me)[1] for x in operands(e)]
            ufunc = np.logical_and if op == "and" else np.logical_or

            def chain(f: Frame) -> Any:
                acc = fns[0](f)
                for g in fns[1:]:
                    acc = ufunc(acc, g(f))
                return acc
            return "bool", chain
        if op == "implies":
            _, a = self._compile(e.args[0], me)
            _, b = self._compile(e.args[1], me)
            return "bool", lambda f: np.logical_or(np.logical_not(a(f)), b(f))
        if op in ("==", "!="):
            eq = self._equality(e.args[0], e.args[1], me)
            if op == "==":
                return "bool", eq
            return "bool", lambda f: np.logical_not(eq(f))
        if op == "in":
            tests = [self._equality(e.args[0], item, me) for item in e.args[1:]]
            direct = self._positions_in(e.args[0], e.args[1:], me)
            if direct is not None:
                return "bool", direct

            def any_of(f: Frame) -> Any:
                acc = tests[0](f)
                for t in tests[1:]:
                    acc = np.logical_or(acc, t(f))
                return acc
            return "bool", any_of
        if op in ("<", "<=", ">", ">="):
            _, a = self._compile(e.args[0], me)
            _, b = self._compile(e.args[1], me)
            cmp = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}[op]
            return "bool", lambda f: cmp(a(f), b(f))
        if op in ("+", "*"):
            fns = [self._compile(x, me)[1] for x in operands(e)]
            combine: Any = np.add if op == "+" else np.multiply

            def arith(f: Frame) -> Any:
                acc = fns[0](f)
                for g in fns[1:]:
                    acc = combine(acc, g(f))
                return acc
            return "int", arith
        if op == "-":
            fns = [self._compile(x, me)[1] for x in operands(e)]

            def minus(f: Frame) -> Any:
                acc = fns[0](f)
                for g in fns[1:]:
                    acc = np.subtract(acc, g(f))
                return acc
            return "int", minus
        if op == "count":
            fns = [self._compile(x, me)[1] for x in e.args]

            def counted(f: Frame) -> Any:
                acc: Any = 0
                for g in fns:
                    acc = np.add(acc, np.asarray(g(f), dtype=np.int64))
                return acc
            return "int", counted
        if op == "ite":
            _, c = self._compile(e.args[0], me)
            ka, a = self._compile(e.args[1], me)
            kb, b = self._compile(e.args[2], me)
            kind = ka if ka == kb else ("enum" if {ka, kb} <= {"enum", "str"} else ka)
            return kind, lambda f: np.where(c(f), a(f), b(f))
        raise Unsupported(f"the operator {op!r}")

    def _equality(self, x: Expr, y: Expr, me: str | None) -> _Fn:
        """``x == y``, comparing an Enum field with a literal by position."""
        for a, b in ((x, y), (y, x)):
            if isinstance(a, Ref) and isinstance(b, Const) and isinstance(b.value, str):
                k = self.system.slot(a, me)
                if isinstance(self.layout.domains[k], Enum):
                    at = self.layout.index[k].get(b.value)
                    if at is None:
                        return _const(False)
                    pos = at
                    return lambda f: f.col(k) == pos
        _, fa = self._compile(x, me)
        _, fb = self._compile(y, me)
        return lambda f: np.equal(fa(f), fb(f))

    def _positions_in(self, x: Expr, items: tuple[Expr, ...], me: str | None) -> _Fn | None:
        """``x in (literals)`` for an Enum field, by position; None when it does not apply."""
        if not isinstance(x, Ref) or not all(isinstance(i, Const) and isinstance(i.value, str) for i in items):
            return None
        k = self.system.slot(x, me)
        if not isinstance(self.layout.domains[k], Enum):
            return None
        index = self.layout.index[k]
        table = np.zeros(len(index), dtype=bool)
        for i in items:
            assert isinstance(i, Const)
            at = index.get(i.value)
            if at is not None:
                table[at] = True
        return lambda f: table[f.col(k)]


def _const(v: Any) -> _Fn:
    return lambda f: v


def _rows(fn: _Fn) -> BoolFn:
    def rows(f: Frame) -> Mask:
        got = fn(f)
        if isinstance(got, np.ndarray) and got.shape == (f.n,):
            return got
        return np.broadcast_to(np.asarray(got, dtype=bool), (f.n,))
    return rows

"""The one translation of a system into z3 terms (issue 14): states, steps, properties, traces back.

Every symbolic engine and the lint read models through this module; no model is encoded by hand.

- A *frame* is one position of an unrolled execution: one z3 constant per state variable, named
  ``<instance>.<var>@<frame>`` (STYLE.md section 2; an array's elements ``<instance>.<var>[k]@<frame>``),
  plus, for each ``never_after`` rule being checked, its observer's flags, plus the *label* of the
  step that leaves the frame: ``step@<frame>`` (which action fires, an index into
  ``Compiled.actions``) and ``<instance>.receives@<frame>`` (which of the instance's receiving
  transitions fires with it, ``-1`` for none).
- ``Bool`` variables are z3 Booleans; ``Int(lo, hi)`` and ``Enum`` variables are z3 integers with
  range constraints. Enum values are coded by one table for the whole system (a name has one code
  whatever Enum it belongs to, so comparing variables of different Enums means what it means in
  Python). An ``Array`` variable is a tuple of such constants, one per element (issue 9: arrays are
  small and fixed-size, so element ``b[i]`` is an ``If`` over the elements, exact and
  quantifier-free). Shared variables (``System(shared=...)``) come after the instances' variables,
  as in the reference engine's state tuple.
- The transition relation is the reference engine's semantics (:mod:`checker._compile`):
  interleaving; a state outside ``System(constraint=...)`` has no step; a step fires one enabled
  action; a broadcast is received in the same step, wave by wave (a receiver may emit in its turn,
  a *cascade*), by every instance not yet in the step with an enabled receiver for an event of the
  previous wave (one of them, chosen freely, when several are enabled); updates are simultaneous and
  read the state before the step; a variable no firing transition writes keeps its value. Next-state
  values are constrained to their domains, so an update that leaves its domain blocks its step here;
  :meth:`Encoding.out_of_domain` says where expanding a state fails (an update leaving its domain,
  an index outside an array or a family, a division by zero, two writes of one shared variable in
  one step: the run-time checks of the reference engine, with Python's evaluation order, so that a
  check ``&`` short-circuits is not counted), and the engines report it as the model error the
  reference engine raises.
- Python's integer semantics: ``%`` and ``//`` floor (the remainder has the divisor's sign), as the
  reference engine's generated Python does; z3's ``mod``/``div`` are Euclidean and are corrected.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from ..._compile import Action, Compiled, Label, OutOfDomain, State, compile_system
from ..._typing import fits, infer
from ...errors import InputError, InternalError, ModelError, Problem
from ...expr import SHARED, Array, Bool, Const, Domain, Enum, Expr, Int, Op, Ref, domain_of, to_text, walk
from ...machine import System, Transition
from ...property import NeverAfter
from ...result import Trace

__all__ = ["Term", "Frame", "Encoding", "Observer", "solve"]

#: a z3 expression (z3 ships no type stubs); the value of an Array variable is a tuple of them
Term = Any
#: the values bound to quantifier indices while translating a quantifier's body
Bound = tuple[tuple[str, Any], ...]


def solve(solver: Any, *terms: Term) -> Any:
    """``solver.check(*terms)``. z3 answers a Ctrl-C during a query with ``unknown`` ("interrupted
    from keyboard") and swallows the signal, so that answer becomes the KeyboardInterrupt the user
    asked for (the CLI exits 130) instead of a check that carries on."""
    got = solver.check(*terms)
    if got == z3.unknown and solver.reason_unknown() == "interrupted from keyboard":
        raise KeyboardInterrupt
    return got


@dataclass(frozen=True, slots=True, eq=False)
class Frame:
    """One position of an unrolling: the state, the observers' flags, and the label of the step
    that leaves it (meaningful only when a transition to a next frame is asserted)."""

    name: str
    state: tuple[Term, ...]
    armed: tuple[tuple[Term, ...], ...]
    act: Term
    recv: dict[int, Term] = field(default_factory=dict)

    def variables(self) -> tuple[Term, ...]:
        """The state and observer constants (what makes two frames the same product state);
        an array's elements one by one."""
        flat: list[Term] = []
        for x in self.state:
            if isinstance(x, tuple):
                flat.extend(x)
            else:
                flat.append(x)
        return tuple(flat) + tuple(a for flags in self.armed for a in flags)


@dataclass(frozen=True, slots=True)
class Observer:
    """A ``never_after`` rule's observer: one flag per watched instance (``"*"`` when global)."""

    prop: NeverAfter
    watched: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Waves:
    """The receivers' choices of the step leaving one frame (see :meth:`Encoding.waves`).

    ``choice`` constrains the label constants to a step the reference engine takes (receivers of
    each wave chosen among the enabled ones); ``joins[j][w]`` says instance *j* receives in wave
    ``w + 1``; ``considered`` lists, per receiver, when the reference engine evaluates its guard."""

    choice: tuple[Term, ...]
    joins: dict[int, tuple[Term, ...]]
    considered: tuple[tuple[int, Transition, Term], ...]


class Encoding:
    """A system translated once into z3 term builders; frames are made on demand.

    Read-only after construction except for the enum code table, which grows when an expression
    names a value no domain declares (an ``ite`` into an Enum, say), and the memo tables.
    """

    def __init__(self, system: System, *, observers: Sequence[NeverAfter] = (), also: Sequence[object] = (),
                 compiled: Compiled | None = None) -> None:
        self.system = system
        # a context of its own: z3's answers (and so traces) depend on the order its terms were
        # made in, which must not depend on what ran before in the same process
        self.ctx = z3.Context()
        self._compiled = compiled
        # the reference engine's numbering of actions (the labels of its traces)
        self.actions: list[Action] = []
        for i, inst in enumerate(system.instances):
            for t in inst.machine.transitions:
                if t.on is None:
                    self.actions.append(Action(len(self.actions), i, inst, t))
        self.index = {inst.name: i for i, inst in enumerate(system.instances)}
        _supported(system, also)  # *also*: lemmas, which are not among the system's properties
        self.domains: tuple[Domain | Array, ...] = (
            tuple(domain_of(v) for inst in system.instances for v in inst.machine.variables)
            + tuple(domain_of(v) for v in system.shared)
        )
        self.codes: dict[str, int] = {}
        self.names: list[str] = []
        for d in self.domains:
            e = d.element if isinstance(d, Array) else d
            if isinstance(e, Enum):
                for n in e.names:
                    self.code(n)
        #: per instance index: its receiving transitions, in declaration order
        self.receivers: dict[int, list[Transition]] = {}
        for i, inst in enumerate(system.instances):
            rs = [t for t in inst.machine.transitions if t.on is not None]
            if rs:
                self.receivers[i] = rs
        # a cascade goes one wave further for each instance whose receivers emit (issue 9)
        relays = sum(1 for rs in self.receivers.values() if any(t.emit is not None for t in rs))
        self.max_waves = min(1 + relays, max(1, len(self.receivers)))
        self.observers: tuple[Observer, ...] = tuple(self._observer(p) for p in observers)
        self._terms: dict[tuple[object, ...], tuple[Term, Term | None]] = {}
        self._built: dict[tuple[object, ...], Term] = {}
        self._leaves: dict[tuple[object, ...], bool] = {}
        self._writers: list[list[tuple[str, int, int]]] = [[] for _ in system.slots]
        for a in self.actions:
            for var, _ in a.transition.updates:
                self._writers[self.slot_of_update(a.inst.name, var)].append(("act", a.instance, a.index))
        for j, rs in self.receivers.items():
            name = system.instances[j].name
            for idx, t in enumerate(rs):
                for var, _ in t.updates:
                    self._writers[self.slot_of_update(name, var)].append(("recv", j, idx))
        self._check_evaluation(also)

    def _check_evaluation(self, also: Sequence[object]) -> None:
        _supported_evaluation(self, also)

    @property
    def compiled(self) -> Compiled:
        """The reference engine's compiled system (traces, labels, domain errors), made when first
        needed: a proof needs none of it."""
        if self._compiled is None:
            self._compiled = compile_system(self.system)
            if [a.transition for a in self._compiled.actions] != [a.transition for a in self.actions]:
                raise InternalError("the symbolic and the compiled actions are numbered differently")
        return self._compiled

    def _observer(self, p: NeverAfter) -> Observer:
        if p.per_instance:
            watched = tuple(i.name for i in self.system.tagged_instances(p.trigger | p.forbidden))
        else:
            watched = ("*",)
        return Observer(prop=p, watched=watched)

    def slot_of_update(self, instance: str, var: str) -> int:
        """The slot an update of *instance* to *var* writes (its own variable, or ``shared.<name>``)."""
        if var.startswith(SHARED + ".") and self.system.shared_variable(var[len(SHARED) + 1:]) is not None:
            return self.system.slot_of(SHARED, var[len(SHARED) + 1:])
        return self.system.slot_of(instance, var)

    # ------------------------------------------------------------------ values

    def true(self) -> Term:
        return z3.BoolVal(True, self.ctx)

    def false(self) -> Term:
        return z3.BoolVal(False, self.ctx)

    def any(self, terms: Iterable[Term]) -> Term:
        """The disjunction of *terms* (false when there are none)."""
        items = list(terms)
        if len(items) == 1:
            return items[0]
        return z3.Or(*items) if items else self.false()

    def all(self, terms: Iterable[Term]) -> Term:
        """The conjunction of *terms* (true when there are none)."""
        items = list(terms)
        if len(items) == 1:
            return items[0]
        return z3.And(*items) if items else self.true()

    def code(self, name: str) -> int:
        """The integer coding the enum value *name*."""
        got = self.codes.get(name)
        if got is None:
            got = self.codes[name] = len(self.names)
            self.names.append(name)
        return got

    def in_domain(self, term: Term, domain: Domain | Array) -> Term:
        """*term* is a value of *domain*."""
        if isinstance(domain, Array):
            return self.all(self.in_domain(x, domain.element) for x in term)
        if isinstance(domain, Bool):
            return self.true()
        if isinstance(domain, Int):
            return z3.And(term >= domain.lo, term <= domain.hi)
        codes = sorted(self.code(n) for n in domain.names)
        if codes == list(range(codes[0], codes[-1] + 1)):
            return z3.And(term >= codes[0], term <= codes[-1])
        return self.any([term == c for c in codes])

    def eq(self, a: Term, b: Term) -> Term:
        """*a* equals *b* (element by element for arrays)."""
        if isinstance(a, tuple) or isinstance(b, tuple):
            return self.all(self.eq(x, y) for x, y in zip(a, b, strict=True))
        return a == b

    def value(self, model: Any, term: Term, domain: Domain | Array) -> object:
        """The Python value of *term* in a z3 model."""
        if isinstance(domain, Array):
            return tuple(self.value(model, x, domain.element) for x in term)
        got = model.eval(term, model_completion=True)
        if isinstance(domain, Bool):
            return bool(z3.is_true(got))
        n = got.as_long()
        if isinstance(domain, Int):
            return int(n)
        return self.names[n] if 0 <= n < len(self.names) else f"<no value {n}>"

    def flat_names(self) -> list[tuple[str, Domain]]:
        """(name, domain) of each constant of a frame's state, in the order of :meth:`Frame.variables`."""
        out: list[tuple[str, Domain]] = []
        for (inst, var), domain in zip(self.system.slots, self.domains, strict=True):
            if isinstance(domain, Array):
                out += [(f"{inst}.{var}[{k}]", domain.element) for k in range(domain.size)]
            else:
                out.append((f"{inst}.{var}", domain))
        return out

    # ------------------------------------------------------------------ frames

    def frame(self, name: str) -> Frame:
        """Fresh constants for position *name* of an unrolling."""
        state: list[Term] = []

        def scalar(symbol: str, domain: Domain) -> Term:
            return z3.Bool(symbol, self.ctx) if isinstance(domain, Bool) else z3.Int(symbol, self.ctx)

        for (inst, var), domain in zip(self.system.slots, self.domains, strict=True):
            if isinstance(domain, Array):
                state.append(tuple(scalar(f"{inst}.{var}[{k}]@{name}", domain.element) for k in range(domain.size)))
            else:
                state.append(scalar(f"{inst}.{var}@{name}", domain))
        armed = tuple(
            tuple(z3.Bool(f"{o.prop.name}.armed[{w}]@{name}", self.ctx) for w in o.watched) for o in self.observers
        )
        recv = {j: z3.Int(f"{self.system.instances[j].name}.receives@{name}", self.ctx) for j in self.receivers}
        return Frame(name=name, state=tuple(state), armed=armed, act=z3.Int(f"step@{name}", self.ctx), recv=recv)

    def domain(self, f: Frame) -> list[Term]:
        """Every variable of *f* holds a value of its domain."""
        return [self.in_domain(x, d) for x, d in zip(f.state, self.domains, strict=True) if not isinstance(d, Bool)]

    def init(self, f: Frame) -> list[Term]:
        """*f* is an initial state (observers not armed), within ``System(initial=...)``."""
        out = []
        variables = [v for inst in self.system.instances for v in inst.machine.variables] + list(self.system.shared)
        for x, v in zip(f.state, variables, strict=True):
            out.append(self.any([self.eq(x, self.const(val)) for val in v.initial_values]))
        if self.system.initial is not None:
            out.append(self.term(self.system.initial, f, None))
        out += [z3.Not(a) for flags in f.armed for a in flags]
        return out

    def initial_problems(self, check: Callable[..., bool], f: Frame) -> None:
        """Raise the reference engine's model error when ``System(initial=...)`` keeps no state or
        fails while evaluated (*check* is a satisfiability query, *f* the first frame)."""
        predicate = self.system.initial
        if predicate is None:
            return
        failing = self.fails(predicate, f, None)
        if failing is not None and check(failing):
            self.compiled.initial_states()  # raises the reference engine's model error
            raise InternalError("z3 finds the initial predicate failing where the reference engine does not")
        if not check():
            choices = [len(v.initial_values) for inst in self.system.instances for v in inst.machine.variables]
            choices += [len(v.initial_values) for v in self.system.shared]
            raise ModelError(Problem(
                where=f"{self.system.name}/initial",
                what=f"no state satisfies {to_text(predicate)} (of the {math.prod(choices)} combinations of the "
                "variables' initial values)",
                fix="each variable starts only in its initial= values: widen them (e.g. initial=range(lo, hi + 1)) "
                "or relax the predicate",
            ))

    def const(self, value: object) -> Term:
        if isinstance(value, bool):
            return z3.BoolVal(value, self.ctx)
        if isinstance(value, int):
            return z3.IntVal(value, self.ctx)
        if isinstance(value, str):
            return z3.IntVal(self.code(value), self.ctx)
        if isinstance(value, tuple):
            return tuple(self.const(v) for v in value)
        raise InternalError(f"a value {value!r} that no domain has")

    def differs(self, f: Frame, g: Frame) -> Term:
        """*f* and *g* are different product states."""
        return self.any([x != y for x, y in zip(f.variables(), g.variables(), strict=True)])

    # ------------------------------------------------------------------ expressions

    def term(self, e: Expr, f: Frame, me: str | None, before: Frame | None = None, bound: Bound = ()) -> Term:
        """*e* read in frame *f* by instance *me*; ``prev(...)`` reads *before*."""
        return self._eval(e, f, me, before, bound)[0]

    def fails(self, e: Expr, f: Frame, me: str | None, before: Frame | None = None, bound: Bound = ()) -> Term | None:
        """When evaluating *e* in *f* fails as the reference engine evaluates it (an index out of
        range, a division by zero; short-circuits as Python's ``and``/``or``/``if`` do), or None
        when it cannot fail."""
        return self._eval(e, f, me, before, bound)[1]

    def _eval(self, e: Expr, f: Frame, me: str | None, before: Frame | None, bound: Bound) -> tuple[Term, Term | None]:
        if isinstance(e, Const):
            return self.const(e.value), None
        if isinstance(e, Ref):
            return f.state[self.system.slot(e, me)], None
        if not isinstance(e, Op):
            raise InternalError(f"{e!r} is not an expression")
        # expressions are compared by identity and live as long as the system: translate each
        # one once per frame (a guard is read by the step, deadlock, domain and lint queries)
        key = (id(e), f.name, me, None if before is None else before.name, bound)
        got = self._terms.get(key)
        if got is None:
            got = self._terms[key] = self._op(e, f, me, before, bound)
        return got

    def memo(self, key: tuple[object, ...], build: Callable[[], Term]) -> Term:
        """*build()*, once per *key* (goals' conditions per frame)."""
        got = self._built.get(key)
        if got is None:
            got = self._built[key] = build()
        return got

    def _pick(self, values: Sequence[Term], i: Term) -> Term:
        """``values[i]`` for a z3 integer *i* (the last value when it is out of range: the
        failure condition says so)."""
        if z3.is_int_value(i):
            k = i.as_long()
            if 0 <= k < len(values):
                return values[k]
        out = values[-1]
        for k in range(len(values) - 2, -1, -1):
            out = self._ite(i == k, values[k], out)
        return out

    def _ite(self, c: Term, a: Term, b: Term) -> Term:
        if isinstance(a, tuple):
            return tuple(self._ite(c, x, y) for x, y in zip(a, b, strict=True))
        return z3.If(c, a, b)

    def _op(self, e: Op, f: Frame, me: str | None, before: Frame | None, bound: Bound) -> tuple[Term, Term | None]:
        op, args = e.op, _spliced(e)
        if op == "prev":
            if before is None:
                raise InternalError("prev() outside a step rule's after-condition")
            return self._eval(args[0], before, me, before, bound)
        if op in ("forall", "exists", "count_of"):
            return self._quantifier(e, f, me, before, bound)
        pairs = [self._eval(x, f, me, before, bound) for x in args]
        a = [v for v, _ in pairs]
        fl = [x for _, x in pairs]
        every = _disjoin([x for x in fl if x is not None])  # every argument is evaluated
        if op == "not":
            return z3.Not(a[0]), fl[0]
        if op in ("and", "or"):
            # Python stops at the first false (true) argument: a later one's failure counts only
            # when every earlier one let evaluation go on
            fails = []
            for k, x in enumerate(fl):
                if x is not None:
                    earlier = a[:k] if op == "and" else [z3.Not(y) for y in a[:k]]
                    fails.append(self.all([*earlier, x]))
            return (z3.And(*a) if op == "and" else z3.Or(*a)), _disjoin(fails)
        if op == "implies":
            fails = [x for x in (fl[0], None if fl[1] is None else z3.And(a[0], fl[1])) if x is not None]
            return z3.Implies(a[0], a[1]), _disjoin(fails)
        if op == "ite":
            fails = [x for x in (fl[0], None if fl[1] is None else z3.And(a[0], fl[1]),
                                 None if fl[2] is None else z3.And(z3.Not(a[0]), fl[2])) if x is not None]
            return self._ite(a[0], a[1], a[2]), _disjoin(fails)
        if op == "in":
            return self.any([a[0] == v for v in a[1:]]), every
        if op == "count":
            return (z3.Sum(*[z3.If(b, 1, 0) for b in a]) if a else z3.IntVal(0, self.ctx)), every
        if op == "==":
            return self.eq(a[0], a[1]), every
        if op == "!=":
            return z3.Not(self.eq(a[0], a[1])), every
        if op == "<":
            return a[0] < a[1], every
        if op == "<=":
            return a[0] <= a[1], every
        if op == ">":
            return a[0] > a[1], every
        if op == ">=":
            return a[0] >= a[1], every
        if op == "+":
            return z3.Sum(*a), every
        if op == "*":
            return z3.Product(*a), every
        if op == "-":
            out = a[0]
            for x in a[1:]:
                out = out - x
            return out, every
        if op in ("%", "//"):
            return self._division(op, a[0], a[1], every)
        if op in ("min", "max"):
            out = a[0]
            for x in a[1:]:
                # Python keeps the first of equal values; equal values are the same value here
                out = z3.If(x < out, x, out) if op == "min" else z3.If(x > out, x, out)
            return out, every
        if op == "abs":
            return z3.If(a[0] >= 0, a[0], -a[0]), every
        if op == "item":
            arr, i = a
            outside = self._outside(i, len(arr))
            return self._pick(arr, i), _disjoin([x for x in (every, outside) if x is not None])
        if op == "except":
            arr, i, v = a
            outside = self._outside(i, len(arr))
            new = tuple(self._ite(i == k, v, x) for k, x in enumerate(arr))
            return new, _disjoin([x for x in (every, outside) if x is not None])
        if op == "self_index":
            inst = self.system.instance(me) if me is not None else None
            if inst is None or inst.index is None:
                raise InternalError(f"SELF read by {me!r}, which is in no family")
            return z3.IntVal(inst.index, self.ctx), None
        if op == "bound":
            name = _const(args[0])
            for n, v in reversed(bound):
                if n == name:
                    return z3.IntVal(v, self.ctx), None
            raise InternalError(f"the index {name!r} is read outside its quantifier")
        if op == "member":
            family, var = _const(args[0]), _const(args[2])
            values = [f.state[k] for k in self.system.member_slots(family, var)]
            i = a[1]
            outside = self._outside(i, len(values))
            return self._pick(values, i), _disjoin([x for x in (every, outside) if x is not None])
        raise InternalError(f"unknown operator {op!r}")

    def _outside(self, i: Term, size: int) -> Term | None:
        if z3.is_int_value(i):
            return None if 0 <= i.as_long() < size else self.true()
        return z3.Or(i < 0, i >= size)

    def _division(self, op: str, a: Term, b: Term, every: Term | None) -> tuple[Term, Term | None]:
        """Python's ``a % b`` and ``a // b`` (floor; the remainder has the divisor's sign) from z3's
        Euclidean ``mod``/``div`` (the remainder is never negative), and the division by zero."""
        q, r = a / b, a % b
        if z3.is_int_value(b):
            d = b.as_long()
            if d == 0:
                return z3.IntVal(0, self.ctx), self.true()
            if d > 0:
                return (r if op == "%" else q), every
            if op == "%":
                return z3.If(r == 0, r, r + b), every
            return z3.If(r == 0, q, q - 1), every
        if op == "%":
            value = z3.If(b > 0, r, z3.If(r == 0, r, r + b))
        else:
            value = z3.If(b > 0, q, z3.If(r == 0, q, q - 1))
        return value, _disjoin([x for x in (every, b == 0) if x is not None])

    def _quantifier(self, e: Op, f: Frame, me: str | None, before: Frame | None, bound: Bound) -> tuple[Term, Term | None]:
        op = e.op
        name, over, body = _const(e.args[0]), e.args[1], e.args[2]
        if not isinstance(over, Op):
            raise InternalError(f"a quantifier over {over!r}")
        if over.op == "family":
            lo, hi = 0, self.system.family(_const(over.args[0])).n - 1
        else:
            lo, hi = _int(over.args[0]), _int(over.args[1])
        values: list[Term] = []
        fails: list[Term] = []
        for k in range(lo, hi + 1):
            v, x = self._eval(body, f, me, before, (*bound, (name, k)))
            if x is not None:
                # forall stops at the first false body, exists at the first true; count reads all
                if op == "forall":
                    fails.append(self.all([*values, x]))
                elif op == "exists":
                    fails.append(self.all([*(z3.Not(y) for y in values), x]))
                else:
                    fails.append(x)
            values.append(v)
        if op == "forall":
            return self.all(values), _disjoin(fails)
        if op == "exists":
            return self.any(values), _disjoin(fails)
        return (z3.Sum(*[z3.If(v, 1, 0) for v in values]) if values else z3.IntVal(0, self.ctx)), _disjoin(fails)

    # ------------------------------------------------------------------ steps

    def guard(self, a: Action, f: Frame) -> Term:
        return self.term(a.transition.guard, f, a.inst.name)

    def expands(self, f: Frame) -> Term:
        """*f* is inside ``System(constraint=...)``: the reference engine expands it."""
        c = self.system.constraint
        return self.true() if c is None else self.term(c, f, None)

    def enabled(self, f: Frame) -> Term:
        """Some action can fire in *f* (a broadcast never waits for its receivers)."""
        return self.memo(("enabled", f.name), lambda: self.any([self.guard(a, f) for a in self.actions]))

    def _event_receivers(self, j: int, event: str) -> list[tuple[int, Transition]]:
        return [(idx, t) for idx, t in enumerate(self.receivers.get(j, ())) if t.on == event]

    def waves(self, f: Frame) -> _Waves:
        """The receivers of the step leaving *f*, wave by wave (the reference engine's ``_wave``):
        wave 1 is every instance but the sender with an enabled receiver for the sender's event;
        wave ``w + 1`` every instance not yet in the step with an enabled receiver for an event a
        receiver of wave ``w`` emits. Each instance in a wave fires exactly one of its enabled
        receivers for those events (``<instance>.receives``); the others fire none (``-1``).
        Every guard reads *f*. The size is linear in the system for one wave (no cascade)."""
        got = self._built.get(("waves", f.name))
        if isinstance(got, _Waves):
            return got
        system = self.system
        choice: list[Term] = [f.act >= 0, f.act < len(self.actions)]
        events = sorted({t.on for rs in self.receivers.values() for t in rs if t.on is not None})
        emitted = {e: self.any([f.act == a.index for a in self._emitters(e)]) for e in events}
        inside = {j: self.any([f.act == a.index for a in self.actions if a.instance == j]) for j in self.receivers}
        joins: dict[int, list[Term]] = {j: [] for j in self.receivers}
        considered: list[tuple[int, Transition, Term]] = []
        for _ in range(self.max_waves):
            joined: dict[int, Term] = {}
            for j, rs in self.receivers.items():
                me = system.instances[j].name
                offers = []
                for idx, t in enumerate(rs):
                    assert t.on is not None
                    heard = emitted.get(t.on, self.false())
                    if z3.is_false(heard):
                        continue
                    considered.append((j, t, z3.And(z3.Not(inside[j]), heard)))
                    offers.append((idx, z3.And(heard, self.term(t.guard, f, me))))
                join = z3.And(z3.Not(inside[j]), self.any([o for _, o in offers])) if offers else self.false()
                joined[j] = join
                joins[j].append(join)
                if offers:
                    choice.append(z3.Implies(join, self.any([z3.And(f.recv[j] == idx, o) for idx, o in offers])))
            emitted = {
                e: self.any([z3.And(joined[j], self.any([f.recv[j] == idx for idx, t in enumerate(rs) if t.emit == e]))
                             for j, rs in self.receivers.items() if any(t.emit == e for t in rs)])
                for e in events
            }
            inside = {j: z3.Or(inside[j], joined[j]) for j in self.receivers}
            if all(z3.is_false(x) for x in emitted.values()):
                break
        for j in self.receivers:
            choice.append(z3.Implies(z3.Not(self.any(joins[j])), f.recv[j] == -1))
        waves = _Waves(choice=tuple(choice), joins={j: tuple(v) for j, v in joins.items()}, considered=tuple(considered))
        self._built[("waves", f.name)] = waves
        return waves

    def trans(self, f: Frame, g: Frame) -> list[Term]:
        """The constraints of one step from *f* to *g*, labelled by *f*'s label constants."""
        if not self.actions:
            return [self.false()]
        out: list[Term] = list(self.waves(f).choice)
        if self.system.constraint is not None:
            out.append(self.expands(f))
        for a in self.actions:
            body = [self.guard(a, f)]
            for var, value in a.transition.updates:
                body.append(self.eq(g.state[self.slot_of_update(a.inst.name, var)], self.term(value, f, a.inst.name)))
            out.append(z3.Implies(f.act == a.index, z3.And(*body)))
        for j, rs in self.receivers.items():
            me = self.system.instances[j].name
            for idx, t in enumerate(rs):
                if t.updates:
                    out.append(z3.Implies(f.recv[j] == idx, self.all([
                        self.eq(g.state[self.slot_of_update(me, var)], self.term(value, f, me)) for var, value in t.updates
                    ])))
        for k, writers in enumerate(self._writers):
            out.append(z3.Or(self.eq(g.state[k], f.state[k]), *[self._fires(f, w) for w in writers]))
        twice = self.written_twice(f)
        if not z3.is_false(twice):
            out.append(z3.Not(twice))
        for o, obs in enumerate(self.observers):
            out += self._observe(obs, f.armed[o], g.armed[o], f, g)
        return out

    def written_twice(self, f: Frame) -> Term:
        """Two transitions of the step leaving *f* write one (shared) variable: a model error."""
        def build() -> Term:
            clashes = []
            for writers in self._writers:
                if len({(kind, j) for kind, j, _ in writers}) < 2:
                    continue
                for x, w1 in enumerate(writers):
                    for w2 in writers[x + 1:]:
                        if w1[1] != w2[1]:
                            clashes.append(z3.And(self._fires(f, w1), self._fires(f, w2)))
            return self.any(clashes)
        return self.memo(("twice", f.name), build)

    def _emitters(self, event: str, but: int | None = None) -> list[Action]:
        return [a for a in self.actions if a.transition.emit == event and a.instance != but]

    def can_send_to(self, f: Frame, j: int, event: str) -> Term:
        """In *f*, an instance other than *j* can broadcast *event* (its guard holds); a receiver
        emitting it in a cascade counts when it is enabled (an over-approximation, for the lint)."""
        def build() -> Term:
            senders = [self.guard(a, f) for a in self._emitters(event, but=j)]
            for i, rs in self.receivers.items():
                if i != j:
                    senders += [self.term(t.guard, f, self.system.instances[i].name) for t in rs if t.emit == event]
            return self.any(senders)
        return self.memo(("can-send-to", j, event, f.name), build)

    def _fires(self, f: Frame, writer: tuple[str, int, int]) -> Term:
        kind, j, k = writer
        return f.act == k if kind == "act" else f.recv[j] == k

    def fired(self, f: Frame, instance: int, tags: frozenset[str]) -> Term:
        """In the step leaving *f*, *instance* fires a transition tagged with one of *tags*."""
        hits = [f.act == a.index for a in self.actions if a.instance == instance and a.transition.tags & tags]
        hits += [f.recv[instance] == idx for idx, t in enumerate(self.receivers.get(instance, ())) if t.tags & tags]
        return z3.Or(*hits) if hits else self.false()

    def fired_any(self, f: Frame, tags: frozenset[str], instances: Iterable[int] | None = None) -> Term:
        which = range(len(self.system.instances)) if instances is None else instances
        return self.any([self.fired(f, i, tags) for i in which])

    # ------------------------------------------------------------------ observers (never_after)

    def _trigger_forbid_reset(self, obs: Observer, f: Frame) -> tuple[list[Term], list[Term], list[Term]]:
        p = obs.prop
        until_tags = p.until if isinstance(p.until, frozenset) else frozenset()
        if not p.per_instance:
            reset = [self.fired_any(f, until_tags)] if until_tags else [self.false()]
            return [self.fired_any(f, p.trigger)], [self.fired_any(f, p.forbidden)], reset
        idx = [self.index[w] for w in obs.watched]
        others = [i for i in range(len(self.system.instances)) if i not in idx]
        # an until step of an instance the observer does not watch (the session's login, say)
        # resets every watched instance (as the reference engine's observer does)
        everyone = self.fired_any(f, until_tags, others) if until_tags else self.false()
        trig = [self.fired(f, i, p.trigger) for i in idx]
        forb = [self.fired(f, i, p.forbidden) for i in idx]
        reset = [z3.Or(self.fired(f, i, until_tags), everyone) if until_tags else self.false() for i in idx]
        return trig, forb, reset

    def _observe(self, obs: Observer, armed: tuple[Term, ...], after: tuple[Term, ...], f: Frame, g: Frame) -> list[Term]:
        p = obs.prop
        trig, _, reset = self._trigger_forbid_reset(obs, f)
        out = []
        for k, w in enumerate(obs.watched):
            if isinstance(p.until, Expr):
                # until a state satisfies the expression: the state right after the trigger counts
                until = self.term(p.until, g, None if w == "*" else w)
                out.append(after[k] == z3.And(z3.Or(armed[k], trig[k]), z3.Not(until)))
            else:
                # a step that both triggers and resets leaves the rule armed
                out.append(after[k] == z3.Or(trig[k], z3.And(armed[k], z3.Not(reset[k]))))
        return out

    def observer_breaks(self, o: int, f: Frame) -> Term:
        """The step leaving *f* is forbidden for an instance the observer *o* has armed."""
        obs = self.observers[o]
        _, forb, _ = self._trigger_forbid_reset(obs, f)
        return self.any([z3.And(f.armed[o][k], forb[k]) for k in range(len(obs.watched))])

    # ------------------------------------------------------------------ domains and run-time checks

    def out_of_domain(self, f: Frame) -> Term:
        """Expanding *f* fails, as the reference engine's successor function fails: an update
        leaves its domain, an index is out of range or a divisor is zero in the constraint, a
        guard or an update, or two transitions of one step write one shared variable. *f*'s label
        constants are the witness (which action, which receivers), so ask it of a frame no step
        leaves yet (the last of an unrolling)."""
        return self.memo(("out-of-domain", f.name), lambda: self._out_of_domain(f))

    def may_leave(self, instance: str, var: str, value: Expr) -> bool:
        """The update ``var := value`` of *instance* may give a value outside the variable's
        domain, as far as the types of its parts tell (most updates provably fit)."""
        key = (id(value), instance, var)
        got = self._leaves.get(key)
        if got is None:
            domain = self.domains[self.slot_of_update(instance, var)]
            ty = infer(value, lambda r: self.system.resolve(r, instance), self.system.scope(instance))
            if isinstance(domain, Bool):
                got = False
            elif isinstance(domain, Int):
                got = not (ty.kind == "int" and domain.lo <= ty.lo and ty.hi <= domain.hi)
            elif isinstance(domain, Array):
                got = not fits(ty, domain)
            elif ty.kind == "str":
                got = ty.literal not in domain.names
            else:
                got = not (ty.kind == "enum" and ty.enum is not None and set(ty.enum.names) <= set(domain.names))
            self._leaves[key] = got
        return got

    def _update_errors(self, inst: str, t: Transition, f: Frame) -> list[Term]:
        out = []
        for var, value in t.updates:
            failing = self.fails(value, f, inst)
            if failing is not None:
                out.append(failing)
            if self.may_leave(inst, var, value):
                out.append(z3.Not(self.in_domain(self.term(value, f, inst), self.domains[self.slot_of_update(inst, var)])))
        return out

    def _out_of_domain(self, f: Frame) -> Term:
        system = self.system
        bad: list[Term] = []
        for a in self.actions:
            guard = self.guard(a, f)
            failing = self.fails(a.transition.guard, f, a.inst.name)
            if failing is not None:
                bad.append(failing)  # the successor function evaluates every guard
            errors = self._update_errors(a.inst.name, a.transition, f)
            if errors:
                bad.append(z3.And(guard, self.any(errors)))
        receiving: list[Term] = []
        if self.receivers:
            waves = self.waves(f)
            for j, t, when in waves.considered:
                failing = self.fails(t.guard, f, system.instances[j].name)
                if failing is not None:
                    receiving.append(z3.And(when, failing))
            for j, rs in self.receivers.items():
                me = system.instances[j].name
                for idx, t in enumerate(rs):
                    errors = self._update_errors(me, t, f)
                    if errors:
                        receiving.append(z3.And(f.recv[j] == idx, self.any(errors)))
            twice = self.written_twice(f)
            if not z3.is_false(twice):
                receiving.append(twice)
            if receiving:
                # the label constants pick a step the reference engine enumerates (its sender
                # enabled, its receivers chosen wave by wave), whose evaluation fails
                chosen = self.all([*waves.choice, self.any([z3.And(f.act == a.index, self.guard(a, f))
                                                            for a in self.actions if a.transition.emit is not None])])
                bad.append(z3.And(chosen, self.any(receiving)))
        step = self.any(bad)
        c = system.constraint
        if c is None:
            return step
        failing = self.fails(c, f, None)
        inside = z3.And(self.term(c, f, None), step)
        return inside if failing is None else z3.Or(failing, inside)

    # ------------------------------------------------------------------ back to concrete values

    def state(self, model: Any, f: Frame) -> State:
        return tuple(self.value(model, x, d) for x, d in zip(f.state, self.domains, strict=True))

    def label(self, model: Any, f: Frame) -> Label:
        k = model.eval(f.act, model_completion=True).as_long()
        a = self.actions[k]
        if a.transition.emit is None:
            return k
        joins = self.waves(f).joins
        recv: list[tuple[int, int, str]] = []
        for j in sorted(self.receivers):
            idx = model.eval(f.recv[j], model_completion=True).as_long()
            if idx < 0:
                continue
            wave = next((w for w, x in enumerate(joins[j]) if z3.is_true(model.eval(x, model_completion=True))), 0)
            recv.append((wave, j, self.receivers[j][idx].name))
        # the reference engine lists receivers wave by wave, by instance within a wave
        return (k, tuple((j, name) for _, j, name in sorted(recv)))

    def path(self, model: Any, frames: Sequence[Frame]) -> tuple[list[State], list[Label]]:
        """Concrete states and step labels of *frames* (consecutive, in execution order), each
        step checked against the reference engine's successor function."""
        states = [self.state(model, f) for f in frames]
        labels = [self.label(model, f) for f in frames[:-1]]
        for k, lab in enumerate(labels):
            if not self.is_step(states[k], lab, states[k + 1]):
                raise InternalError(
                    f"the z3 model's step {k + 1} ({lab!r}) is not a step of the system; please report it"
                )
        return states, labels

    def is_step(self, s: State, label: Label, t: State) -> bool:
        """*label* leads from *s* to *t* (an action whose update leaves its domain from *s*, in a
        state no execution reaches, is not held against the model)."""
        for lab, result in self.compiled.find_step(s):
            if isinstance(result, OutOfDomain):
                if lab is None:
                    continue
                k = lab if isinstance(lab, int) else lab[0]
                want = label if isinstance(label, int) else label[0]
                if k == want:
                    return True
                continue
            if lab == label and result == t:
                return True
        return False

    def trace(self, model: Any, frames: Sequence[Frame]) -> Trace:
        states, labels = self.path(model, frames)
        return self.compiled.trace(states, labels)


def _disjoin(terms: Sequence[Term]) -> Term | None:
    """The disjunction of failure conditions, None when there are none."""
    items = [t for t in terms if not z3.is_false(t)]
    if not items:
        return None
    return items[0] if len(items) == 1 else z3.Or(*items)


def _const(e: Expr) -> str:
    if not isinstance(e, Const):
        raise InternalError(f"{e!r} should be a name")
    return str(e.value)


def _int(e: Expr) -> int:
    if not isinstance(e, Const) or not isinstance(e.value, int):
        raise InternalError(f"{e!r} should be an integer constant")
    return int(e.value)


_ASSOCIATIVE = frozenset({"and", "or", "+", "*"})

#: the operators this translation knows: the language of DESIGN.md section 2 and its second
#: edition (issue 9); the quantifiers' parts (``family``, ``range``, ``bound``) come inside them
OPERATORS = frozenset({
    "not", "and", "or", "implies", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "ite", "in", "count", "prev",
    "%", "//", "min", "max", "abs", "item", "except", "self_index", "member", "bound", "forall", "exists",
    "count_of", "family", "range",
})


def _checked_expressions(system: System, extra: Sequence[object]) -> list[tuple[str, Expr, list[str | None]]]:
    """The expressions evaluated on a state outside a step (properties, lemmas, terminal), with
    the instances that read them (None: the system)."""
    exprs: list[tuple[str, Expr, list[str | None]]] = []
    if system.terminal is not None:
        exprs.append((f"{system.name}/terminal", system.terminal, [None]))
    for p in [*system.properties, *extra]:
        readers: list[str | None] = [None]
        tags = getattr(p, "tags", None)
        if isinstance(tags, frozenset):  # a step rule: read by each instance it names
            readers = [i.name for i in system.tagged_instances(tags)]
        elif getattr(p, "per_instance", False):
            watched = getattr(p, "trigger", frozenset()) | getattr(p, "forbidden", frozenset())
            readers = [i.name for i in system.tagged_instances(watched)]
        for name in ("expr", "before", "after", "until", "p", "q"):
            e = getattr(p, name, None)
            if isinstance(e, Expr):
                exprs.append((f"property {getattr(p, 'name', '?')!r}", e, readers))
    return exprs


def _supported(system: System, extra: Sequence[object]) -> None:
    """Refuse, with one clear error, what the translation does not cover (rather than fail
    half-way through a check): an operator it does not know."""
    problems: list[Problem] = []
    exprs: list[tuple[str, Expr]] = []
    for inst in system.instances:
        for t in inst.machine.transitions:
            exprs += [(f"{inst.name}/transition {t.name!r}", e) for e in t.expressions()]
    for name, e in (("initial", system.initial), ("constraint", system.constraint)):
        if e is not None:
            exprs.append((f"{system.name}/{name}", e))
    exprs += [(where, e) for where, e, _ in _checked_expressions(system, extra)]
    for where, e in exprs:
        ops = sorted({n.op for n in walk(e) if isinstance(n, Op) and n.op not in OPERATORS})
        if ops:
            problems.append(Problem(where=where, what=f"the symbolic engines do not translate {', '.join(ops)} yet",
                                    fix="check this model with --engine explicit"))
    if problems:
        raise InputError(problems)


def _supported_evaluation(enc: Encoding, extra: Sequence[object]) -> None:
    """Refuse a property (or lemma, or terminal) whose evaluation can fail in some state of the
    domains (an index out of range, a division by zero): the reference engine reports it as a
    model error without a trace, which these engines do not reproduce."""
    exprs = _checked_expressions(enc.system, extra)
    if not any(isinstance(n, Op) and n.op in ("item", "except", "member", "%", "//") for _, e, _ in exprs for n in walk(e)):
        return
    f = enc.frame("check")
    solver = z3.Solver(ctx=enc.ctx)
    solver.set("timeout", 5000)
    solver.add(*enc.domain(f))
    problems: list[Problem] = []
    for where, e, readers in exprs:
        for me in readers:
            failing = enc.fails(e, f, me, before=f)
            if failing is not None and solve(solver, failing) != z3.unsat:
                problems.append(Problem(
                    where=where,
                    what=f"evaluating {to_text(e)} can fail (an index out of range or a division by zero)",
                    fix="keep its indices and divisors in range (ite(), min_of, %), or check this model with --engine explicit",
                ))
                break
    if problems:
        raise InputError(problems)


def _spliced(e: Op) -> tuple[Expr, ...]:
    """*e*'s arguments with nested applications of the same associative operator (and the left
    side of ``-``) spliced in: ``sum()`` of many terms builds a chain as deep as it is long, which
    must not become recursion depth here."""
    if e.op in _ASSOCIATIVE:
        out: list[Expr] = []
        stack: list[Expr] = [e]
        while stack:
            node = stack.pop()
            if isinstance(node, Op) and node.op == e.op:
                stack.extend(reversed(node.args))
            else:
                out.append(node)
        return tuple(out)
    if e.op == "-":
        rests: list[tuple[Expr, ...]] = []
        head: Expr = e
        while isinstance(head, Op) and head.op == "-" and len(head.args) > 1:
            rests.append(head.args[1:])
            head = head.args[0]
        return (head, *(x for rest in reversed(rests) for x in rest))
    return e.args

"""The one translation of a system into z3 terms (issue 14): states, steps, properties, traces back.

Every symbolic engine and the lint read models through this module; no model is encoded by hand.

- A *frame* is one position of an unrolled execution: one z3 constant per state variable, named
  ``<instance>.<var>@<frame>`` (STYLE.md section 2), plus, for each ``never_after`` rule being
  checked, its observer's flags, plus the *label* of the step that leaves the frame: ``step@<frame>``
  (which action fires, an index into ``Compiled.actions``) and ``<instance>.receives@<frame>``
  (which of the instance's receiving transitions fires with it, ``-1`` for none).
- ``Bool`` variables are z3 Booleans; ``Int(lo, hi)`` and ``Enum`` variables are z3 integers with
  range constraints. Enum values are coded by one table for the whole system (a name has one code
  whatever Enum it belongs to, so comparing variables of different Enums means what it means in
  Python).
- The transition relation is the reference engine's semantics (:mod:`checker._compile`):
  interleaving; a step fires one enabled action; a broadcast is received in the same step by every
  other instance with an enabled receiver for its event (one of them, chosen freely, when several
  are enabled); updates are simultaneous and read the state before the step; a variable no firing
  transition writes keeps its value. Next-state values are constrained to their domains, so an
  update that leaves its domain blocks its step here; :meth:`Encoding.out_of_domain` says where one
  could happen, and the engines report it as the model error the reference engine raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from ..._compile import Action, Compiled, Label, OutOfDomain, State, compile_system
from ..._typing import infer
from ...errors import InputError, InternalError, Problem
from ...expr import Bool, Const, Domain, Enum, Expr, Int, Op, Ref, walk
from ...machine import System, Transition
from ...property import NeverAfter
from ...result import Trace

__all__ = ["Term", "Frame", "Encoding", "Observer"]

#: a z3 expression (z3 ships no type stubs)
Term = Any


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
        """The state and observer constants (what makes two frames the same product state)."""
        return self.state + tuple(a for flags in self.armed for a in flags)


@dataclass(frozen=True, slots=True)
class Observer:
    """A ``never_after`` rule's observer: one flag per watched instance (``"*"`` when global)."""

    prop: NeverAfter
    watched: tuple[str, ...]


class Encoding:
    """A system translated once into z3 term builders; frames are made on demand.

    Read-only after construction except for the enum code table, which grows when an expression
    names a value no domain declares (an ``ite`` into an Enum, say).
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
        self.domains: tuple[Domain, ...] = tuple(v.domain for inst in system.instances for v in inst.machine.variables)
        self.codes: dict[str, int] = {}
        self.names: list[str] = []
        for d in self.domains:
            if isinstance(d, Enum):
                for n in d.names:
                    self.code(n)
        #: per instance index: its receiving transitions, in declaration order
        self.receivers: dict[int, list[Transition]] = {}
        for i, inst in enumerate(system.instances):
            rs = [t for t in inst.machine.transitions if t.on is not None]
            if rs:
                self.receivers[i] = rs
        self.observers: tuple[Observer, ...] = tuple(self._observer(p) for p in observers)
        self._terms: dict[tuple[object, ...], Term] = {}
        self._built: dict[tuple[object, ...], Term] = {}
        self._leaves: dict[tuple[object, ...], bool] = {}
        self._writers: list[list[tuple[str, int, int]]] = [[] for _ in system.slots]
        for a in self.actions:
            for var, _ in a.transition.updates:
                self._writers[system.slot_of(a.inst.name, var)].append(("act", a.instance, a.index))
        for j, rs in self.receivers.items():
            name = system.instances[j].name
            for idx, t in enumerate(rs):
                for var, _ in t.updates:
                    self._writers[system.slot_of(name, var)].append(("recv", j, idx))

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

    # ------------------------------------------------------------------ values

    def true(self) -> Term:
        return z3.BoolVal(True, self.ctx)

    def false(self) -> Term:
        return z3.BoolVal(False, self.ctx)

    def any(self, terms: Iterable[Term]) -> Term:
        """The disjunction of *terms* (false when there are none)."""
        items = list(terms)
        return z3.Or(*items) if items else self.false()

    def all(self, terms: Iterable[Term]) -> Term:
        """The conjunction of *terms* (true when there are none)."""
        items = list(terms)
        return z3.And(*items) if items else self.true()

    def code(self, name: str) -> int:
        """The integer coding the enum value *name*."""
        got = self.codes.get(name)
        if got is None:
            got = self.codes[name] = len(self.names)
            self.names.append(name)
        return got

    def in_domain(self, term: Term, domain: Domain) -> Term:
        """*term* is a value of *domain*."""
        if isinstance(domain, Bool):
            return self.true()
        if isinstance(domain, Int):
            return z3.And(term >= domain.lo, term <= domain.hi)
        codes = sorted(self.code(n) for n in domain.names)
        if codes == list(range(codes[0], codes[-1] + 1)):
            return z3.And(term >= codes[0], term <= codes[-1])
        return self.any([term == c for c in codes])

    def value(self, model: Any, term: Term, domain: Domain) -> object:
        """The Python value of *term* in a z3 model."""
        got = model.eval(term, model_completion=True)
        if isinstance(domain, Bool):
            return bool(z3.is_true(got))
        n = got.as_long()
        if isinstance(domain, Int):
            return int(n)
        return self.names[n]

    # ------------------------------------------------------------------ frames

    def frame(self, name: str) -> Frame:
        """Fresh constants for position *name* of an unrolling."""
        state = []
        for (inst, var), domain in zip(self.system.slots, self.domains, strict=True):
            symbol = f"{inst}.{var}@{name}"
            state.append(z3.Bool(symbol, self.ctx) if isinstance(domain, Bool) else z3.Int(symbol, self.ctx))
        armed = tuple(
            tuple(z3.Bool(f"{o.prop.name}.armed[{w}]@{name}", self.ctx) for w in o.watched) for o in self.observers
        )
        recv = {j: z3.Int(f"{self.system.instances[j].name}.receives@{name}", self.ctx) for j in self.receivers}
        return Frame(name=name, state=tuple(state), armed=armed, act=z3.Int(f"step@{name}", self.ctx), recv=recv)

    def domain(self, f: Frame) -> list[Term]:
        """Every variable of *f* holds a value of its domain."""
        return [self.in_domain(x, d) for x, d in zip(f.state, self.domains, strict=True) if not isinstance(d, Bool)]

    def init(self, f: Frame) -> list[Term]:
        """*f* is an initial state (observers not armed)."""
        out = []
        k = 0
        for inst in self.system.instances:
            for v in inst.machine.variables:
                x = f.state[k]
                out.append(self.any([x == self.const(val) for val in v.initial_values]))
                k += 1
        out += [z3.Not(a) for flags in f.armed for a in flags]
        return out

    def const(self, value: object) -> Term:
        if isinstance(value, bool):
            return z3.BoolVal(value, self.ctx)
        if isinstance(value, int):
            return z3.IntVal(value, self.ctx)
        if isinstance(value, str):
            return z3.IntVal(self.code(value), self.ctx)
        raise InternalError(f"a value {value!r} that no domain has")

    def differs(self, f: Frame, g: Frame) -> Term:
        """*f* and *g* are different product states."""
        return self.any([x != y for x, y in zip(f.variables(), g.variables(), strict=True)])

    # ------------------------------------------------------------------ expressions

    def term(self, e: Expr, f: Frame, me: str | None, before: Frame | None = None) -> Term:
        """*e* read in frame *f* by instance *me*; ``prev(...)`` reads *before*."""
        if isinstance(e, Const):
            return self.const(e.value)
        if isinstance(e, Ref):
            return f.state[self.system.slot(e, me)]
        if not isinstance(e, Op):
            raise InternalError(f"{e!r} is not an expression")
        # expressions are compared by identity and live as long as the system: translate each
        # one once per frame (a guard is read by the step, deadlock, domain and lint queries)
        key = (id(e), f.name, me, None if before is None else before.name)
        got = self._terms.get(key)
        if got is None:
            got = self._terms[key] = self._op(e, f, me, before)
        return got

    def memo(self, key: tuple[object, ...], build: Callable[[], Term]) -> Term:
        """*build()*, once per *key* (goals' conditions per frame)."""
        got = self._built.get(key)
        if got is None:
            got = self._built[key] = build()
        return got

    def _op(self, e: Op, f: Frame, me: str | None, before: Frame | None) -> Term:
        op, args = e.op, _spliced(e)
        if op == "prev":
            if before is None:
                raise InternalError("prev() outside a step rule's after-condition")
            return self.term(args[0], before, me, before)
        a = [self.term(x, f, me, before) for x in args]
        if op == "not":
            return z3.Not(a[0])
        if op == "and":
            return z3.And(*a)
        if op == "or":
            return z3.Or(*a)
        if op == "implies":
            return z3.Implies(a[0], a[1])
        if op == "ite":
            return z3.If(a[0], a[1], a[2])
        if op == "in":
            return self.any([a[0] == v for v in a[1:]])
        if op == "count":
            return z3.Sum(*[z3.If(b, 1, 0) for b in a]) if a else z3.IntVal(0, self.ctx)
        if op == "==":
            return a[0] == a[1]
        if op == "!=":
            return a[0] != a[1]
        if op == "<":
            return a[0] < a[1]
        if op == "<=":
            return a[0] <= a[1]
        if op == ">":
            return a[0] > a[1]
        if op == ">=":
            return a[0] >= a[1]
        if op == "+":
            return z3.Sum(*a)
        if op == "*":
            return z3.Product(*a)
        if op == "-":
            out = a[0]
            for x in a[1:]:
                out = out - x
            return out
        raise InternalError(f"unknown operator {op!r}")

    # ------------------------------------------------------------------ steps

    def guard(self, a: Action, f: Frame) -> Term:
        return self.term(a.transition.guard, f, a.inst.name)

    def enabled(self, f: Frame) -> Term:
        """Some action can fire in *f* (a broadcast never waits for its receivers)."""
        return self.memo(("enabled", f.name), lambda: self.any([self.guard(a, f) for a in self.actions]))

    def _event_receivers(self, j: int, event: str) -> list[tuple[int, Transition]]:
        return [(idx, t) for idx, t in enumerate(self.receivers.get(j, ())) if t.on == event]

    def trans(self, f: Frame, g: Frame) -> list[Term]:
        """The constraints of one step from *f* to *g*, labelled by *f*'s label constants.

        Their size is linear in the system: a receiving instance's choice depends on whether its
        event was sent by another instance, not on which sender sent it.
        """
        if not self.actions:
            return [self.false()]
        system = self.system
        out: list[Term] = [f.act >= 0, f.act < len(self.actions)]
        for a in self.actions:
            body = [self.guard(a, f)]
            for var, value in a.transition.updates:
                body.append(g.state[system.slot_of(a.inst.name, var)] == self.term(value, f, a.inst.name))
            out.append(z3.Implies(f.act == a.index, z3.And(*body)))
        for j, rs in self.receivers.items():
            rv = f.recv[j]
            me = system.instances[j].name
            events = sorted({t.on for t in rs if t.on is not None})
            sent = {e: self.sent_to(f, j, e) for e in events}
            out.append(z3.Or(rv == -1, *sent.values()))
            for e in events:
                guards = [(idx, self.term(t.guard, f, me)) for idx, t in self._event_receivers(j, e)]
                out.append(z3.Implies(sent[e], z3.If(
                    self.any([gd for _, gd in guards]),
                    self.any([z3.And(rv == idx, gd) for idx, gd in guards]),
                    rv == -1,
                )))
            for idx, t in enumerate(rs):
                if t.updates:
                    out.append(z3.Implies(rv == idx, z3.And(*[
                        g.state[system.slot_of(me, var)] == self.term(value, f, me) for var, value in t.updates
                    ])))
        for k, writers in enumerate(self._writers):
            out.append(z3.Or(g.state[k] == f.state[k], *[self._fires(f, w) for w in writers]))
        for o, obs in enumerate(self.observers):
            out += self._observe(obs, f.armed[o], g.armed[o], f, g)
        return out

    def _emitters(self, event: str, but: int | None = None) -> list[Action]:
        return [a for a in self.actions if a.transition.emit == event and a.instance != but]

    def sent_to(self, f: Frame, j: int, event: str) -> Term:
        """In the step leaving *f*, an instance other than *j* broadcasts *event*."""
        def build() -> Term:
            own = [f.act == a.index for a in self._emitters(event) if a.instance == j]
            anyone = self.memo(("emits", event, f.name),
                               lambda: self.any([f.act == a.index for a in self._emitters(event)]))
            return z3.And(anyone, z3.Not(z3.Or(*own))) if own else anyone
        return self.memo(("sent-to", j, event, f.name), build)

    def can_send_to(self, f: Frame, j: int, event: str) -> Term:
        """In *f*, an instance other than *j* can broadcast *event* (its guard holds)."""
        def build() -> Term:
            if any(a.instance == j for a in self._emitters(event)):
                return self.any([self.guard(a, f) for a in self._emitters(event, but=j)])
            return self.memo(("can-emit", event, f.name),
                             lambda: self.any([self.guard(a, f) for a in self._emitters(event)]))
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

    # ------------------------------------------------------------------ domains

    def out_of_domain(self, f: Frame) -> Term:
        """Some step enabled in *f* would write a value outside its variable's domain (a model
        error: the reference engine raises it when it expands such a state)."""
        return self.memo(("out-of-domain", f.name), lambda: self._out_of_domain(f))

    def may_leave(self, instance: str, var: str, value: Expr) -> bool:
        """The update ``var := value`` of *instance* may give a value outside the variable's
        domain, as far as the types of its parts tell (most updates provably fit)."""
        key = (id(value), instance, var)
        got = self._leaves.get(key)
        if got is None:
            domain = self.domains[self.system.slot_of(instance, var)]
            ty = infer(value, lambda r: self.system.resolve(r, instance))
            if isinstance(domain, Bool):
                got = False
            elif isinstance(domain, Int):
                got = not (ty.kind == "int" and domain.lo <= ty.lo and ty.hi <= domain.hi)
            elif ty.kind == "str":
                got = ty.literal not in domain.names
            else:
                got = not (ty.kind == "enum" and ty.enum is not None and set(ty.enum.names) <= set(domain.names))
            self._leaves[key] = got
        return got

    def _out_of_domain(self, f: Frame) -> Term:
        system = self.system
        bad: list[Term] = []
        for a in self.actions:
            guard = None
            for var, value in a.transition.updates:
                domain = self.domains[system.slot_of(a.inst.name, var)]
                if not self.may_leave(a.inst.name, var, value):
                    continue
                guard = self.guard(a, f) if guard is None else guard
                bad.append(z3.And(guard, z3.Not(self.in_domain(self.term(value, f, a.inst.name), domain))))
        for j, rs in self.receivers.items():
            me = system.instances[j].name
            for t in rs:
                assert t.on is not None
                for var, value in t.updates:
                    domain = self.domains[system.slot_of(me, var)]
                    if not self.may_leave(me, var, value) or not self._emitters(t.on, but=j):
                        continue
                    bad.append(z3.And(
                        self.can_send_to(f, j, t.on),
                        self.term(t.guard, f, me),
                        z3.Not(self.in_domain(self.term(value, f, me), domain)),
                    ))
        return z3.Or(*bad) if bad else self.false()

    # ------------------------------------------------------------------ back to concrete values

    def state(self, model: Any, f: Frame) -> State:
        return tuple(self.value(model, x, d) for x, d in zip(f.state, self.domains, strict=True))

    def label(self, model: Any, f: Frame) -> Label:
        k = model.eval(f.act, model_completion=True).as_long()
        a = self.actions[k]
        event = a.transition.emit
        if event is None:
            return k
        recv = []
        for j in sorted(self.receivers):
            if j == a.instance or not self._event_receivers(j, event):
                continue
            idx = model.eval(f.recv[j], model_completion=True).as_long()
            if idx >= 0:
                recv.append((j, self.receivers[j][idx].name))
        return (k, tuple(recv))

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


_ASSOCIATIVE = frozenset({"and", "or", "+", "*"})

#: the operators this translation knows (the language of DESIGN.md section 2)
OPERATORS = frozenset({
    "not", "and", "or", "implies", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "ite", "in", "count", "prev",
})


def _supported(system: System, extra: Sequence[object]) -> None:
    """Refuse, with one clear error, what the translation does not cover (rather than fail
    half-way through a check): a domain other than Bool, Enum and Int, or an unknown operator."""
    problems: list[Problem] = []
    for inst in system.instances:
        for v in inst.machine.variables:
            if not isinstance(v.domain, (Bool, Enum, Int)):
                problems.append(Problem(where=f"{inst.name}/variable {v.name!r}",
                                        what=f"the symbolic engines do not translate {v.domain} variables yet",
                                        fix="check this model with --engine explicit"))
    exprs: list[tuple[str, Expr]] = []
    for inst in system.instances:
        for t in inst.machine.transitions:
            exprs += [(f"{inst.name}/transition {t.name!r}", e) for e in t.expressions()]
    if system.terminal is not None:
        exprs.append((f"{system.name}/terminal", system.terminal))
    for p in [*system.properties, *extra]:
        for name in ("expr", "before", "after", "until", "p", "q"):
            e = getattr(p, name, None)
            if isinstance(e, Expr):
                exprs.append((f"property {getattr(p, 'name', '?')!r}", e))
    for where, e in exprs:
        ops = sorted({n.op for n in walk(e) if isinstance(n, Op) and n.op not in OPERATORS})
        if ops:
            problems.append(Problem(where=where, what=f"the symbolic engines do not translate {', '.join(ops)} yet",
                                    fix="check this model with --engine explicit"))
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

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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from ..._compile import Action, Compiled, Label, OutOfDomain, State, compile_system
from ...errors import InternalError
from ...expr import Bool, Const, Domain, Enum, Expr, Int, Op, Ref
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

    def __init__(self, system: System, *, observers: Sequence[NeverAfter] = (), compiled: Compiled | None = None) -> None:
        self.system = system
        self.compiled = compiled if compiled is not None else compile_system(system)
        self.actions: list[Action] = self.compiled.actions
        self.index = {inst.name: i for i, inst in enumerate(system.instances)}
        self.domains: tuple[Domain, ...] = tuple(
            inst.machine.variable(var).domain for inst in system.instances  # type: ignore[union-attr]
            for var in (v.name for v in inst.machine.variables)
        )
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
        #: per receiving instance: the actions of other instances whose broadcast it can receive
        self.senders: dict[int, list[Action]] = {
            j: [a for a in self.actions
                if a.instance != j and a.transition.emit is not None and any(t.on == a.transition.emit for t in rs)]
            for j, rs in self.receivers.items()
        }
        self.observers: tuple[Observer, ...] = tuple(self._observer(p) for p in observers)
        self._writers: list[list[tuple[str, int, int]]] = [[] for _ in system.slots]
        for a in self.actions:
            for var, _ in a.transition.updates:
                self._writers[system.slot_of(a.inst.name, var)].append(("act", a.instance, a.index))
        for j, rs in self.receivers.items():
            name = system.instances[j].name
            for idx, t in enumerate(rs):
                for var, _ in t.updates:
                    self._writers[system.slot_of(name, var)].append(("recv", j, idx))

    def _observer(self, p: NeverAfter) -> Observer:
        if p.per_instance:
            watched = tuple(i.name for i in self.system.tagged_instances(p.trigger | p.forbidden))
        else:
            watched = ("*",)
        return Observer(prop=p, watched=watched)

    # ------------------------------------------------------------------ values

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
            return z3.BoolVal(True)
        if isinstance(domain, Int):
            return z3.And(term >= domain.lo, term <= domain.hi)
        codes = sorted(self.code(n) for n in domain.names)
        if codes == list(range(codes[0], codes[-1] + 1)):
            return z3.And(term >= codes[0], term <= codes[-1])
        return z3.Or(*[term == c for c in codes])

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
        for (inst, var), domain in zip(self.system.slots, self.domains):
            symbol = f"{inst}.{var}@{name}"
            state.append(z3.Bool(symbol) if isinstance(domain, Bool) else z3.Int(symbol))
        armed = tuple(
            tuple(z3.Bool(f"{o.prop.name}.armed[{w}]@{name}") for w in o.watched) for o in self.observers
        )
        recv = {j: z3.Int(f"{self.system.instances[j].name}.receives@{name}") for j in self.receivers}
        return Frame(name=name, state=tuple(state), armed=armed, act=z3.Int(f"step@{name}"), recv=recv)

    def domain(self, f: Frame) -> list[Term]:
        """Every variable of *f* holds a value of its domain."""
        return [self.in_domain(x, d) for x, d in zip(f.state, self.domains) if not isinstance(d, Bool)]

    def init(self, f: Frame) -> list[Term]:
        """*f* is an initial state (observers not armed)."""
        out = []
        k = 0
        for inst in self.system.instances:
            for v in inst.machine.variables:
                x = f.state[k]
                out.append(z3.Or(*[x == self.const(val) for val in v.initial_values]))
                k += 1
        out += [z3.Not(a) for flags in f.armed for a in flags]
        return out

    def const(self, value: object) -> Term:
        if isinstance(value, bool):
            return z3.BoolVal(value)
        if isinstance(value, int):
            return z3.IntVal(value)
        if isinstance(value, str):
            return z3.IntVal(self.code(value))
        raise InternalError(f"a value {value!r} that no domain has")

    def differs(self, f: Frame, g: Frame) -> Term:
        """*f* and *g* are different product states."""
        return z3.Or(*[x != y for x, y in zip(f.variables(), g.variables())])

    # ------------------------------------------------------------------ expressions

    def term(self, e: Expr, f: Frame, me: str | None, before: Frame | None = None) -> Term:
        """*e* read in frame *f* by instance *me*; ``prev(...)`` reads *before*."""
        if isinstance(e, Const):
            return self.const(e.value)
        if isinstance(e, Ref):
            return f.state[self.system.slot(e, me)]
        if not isinstance(e, Op):
            raise InternalError(f"{e!r} is not an expression")
        op, args = e.op, e.args
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
            return z3.Or(*[a[0] == v for v in a[1:]])
        if op == "count":
            return z3.Sum(*[z3.If(b, 1, 0) for b in a]) if a else z3.IntVal(0)
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
            return a[0] + a[1]
        if op == "-":
            return a[0] - a[1]
        if op == "*":
            return a[0] * a[1]
        raise InternalError(f"unknown operator {op!r}")

    # ------------------------------------------------------------------ steps

    def guard(self, a: Action, f: Frame) -> Term:
        return self.term(a.transition.guard, f, a.inst.name)

    def enabled(self, f: Frame) -> Term:
        """Some action can fire in *f* (a broadcast never waits for its receivers)."""
        return z3.Or(*[self.guard(a, f) for a in self.actions])

    def _event_receivers(self, j: int, event: str) -> list[tuple[int, Transition]]:
        return [(idx, t) for idx, t in enumerate(self.receivers.get(j, ())) if t.on == event]

    def trans(self, f: Frame, g: Frame) -> list[Term]:
        """The constraints of one step from *f* to *g*, labelled by *f*'s label constants."""
        if not self.actions:
            return [z3.BoolVal(False)]
        system = self.system
        out: list[Term] = [f.act >= 0, f.act < len(self.actions)]
        for a in self.actions:
            body = [self.guard(a, f)]
            for var, value in a.transition.updates:
                body.append(g.state[system.slot_of(a.inst.name, var)] == self.term(value, f, a.inst.name))
            event = a.transition.emit
            if event is not None:
                for j in sorted(self.receivers):
                    if j == a.instance:
                        continue
                    rs = self._event_receivers(j, event)
                    if not rs:
                        continue
                    me = system.instances[j].name
                    guards = [(idx, self.term(t.guard, f, me)) for idx, t in rs]
                    body.append(z3.If(
                        z3.Or(*[gd for _, gd in guards]),
                        z3.Or(*[z3.And(f.recv[j] == idx, gd) for idx, gd in guards]),
                        f.recv[j] == -1,
                    ))
            out.append(z3.Implies(f.act == a.index, z3.And(*body)))
        for j, rs in self.receivers.items():
            rv = f.recv[j]
            out.append(z3.Or(rv == -1, *[f.act == a.index for a in self.senders[j]]))
            me = system.instances[j].name
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

    def _fires(self, f: Frame, writer: tuple[str, int, int]) -> Term:
        kind, j, k = writer
        return f.act == k if kind == "act" else f.recv[j] == k

    def fired(self, f: Frame, instance: int, tags: frozenset[str]) -> Term:
        """In the step leaving *f*, *instance* fires a transition tagged with one of *tags*."""
        hits = [f.act == a.index for a in self.actions if a.instance == instance and a.transition.tags & tags]
        hits += [f.recv[instance] == idx for idx, t in enumerate(self.receivers.get(instance, ())) if t.tags & tags]
        return z3.Or(*hits) if hits else z3.BoolVal(False)

    def fired_any(self, f: Frame, tags: frozenset[str], instances: Iterable[int] | None = None) -> Term:
        which = range(len(self.system.instances)) if instances is None else instances
        return z3.Or(*[self.fired(f, i, tags) for i in which])

    # ------------------------------------------------------------------ observers (never_after)

    def _trigger_forbid_reset(self, obs: Observer, f: Frame) -> tuple[list[Term], list[Term], list[Term]]:
        p = obs.prop
        until_tags = p.until if isinstance(p.until, frozenset) else frozenset()
        if not p.per_instance:
            reset = [self.fired_any(f, until_tags)] if until_tags else [z3.BoolVal(False)]
            return [self.fired_any(f, p.trigger)], [self.fired_any(f, p.forbidden)], reset
        idx = [self.index[w] for w in obs.watched]
        others = [i for i in range(len(self.system.instances)) if i not in idx]
        # an until step of an instance the observer does not watch (the session's login, say)
        # resets every watched instance (as the reference engine's observer does)
        everyone = self.fired_any(f, until_tags, others) if until_tags else z3.BoolVal(False)
        trig = [self.fired(f, i, p.trigger) for i in idx]
        forb = [self.fired(f, i, p.forbidden) for i in idx]
        reset = [z3.Or(self.fired(f, i, until_tags), everyone) if until_tags else z3.BoolVal(False) for i in idx]
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
        return z3.Or(*[z3.And(f.armed[o][k], forb[k]) for k in range(len(obs.watched))])

    # ------------------------------------------------------------------ domains

    def out_of_domain(self, f: Frame) -> Term:
        """Some step enabled in *f* would write a value outside its variable's domain (a model
        error: the reference engine raises it when it expands such a state)."""
        system = self.system
        bad: list[Term] = []
        for a in self.actions:
            guard = None
            for var, value in a.transition.updates:
                domain = self.domains[system.slot_of(a.inst.name, var)]
                if isinstance(domain, Bool):
                    continue
                guard = self.guard(a, f) if guard is None else guard
                bad.append(z3.And(guard, z3.Not(self.in_domain(self.term(value, f, a.inst.name), domain))))
        for j, rs in self.receivers.items():
            me = system.instances[j].name
            for t in rs:
                senders = [a for a in self.senders[j] if a.transition.emit == t.on]
                for var, value in t.updates:
                    domain = self.domains[system.slot_of(me, var)]
                    if isinstance(domain, Bool) or not senders:
                        continue
                    bad.append(z3.And(
                        z3.Or(*[self.guard(a, f) for a in senders]),
                        self.term(t.guard, f, me),
                        z3.Not(self.in_domain(self.term(value, f, me), domain)),
                    ))
        return z3.Or(*bad) if bad else z3.BoolVal(False)

    # ------------------------------------------------------------------ back to concrete values

    def state(self, model: Any, f: Frame) -> State:
        return tuple(self.value(model, x, d) for x, d in zip(f.state, self.domains))

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

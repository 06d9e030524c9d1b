"""Parametric proofs over a family (issue 14): an invariant proved for *every* number of members.

For a family ``F`` declared ``Family(..., symmetric=True)``, "for every N" means: for each N >= 1,
the system with ``F`` resized to N members and everything else as declared. The family's
variables become z3 arrays indexed by the member (``F.x@s[j]``, meaningful for ``0 <= j < N``)
with N a z3 integer constant (``N >= 1``); the other instances' variables stay scalars. One
step is "some member ``who`` of F fires a transition, or another instance fires one"; a
broadcast is received by every other member ``j`` of F per its enabled receivers
(``F.receives@s[j]``, a free choice among them) and by the other instances as in the per-N
translation; ``forall``/``exists`` over F are z3 quantifiers over ``0 <= j < N``; ``SELF`` is the
member reading; ``ref(F, x, j)`` is ``F.x[j]``. Properties and lemmas are then checked by
quantified 1-induction: the initial states satisfy them (for every N) and a step from a state
satisfying them (and in its domains) leads to a state satisfying them (and in its domains), for
every N. z3 answers these queries with model-based quantifier instantiation.

Soundness: for each fixed N, restricting the arrays to ``0..N-1`` is a bijection between the
states of this encoding and those of the resized system, under which the initial states, the
steps and the properties correspond exactly (the translation refuses, as *not applicable*,
everything where it could differ: cascades, receivers of F writing shared variables, ``count``
over F, a member of F named by a constant, a member index other than ``SELF`` or a quantified
index, an expression whose evaluation can fail, arrays in F's variables, ``never_after``
observers). So an unsatisfiable quantified query (every N at once) proves the invariant
inductive for every N, hence true in every reachable state of every resized system; that no
update leaves its domain is part of the invariant, so the reference engine's model errors are
excluded too. Anything else (a satisfiable or unknown query, a construct outside the fragment)
proves nothing here: the engine then checks N = 1..K one by one and says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from ..._compile import OutOfDomain, State, compile_system
from ...expr import SHARED, Array, Bool, Const, Expr, Op, Ref, domain_of
from ...machine import Family, System
from ...property import Always, OnStep, Property
from ...result import Trace
from ._encode import Bound, Encoding, Frame, Term, solve
from ._unroll import Clock

__all__ = ["NotApplicable", "Quantified", "prove_every_n", "resized", "symmetric_family"]


class NotApplicable(Exception):
    """The model (or a property) is outside the fragment the quantified translation is exact for."""


def symmetric_family(system: System) -> Family | None:
    """The family a parametric proof generalises over: the first declared ``symmetric=True``."""
    return next((f for f in system.families if f.symmetric), None)


def resized(system: System, family: str, n: int) -> System:
    """*system* with *family* resized to *n* members, everything else as declared."""
    declared = [dataclasses.replace(d, n=n) if isinstance(d, Family) and d.name == family else d
                for d in system._declared()]  # each family once, where its first member is
    return dataclasses.replace(system, instances=tuple(declared), name=system.name)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True, eq=False)
class PFrame(Frame):
    """A frame of the quantified translation: the family's variables as arrays, the firing member."""

    fam: dict[str, Term] = field(default_factory=dict)
    who: Term = None
    rcv: Term = None


class Quantified(Encoding):
    """The quantified translation of a system over one of its families (see the module docstring).

    Translating an expression outside the fragment raises :class:`NotApplicable`."""

    def __init__(self, system: System, family: Family) -> None:
        # set before the translation's own checks run (they translate the properties)
        self.family = family
        self.fam_machine = family.machine
        self.members = frozenset(i.name for i in system.instances if i.family is not None and i.family.name == family.name)
        self._readers: dict[str, Term] = {}
        self._fresh = 0
        super().__init__(system)
        self.n = z3.Int("N", self.ctx)
        self.outside = [a for a in self.actions if a.inst.name not in self.members]
        self.kinds = [t for t in family.machine.transitions if t.on is None]
        self.fam_receivers = [t for t in family.machine.transitions if t.on is not None]
        for v in family.machine.variables:
            if isinstance(v.domain, Array):
                raise NotApplicable(f"{family.name}.{v.name} is an array")
        for inst, t in system.transitions():
            if t.on is not None and any(var.startswith(SHARED + ".") for var, _ in t.updates):
                # two receivers writing it in one step are a model error the step relation here
                # would not see (and any number of members may receive)
                raise NotApplicable(f"receiver {t.name!r} of {inst.name} writes a shared variable")
        for _, t in system.transitions():
            if t.on is not None and t.emit is not None:
                raise NotApplicable(f"receiver {t.name!r} emits (a cascade)")
        self.outside_receivers = {j: rs for j, rs in self.receivers.items() if system.instances[j].name not in self.members}

    # ------------------------------------------------------------------ expressions

    def reader(self, index: Term) -> str:
        """The name under which a member of the family with index *index* reads an expression."""
        name = f"{self.family.name}[#{index.get_id()}]"
        self._readers[name] = index
        return name

    def in_range(self, j: Term) -> Term:
        return z3.And(j >= 0, j < self.n)

    def _check_evaluation(self, also: Sequence[object]) -> None:
        pass  # the quantified translation refuses every expression whose evaluation can fail

    def _eval(self, e: Expr, f: Frame, me: str | None, before: Frame | None, bound: Bound) -> tuple[Term, Term | None]:
        if not isinstance(f, PFrame):
            return super()._eval(e, f, me, before, bound)
        if isinstance(e, Ref) and not isinstance(e, Const):
            if e.instance is None and me in self._readers:
                assert isinstance(f, PFrame)
                return z3.Select(f.fam[e.name], self._readers[me]), None
            if e.instance in self.members:
                raise NotApplicable(f"{e.instance}.{e.name} names one member of {self.family.name}")
        return super()._eval(e, f, me, before, bound)

    def _op(self, e: Op, f: Frame, me: str | None, before: Frame | None, bound: Bound) -> tuple[Term, Term | None]:
        op, fam = e.op, self.family.name
        if not isinstance(f, PFrame):
            return super()._op(e, f, me, before, bound)
        if op == "self_index" and me in self._readers:
            return self._readers[me], None
        if op == "bound":
            name = str(e.args[0].value) if isinstance(e.args[0], Const) else ""
            for n, v in reversed(bound):
                if n == name:
                    return (v.term if isinstance(v, _FamilyIndex) else z3.IntVal(v, self.ctx)), None
        if op == "member" and isinstance(e.args[0], Const) and e.args[0].value == fam:
            index = e.args[1]
            ok = (isinstance(index, Op) and index.op == "self_index" and me in self._readers) or (
                isinstance(index, Op) and index.op == "bound" and self._quantified_over_family(index, bound))
            if not ok:
                raise NotApplicable(f"a member of {fam} chosen by {index} (only SELF or a quantified index)")
            i = self._eval(index, f, me, before, bound)[0]
            assert isinstance(f, PFrame)
            var = e.args[2].value if isinstance(e.args[2], Const) else ""
            return z3.Select(f.fam[str(var)], i), None
        if op in _FLIP:
            counted = self._count_comparison(e, f, me, before, bound)
            if counted is not None:
                return counted, None
        if op in ("forall", "exists", "count_of") and isinstance(e.args[1], Op) and e.args[1].op == "family" \
                and isinstance(e.args[1].args[0], Const) and e.args[1].args[0].value == fam:
            if op == "count_of":
                raise NotApplicable(f"count over the members of {fam}")
            name = str(e.args[0].value) if isinstance(e.args[0], Const) else "j"
            self._fresh += 1
            j = z3.Int(f"{name}!{self._fresh}", self.ctx)
            body, failing = self._eval(e.args[2], f, me, before, (*bound, (name, _FamilyIndex(j))))
            if failing is not None:
                raise NotApplicable(f"evaluating {e} can fail")
            if op == "forall":
                return z3.ForAll([j], z3.Implies(self.in_range(j), body)), None
            return z3.Exists([j], z3.And(self.in_range(j), body)), None
        value, failing = super()._op(e, f, me, before, bound)
        if failing is not None and not z3.is_false(z3.simplify(failing)) and self._can_fail(f, failing):
            raise NotApplicable(f"evaluating {e} can fail (an index out of range or a division by zero)")
        return value, None

    def _can_fail(self, f: PFrame, failing: Term) -> bool:
        """*failing* can hold in some state of the domains (a divisor ``g + 1`` cannot be 0)."""
        solver = z3.Solver(ctx=self.ctx)
        solver.set("timeout", 5000)
        solver.add(*self.pdomain(f), failing)
        return bool(solve(solver) != z3.unsat)

    def _counts_members(self, e: Expr) -> bool:
        return (isinstance(e, Op) and e.op == "count_of" and isinstance(e.args[1], Op) and e.args[1].op == "family"
                and isinstance(e.args[1].args[0], Const) and e.args[1].args[0].value == self.family.name)

    def _count_comparison(self, e: Op, f: Frame, me: str | None, before: Frame | None, bound: Bound) -> Term | None:
        """``count(F, p) <op> k`` for a constant k, as the first-order formula it means: at least
        m members satisfy p is "there are m distinct members satisfying p" (exact for every N;
        m up to 3), at most m is "not at least m + 1". None when *e* is no such comparison."""
        a, b = e.args
        op = e.op
        if self._counts_members(b) and isinstance(a, Const):
            a, b, op = b, a, _FLIP[op]
        if not (self._counts_members(a) and isinstance(b, Const) and isinstance(b.value, int)
                and not isinstance(b.value, bool)):
            return None
        assert isinstance(a, Op)
        k = int(b.value)

        def at_least(m: int) -> Term:
            if m <= 0:
                return self.true()
            if m > 3:
                raise NotApplicable(f"{e} (a count compared with more than 3 members)")
            js = []
            body = []
            name = str(a.args[0].value) if isinstance(a.args[0], Const) else "j"
            for _ in range(m):
                self._fresh += 1
                j = z3.Int(f"{name}!{self._fresh}", self.ctx)
                value, failing = self._eval(a.args[2], f, me, before, (*bound, (name, _FamilyIndex(j))))
                if failing is not None:
                    raise NotApplicable(f"evaluating {e} can fail")
                body += [self.in_range(j), value]
                js.append(j)
            body += [x != y for i, x in enumerate(js) for y in js[i + 1:]]
            return z3.Exists(js, z3.And(*body))

        def at_most(m: int) -> Term:
            return self.false() if m < 0 else z3.Not(at_least(m + 1))

        if op == "<=":
            return at_most(k)
        if op == "<":
            return at_most(k - 1)
        if op == ">=":
            return at_least(k)
        if op == ">":
            return at_least(k + 1)
        exactly = z3.And(at_least(k), at_most(k))
        return exactly if op == "==" else z3.Not(exactly)

    def _quantified_over_family(self, index: Op, bound: Bound) -> bool:
        name = index.args[0].value if isinstance(index.args[0], Const) else None
        for n, v in reversed(bound):
            if n == name:
                return isinstance(v, _FamilyIndex)
        return False

    # ------------------------------------------------------------------ frames and steps

    def pframe(self, name: str) -> PFrame:
        base = self.frame(name)
        fam: dict[str, Term] = {}
        for v in self.fam_machine.variables:
            sort = z3.BoolSort(self.ctx) if isinstance(v.domain, Bool) else z3.IntSort(self.ctx)
            fam[v.name] = z3.Array(f"{self.family.name}.{v.name}@{name}", z3.IntSort(self.ctx), sort)
        state = tuple(None if inst in self.members else x for x, (inst, _) in zip(base.state, self.system.slots, strict=True))
        recv = {j: r for j, r in base.recv.items() if j in self.outside_receivers}
        return PFrame(name=name, state=state, armed=(), act=base.act, recv=recv, fam=fam,
                      who=z3.Int(f"{self.family.name}.who@{name}", self.ctx),
                      rcv=z3.Array(f"{self.family.name}.receives@{name}", z3.IntSort(self.ctx), z3.IntSort(self.ctx)))

    def _member(self, f: PFrame, name: str) -> tuple[Term, str]:
        self._fresh += 1
        j = z3.Int(f"{name}!{self._fresh}", self.ctx)
        return j, self.reader(j)

    def pdomain(self, f: PFrame) -> list[Term]:
        """*f* is a state of some N >= 1 with every variable in its domain."""
        out = [self.n >= 1]
        out += [self.in_domain(x, d) for x, d, (inst, _) in zip(f.state, self.domains, self.system.slots, strict=True)
               if inst not in self.members and not isinstance(d, Bool)]
        j, _ = self._member(f, "j")
        each = [self.in_domain(z3.Select(f.fam[v.name], j), v.domain) for v in self.fam_machine.variables
                if not isinstance(v.domain, Bool)]
        if each:
            out.append(z3.ForAll([j], z3.Implies(self.in_range(j), z3.And(*each))))
        return out

    def pinit(self, f: PFrame) -> list[Term]:
        out = [self.n >= 1]
        owners = [(inst.name, v) for inst in self.system.instances for v in inst.machine.variables]
        owners += [(SHARED, v) for v in self.system.shared]
        for x, (owner, v) in zip(f.state, owners, strict=True):
            if owner not in self.members:
                out.append(self.any([self.eq(x, self.const(val)) for val in v.initial_values]))
        j, _ = self._member(f, "j")
        each = [self.any([z3.Select(f.fam[v.name], j) == self.const(val) for val in v.initial_values])
                for v in self.fam_machine.variables]
        if each:
            out.append(z3.ForAll([j], z3.Implies(self.in_range(j), z3.And(*each))))
        if self.system.initial is not None:
            out.append(self.term(self.system.initial, f, None))
        return out

    def _code(self, k: int) -> int:
        """The label code of the family's action kind *k* (after the other instances' actions)."""
        return len(self.outside) + k

    def _emitting(self, f: PFrame, event: str, but: int | None = None) -> Term:
        codes = [c for c, a in enumerate(self.outside) if a.transition.emit == event and a.instance != but]
        codes += [self._code(k) for k, t in enumerate(self.kinds) if t.emit == event]
        return self.any([f.act == c for c in codes])

    def pguard_outside(self, f: PFrame, c: int) -> Term:
        a = self.outside[c]
        return self.term(a.transition.guard, f, a.inst.name)

    def penabled(self, f: PFrame) -> Term:
        out = [self.pguard_outside(f, c) for c in range(len(self.outside))]
        if self.kinds:
            j, me = self._member(f, "i")
            out.append(z3.Exists([j], z3.And(self.in_range(j), self.any([self.term(t.guard, f, me) for t in self.kinds]))))
        return self.any(out)

    def pexpands(self, f: PFrame) -> Term:
        c = self.system.constraint
        return self.true() if c is None else self.term(c, f, None)

    def ptrans(self, f: PFrame, g: PFrame) -> list[Term]:
        system = self.system
        total = len(self.outside) + len(self.kinds)
        if not total:
            return [self.false()]
        out: list[Term] = [f.act >= 0, f.act < total, self.pexpands(f)]
        if self.kinds:
            out.append(z3.Implies(f.act >= len(self.outside), self.in_range(f.who)))
        writers: dict[int, list[Term]] = {}
        for c, a in enumerate(self.outside):
            body = [self.pguard_outside(f, c)]
            for var, value in a.transition.updates:
                k = self.slot_of_update(a.inst.name, var)
                writers.setdefault(k, []).append(f.act == c)
                body.append(self.eq(g.state[k], self.term(value, f, a.inst.name)))
            out.append(z3.Implies(f.act == c, self.all(body)))
        who = self.reader(f.who)
        for k, t in enumerate(self.kinds):
            body = [self.term(t.guard, f, who)]
            for var, value in t.updates:
                if var.startswith(SHARED + "."):
                    slot = self.slot_of_update(self.family.member(0), var)
                    writers.setdefault(slot, []).append(f.act == self._code(k))
                    body.append(self.eq(g.state[slot], self.term(value, f, who)))
            out.append(z3.Implies(f.act == self._code(k), self.all(body)))
        # receivers outside the family: as in the per-N translation, one choice per instance
        for j, rs in self.outside_receivers.items():
            rv, me = f.recv[j], system.instances[j].name
            events = sorted({t.on for t in rs if t.on is not None})
            sent = {e: self._emitting(f, e, but=j) for e in events}
            out.append(z3.Or(rv == -1, *sent.values()))
            for e in events:
                guards = [(idx, self.term(t.guard, f, me)) for idx, t in enumerate(rs) if t.on == e]
                out.append(z3.Implies(sent[e], z3.If(self.any([gd for _, gd in guards]),
                                                      self.any([z3.And(rv == idx, gd) for idx, gd in guards]), rv == -1)))
            for idx, t in enumerate(rs):
                writes = []
                for var, value in t.updates:
                    slot = self.slot_of_update(me, var)
                    writers.setdefault(slot, []).append(rv == idx)
                    writes.append(self.eq(g.state[slot], self.term(value, f, me)))
                if writes:
                    out.append(z3.Implies(rv == idx, self.all(writes)))
        # the family: every member j receives (one enabled receiver) unless it is the sender
        j, me = self._member(f, "j")
        sender = z3.And(f.act >= len(self.outside), f.who == j) if self.kinds else self.false()
        rcv = z3.Select(f.rcv, j)
        events = sorted({t.on for t in self.fam_receivers if t.on is not None})
        each: list[Term] = []
        heard = {e: z3.And(self._emitting(f, e), z3.Not(sender)) for e in events}
        each.append(z3.Or(rcv == -1, *heard.values()))
        for e in events:
            guards = [(idx, self.term(t.guard, f, me)) for idx, t in enumerate(self.fam_receivers) if t.on == e]
            each.append(z3.Implies(heard[e], z3.If(self.any([gd for _, gd in guards]),
                                                    self.any([z3.And(rcv == idx, gd) for idx, gd in guards]), rcv == -1)))
        for v in self.fam_machine.variables:
            value = z3.Select(f.fam[v.name], j)
            for idx, t in enumerate(self.fam_receivers):
                for var, upd in t.updates:
                    if var == v.name:
                        value = z3.If(rcv == idx, self.term(upd, f, me), value)
            for k, t in enumerate(self.kinds):
                for var, upd in t.updates:
                    if var == v.name:
                        value = z3.If(z3.And(f.act == self._code(k), f.who == j), self.term(upd, f, me), value)
            each.append(z3.Select(g.fam[v.name], j) == value)
        out.append(z3.ForAll([j], z3.Implies(self.in_range(j), z3.And(*each))))
        for k, (inst, _) in enumerate(system.slots):
            if inst not in self.members:
                out.append(z3.Or(self.eq(g.state[k], f.state[k]), *writers.get(k, [])))
        return out

    def fired_member(self, f: PFrame, j: Term, tags: frozenset[str]) -> Term:
        hits = [z3.And(f.act == self._code(k), f.who == j) for k, t in enumerate(self.kinds) if t.tags & tags]
        hits += [z3.Select(f.rcv, j) == idx for idx, t in enumerate(self.fam_receivers) if t.tags & tags]
        return self.any(hits)

    def fired_outside(self, f: PFrame, instance: int, tags: frozenset[str]) -> Term:
        hits = [f.act == c for c, a in enumerate(self.outside) if a.instance == instance and a.transition.tags & tags]
        hits += [f.recv[instance] == idx for idx, t in enumerate(self.outside_receivers.get(instance, ())) if t.tags & tags]
        return self.any(hits)

    # ------------------------------------------------------------------ back to a concrete system

    def concrete_step(self, model: Any, f: PFrame, g: PFrame, *, largest: int = 64) -> Trace | None:
        """The step from *f* to *g* in a z3 *model*, as a trace of the system resized to the
        model's N, checked against the explicit engine's successor function (None when it is not
        one of its steps, or N is larger than *largest*)."""
        n = model.eval(self.n, model_completion=True).as_long()
        if not 1 <= n <= largest:
            return None
        sized = resized(self.system, self.family.name, n)
        c = compile_system(sized)
        declared = {slot: k for k, slot in enumerate(self.system.slots)}
        fam = self.family.name

        def state(fr: PFrame) -> State:
            out: list[object] = []
            for inst, var in sized.slots:
                if inst.startswith(fam + "[") and inst not in declared_instances:
                    k = int(inst[len(fam) + 1:-1])
                    domain = self.fam_machine.variable(var)
                    assert domain is not None
                    out.append(self.value(model, z3.Select(fr.fam[var], k), domain_of(domain)))
                else:
                    k = declared[(inst, var)]
                    out.append(self.value(model, fr.state[k], self.domains[k]))
            return tuple(out)

        declared_instances = {i.name for i in self.system.instances if i.name not in self.members}
        s, t = state(f), state(g)
        code = model.eval(f.act, model_completion=True).as_long()
        if code < len(self.outside):
            sender, tname = self.outside[code].inst.name, self.outside[code].transition.name
        else:
            who = model.eval(f.who, model_completion=True).as_long()
            sender, tname = self.family.member(who), self.kinds[code - len(self.outside)].name
        for label, result in c.find_step(s):
            if isinstance(result, OutOfDomain) or label is None or result != t:
                continue
            a, _ = c.label_parts(label)
            if (a.inst.name, a.transition.name) == (sender, tname):
                return c.trace([s, t], [label])
        return None

    # ------------------------------------------------------------------ goals

    def bad(self, prop: Property | None, f: PFrame, g: PFrame) -> tuple[bool, Term]:
        """(on a step?, what breaks *prop*: in *f*, or on the step from *f* to *g*); None: deadlock."""
        if prop is None:
            stuck = z3.And(z3.Not(self.penabled(f)), self.pexpands(f))
            terminal = self.system.terminal
            return False, stuck if terminal is None else z3.And(stuck, z3.Not(self.term(terminal, f, None)))
        if isinstance(prop, Always):
            return False, z3.Not(self.term(prop.expr, f, None))
        if isinstance(prop, OnStep):
            hits = []
            for inst in self.system.tagged_instances(prop.tags):
                if inst.name in self.members:
                    continue
                i = self.index[inst.name]
                ok = z3.And(self.term(prop.before, f, inst.name), self.term(prop.after, g, inst.name, before=f))
                hits.append(z3.And(self.fired_outside(f, i, prop.tags), z3.Not(ok)))
            if any(t.tags & prop.tags for t in self.fam_machine.transitions):
                j, me = self._member(f, "i")
                ok = z3.And(self.term(prop.before, f, me), self.term(prop.after, g, me, before=f))
                hits.append(z3.Exists([j], z3.And(self.in_range(j), self.fired_member(f, j, prop.tags), z3.Not(ok))))
            return True, self.any(hits)
        raise NotApplicable(f"{prop.kind} properties")


#: a comparison read the other way round (``k < count`` is ``count > k``)
_FLIP = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


class _FamilyIndex:
    """A quantified index that ranges over the family: its z3 term (hashed by identity, so each
    quantifier's body is translated apart)."""

    __slots__ = ("term",)

    def __init__(self, term: Any) -> None:
        self.term = term


@dataclass(slots=True)
class Verdicts:
    """What the quantified induction decided: proved goals, and why the others were not."""

    proved: list[str] = field(default_factory=list)
    partners: dict[str, tuple[str, ...]] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)
    lemma_notes: list[str] = field(default_factory=list)
    #: goal -> a counterexample to the quantified induction step, as a step of the resized system
    cti: dict[str, Trace] = field(default_factory=dict)


def _solve(q: Quantified, clock: Clock, seconds: float, *terms: Term) -> tuple[str, Any]:
    solver = z3.Solver(ctx=q.ctx)
    ms = clock.left_ms()
    limit = int(seconds * 1000)
    solver.set("timeout", max(1, min(ms, limit) if ms is not None else limit))
    solver.add(*terms)
    got = solve(solver)
    if got == z3.sat:
        return "sat", solver.model()
    if got == z3.unsat:
        return "unsat", None
    return "unknown", solver.reason_unknown()


def _n_of(q: Quantified, model: Any) -> str:
    try:
        return str(model.eval(q.n, model_completion=True))
    except Exception:  # noqa: BLE001 - decoration of a message only
        return "?"


def prove_every_n(system: System, family: Family, goals: Sequence[tuple[str, Property | None, bool]],
                  clock: Clock, *, seconds: float) -> Verdicts:
    """Quantified 1-induction over *family* for *goals* ((name, property or None for deadlock
    freedom, is it a lemma)), all together (Houdini: a goal the step breaks is dropped and the rest
    tried again). Raises :class:`NotApplicable` when the system is outside the fragment."""
    out = Verdicts()
    q = Quantified(system, family)
    f, g = q.pframe("s"), q.pframe("t")
    init, dom_f, dom_g = q.pinit(f), q.pdomain(f), q.pdomain(g)
    trans = q.ptrans(f, g)
    bads: dict[str, tuple[bool, Term, Term | None]] = {}
    for name, prop, _ in goals:
        try:
            step, now = q.bad(prop, f, g)
            after = None if step else q.bad(prop, g, q.pframe("u"))[1]
        except NotApplicable as why:
            out.why[name] = f"not in the quantified fragment: {why}"
            continue
        bads[name] = (step, now, after)
    lemma = {name for name, _, is_lemma in goals if is_lemma}
    candidates = list(bads)
    if dom_f:
        # the initial states are in the domains (the model's checks make it so; the proof relies on it)
        answer, model = _solve(q, clock, seconds, *init, z3.Not(z3.And(*dom_f)))
        if answer != "unsat":
            for n in candidates:
                out.why[n] = "an initial state outside the domains" if answer == "sat" else f"z3: {model}"
            return out
    # initiation: a state goal broken in an initial state (for some N) is not proved here
    for name in list(candidates):
        step, now, _ = bads[name]
        if step:
            continue
        answer, model = _solve(q, clock, seconds, *init, *dom_f, now)
        if answer != "unsat":
            candidates.remove(name)
            out.why[name] = ("broken in an initial state for N = " + _n_of(q, model)) if answer == "sat" else \
                f"z3 did not decide initiation ({model})"
    while candidates:
        assumed = [z3.Not(bads[n][1]) for n in candidates if not bads[n][0]]
        broken = [bads[n][1] if bads[n][0] else bads[n][2] for n in candidates]
        answer, model = _solve(q, clock, seconds, *dom_f, *assumed, *trans,
                               z3.Or(z3.Not(z3.And(*dom_g)) if dom_g else q.false(), *broken))
        if answer == "unsat":
            proved_lemmas = [z3.Not(bads[n][1]) for n in candidates if n in lemma and not bads[n][0]]
            for n in candidates:
                out.proved.append(n)
                step, now, after = bads[n]
                # which goals needed the others: a goal inductive with the lemmas alone needs none
                own = [] if step else [z3.Not(now)]
                alone, _ = _solve(q, clock, seconds, *dom_f, *proved_lemmas, *own, *trans,
                                  z3.Or(z3.Not(z3.And(*dom_g)) if dom_g else q.false(), now if step else after))
                out.partners[n] = () if alone == "unsat" or n in lemma else tuple(
                    x for x in candidates if x != n and x not in lemma)
            return out
        # which goals does the step break? the domains first: without them nothing is proved
        if dom_g:
            answer, model = _solve(q, clock, seconds, *dom_f, *assumed, *trans, z3.Not(z3.And(*dom_g)))
            if answer != "unsat":
                for n in candidates:
                    out.why[n] = "that no update leaves its domain is not proved by quantified induction" + (
                        f" (a step leaves it for N = {_n_of(q, model)})" if answer == "sat" else f" ({model})")
                return out
        dropped = []
        for n in candidates:
            broken_n = bads[n][1] if bads[n][0] else bads[n][2]
            answer, model = _solve(q, clock, seconds, *dom_f, *assumed, *trans, broken_n)
            if answer != "unsat":
                dropped.append(n)
                if answer == "sat":
                    trace = q.concrete_step(model, f, g)
                    # z3 may pick a huge N: a counterexample with few members reads better
                    for bound in (2, 4, 8, 16):
                        if trace is not None and len(trace.states[0]) <= len(system.slots):
                            break
                        small, smodel = _solve(q, clock, seconds, *dom_f, *assumed, *trans, broken_n, q.n <= bound)
                        if small == "sat":
                            trace = q.concrete_step(smodel, f, g) or trace
                            break
                    if trace is not None:
                        out.cti[n] = trace
                out.why[n] = (f"the quantified induction step has a counterexample (for N = {_n_of(q, model)}; "
                              "a quantified lemma may rule out its first state)") if answer == "sat" else \
                    f"z3 did not decide the quantified induction step ({model})"
        if not dropped:
            for n in candidates:
                out.why[n] = "z3 did not decide the quantified induction step for the goals together"
            return out
        candidates = [n for n in candidates if n not in dropped]
    return out

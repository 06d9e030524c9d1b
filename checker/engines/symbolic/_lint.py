"""The z3 side of :mod:`statebound.checker.lint`: each lint question as one query over a frame of
unconstrained (in-domain) state variables, through the same translation the engines use."""

from __future__ import annotations

import time
from typing import Any

import z3

from ..._compile import Action
from ...expr import SHARED, Array, Domain, domain_of
from ...machine import System, Transition
from ...result import Lint, LintWarning, show_value
from ._encode import Encoding, Frame, Term, solve

__all__ = ["run"]


class _Ask:
    """Queries over one frame (in its domains), with a timeout per query. One incremental solver:
    lint asks many small questions of one state, not deep ones of an unrolling."""

    def __init__(self, enc: Encoding, f: Frame, timeout: float | None, deadline: float | None = None) -> None:
        self.solver = z3.Solver(ctx=enc.ctx)
        self.timeout = timeout
        self.deadline = deadline
        if timeout is not None:
            self.solver.set("timeout", max(1, int(timeout * 1000)))
        self.solver.add(*enc.domain(f))
        self.model: Any = None
        #: questions not asked because the deadline had passed
        self.skipped = 0

    def sat(self, *terms: Term) -> bool | None:
        """Satisfiable (its model kept), unsatisfiable, or None when z3 cannot tell (or the
        deadline has passed: the question is not asked, and counted in :attr:`skipped`)."""
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                self.skipped += 1
                return None
            per_query = left if self.timeout is None else min(left, self.timeout)
            self.solver.set("timeout", max(1, int(per_query * 1000)))
        got = solve(self.solver, *terms)
        if got == z3.sat:
            self.model = self.solver.model()
            return True
        return False if got == z3.unsat else None


def run(system: System, *, timeout: float | None, deadline: float | None = None) -> tuple[tuple[LintWarning, ...], int]:
    """The warnings, and how many questions the *deadline* (``time.monotonic()``) left unasked
    (an unasked question gives no warning)."""
    enc = Encoding(system)
    f = enc.frame("lint")
    ask = _Ask(enc, f, timeout, deadline)
    by_instance: dict[int, list[Action]] = {}
    for a in enc.actions:
        by_instance.setdefault(a.instance, []).append(a)
    out: list[LintWarning] = []
    writers: dict[int, list[Term]] = {k: [] for k in range(len(system.slots))}
    for i, inst in enumerate(system.instances):
        name = inst.name
        for t in inst.machine.transitions:
            enabled = _enabled(enc, f, i, t)
            where = f"{name}/transition {t.name!r}"
            if ask.sat(enabled) is False:
                what = "its guard is never true" if t.on is None else \
                    f"its guard is never true while a sender of {t.on!r} is enabled"
                out.append(LintWarning(code=Lint.GUARD_NEVER_TRUE, instance=name, transition=t.name, where=where,
                                       what=what + ", so it can never fire", fix="fix the guard or drop the transition"))
                continue
            for var, value in t.updates:
                k = enc.slot_of_update(name, var)
                x, domain = f.state[k], enc.domains[k]
                v = enc.term(value, f, name)
                writers[k].append(z3.And(enabled, z3.Not(enc.eq(v, x))))
                if not enc.may_leave(name, var, value):
                    continue
                if ask.sat(enabled, z3.Not(enc.in_domain(v, domain))):
                    shown = _shown(enc, ask.model, v, domain)
                    out.append(LintWarning(
                        code=Lint.UPDATE_LEAVES_DOMAIN, instance=name, transition=t.name, variable=var, where=where,
                        what=f"update {var} := {value} can be {shown}, outside {domain}, where the transition is enabled",
                        fix="guard the transition or widen the domain (a reachable such state is a model error)",
                    ))
        out += _overlaps(enc, f, ask, i)
    k = 0
    owners = [(inst.name, v) for inst in system.instances for v in inst.machine.variables]
    owners += [(SHARED, v) for v in system.shared]
    for owner, declared in owners:
        if not writers[k] or ask.sat(z3.Or(*writers[k])) is False:
            start = ", ".join(show_value(v) for v in declared.initial_values)
            out.append(LintWarning(
                code=Lint.VARIABLE_NEVER_CHANGES, instance=owner, variable=declared.name,
                where=f"{owner}/variable {declared.name!r}",
                what=f"no transition changes it (it keeps its initial value{'s' if ',' in start else ''} {start})",
                fix="make it a parameter of the model function or a constant, or add the transition that changes it",
            ))
        k += 1
    return tuple(_ordered(system, out)), ask.skipped


def _enabled(enc: Encoding, f: Frame, i: int, t: Transition) -> Term:
    """*t* of instance *i* can fire in *f*: its guard, and for a receiver some sender's too."""
    guard = enc.term(t.guard, f, enc.system.instances[i].name)
    if t.on is None:
        return guard
    return z3.And(guard, enc.can_send_to(f, i, t.on))


def _overlaps(enc: Encoding, f: Frame, ask: _Ask, i: int) -> list[LintWarning]:
    inst = enc.system.instances[i]
    out = []
    receivers = [t for t in inst.machine.transitions if t.on is not None]
    for a, t1 in enumerate(receivers):
        for t2 in receivers[a + 1:]:
            if t1.on != t2.on:
                continue
            both = z3.And(_enabled(enc, f, i, t1), enc.term(t2.guard, f, inst.name))
            if ask.sat(both):
                state = ", ".join(
                    f"{v.name} = {show_value(enc.value(ask.model, f.state[enc.system.slot_of(inst.name, v.name)], domain_of(v)))}"
                    for v in inst.machine.variables
                )
                out.append(LintWarning(
                    code=Lint.OVERLAPPING_RECEIVERS, instance=inst.name, transition=t1.name,
                    where=f"{inst.name}/transition {t1.name!r}",
                    what=f"it and {t2.name!r} are both enabled on {t1.on!r} (e.g. when {state}): "
                    "the broadcast picks one of them nondeterministically",
                    fix="make their guards exclusive if one reaction is meant",
                ))
    return out


def _shown(enc: Encoding, model: Any, v: Term, domain: Domain | Array) -> str:
    """A value of an update, as the reference engine shows it (a name outside every Enum as a code)."""
    return show_value(enc.value(model, v, domain))


def _ordered(system: System, warnings: list[LintWarning]) -> list[LintWarning]:
    order = {inst.name: k for k, inst in enumerate(system.instances)}
    codes = list(Lint)
    return sorted(warnings, key=lambda w: (order.get(w.instance, len(order)), w.variable is not None and w.transition is None,
                                           codes.index(w.code)))

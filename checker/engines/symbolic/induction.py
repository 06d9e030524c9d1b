"""k-induction on z3, with lemmas and an automatic strengthening by PDR (``--engine induction``, issue 14).

For k = 0, 1, 2, ... up to a bound, two questions per open property:

- *base*: does an execution of k steps from an initial state break it? (bounded model checking:
  a counterexample found here is real and a shortest one);
- *step*: can an execution of k steps, on which the property (and every invariant proved so far)
  holds everywhere but at the end, break it at the end? If not, the property is proved for every
  reachable state. Executions are taken loop-free, which makes the method complete for a large
  enough k on a finite model (the bound decides how far the engine goes).

Open properties are tried together (Houdini): the engine looks for the largest set of them that is
k-inductive *as a whole*, dropping those a counterexample to induction breaks, so invariants that
only hold together are proved together. Lemmas (auxiliary invariants, ``lemmas=``) join the same
search: a lemma is assumed exactly when it is proved, never before. Every ``always`` property of
the system serves as a lemma for the others in the same way.

What k-induction leaves open, PDR (IC3, through z3's Spacer) tries next (``pdr=True``, the
default): it looks for an inductive invariant that implies the property. The invariant it finds is
checked again by the engine's own encoding (it contains the initial states, every step keeps it,
it excludes the violation) before the property counts as proved, and the outcome shows it, clause
by clause: it is the lemma k-induction lacked.

What the verdicts mean for this engine:

- ``holds``: proved for every reachable state: by k-induction (the message names k and what the
  proof assumed), by PDR (the message shows the invariant), or because every execution of the model
  is shorter than the depth explored. A ``sometimes`` holds when the base case finds a witness.
- ``violated``: a real, shortest counterexample found by the base case; for ``sometimes``, that no
  reachable state satisfies it was proved.
- ``inconclusive``: not proved; the trace is then a *counterexample to induction*: an execution
  of k steps whose states satisfy the property until the last one breaks it. Its first state need
  not be reachable: an invariant (a lemma) that excludes it is what the proof lacks.
- ``leads_to`` is not decided (``inconclusive``).

What it cannot see: nothing, when it says ``holds``; it may fail to prove a true property (then it
says so). Proofs are about the executions whose updates stay in their domains; an update leaving
its domain that the base case reaches is the reference engine's model error, and when that no
update leaves its domain could not be proved, every proof carries a warning saying so.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from ...errors import PropertyError
from ...machine import System
from ...property import Always, Property
from ...result import DEADLOCK, Breach, Coverage, Kind, Outcome, Report, Trace, Verdict
from ..base import Budget, Progress
from ._encode import Encoding, Frame, Term
from ._goals import (
    DOMAIN,
    Goal,
    Role,
    all_decided,
    bad,
    goals_of,
    is_liveness,
    liveness_note,
    observers_of,
    outcome,
    select,
    violation,
)
from ._pdr import pdr
from ._unroll import Backward, Clock, Forward, Unknown, sweep

__all__ = ["InductionEngine", "DEFAULT_K", "DEFAULT_PDR_SECONDS", "DEFAULT_MAX_N", "DEFAULT_QUANTIFIED_SECONDS"]

#: the largest k tried when the budget gives no max_depth
DEFAULT_K = 3
#: how much deeper than k the base case looks for a counterexample PDR says exists
_DEEPER = 200
#: how much deeper than k the base case looks for witnesses before PDR tries to refute them
_WITNESS_EXTRA = 10
#: how many clauses of an invariant a message shows
_CLAUSES = 40
#: how long PDR may look for an invariant for one property (within the check's timeout)
DEFAULT_PDR_SECONDS = 30.0
#: with ``parametric=True``, the largest family size checked one by one when every N is not proved
DEFAULT_MAX_N = 20
#: with ``parametric=True``, how long z3 may spend on one quantified query
DEFAULT_QUANTIFIED_SECONDS = 10.0


@dataclass(slots=True)
class _Proof:
    """How a goal was decided: mutable bookkeeping local to one check."""

    method: str = ""  # "k-induction", "pdr" or "exhausted" once proved
    k: int = 0
    partners: tuple[str, ...] = ()  # proved together with these (not inductive alone)
    assumed: tuple[str, ...] = ()  # invariants proved before, assumed in the proof
    clauses: tuple[str, ...] = ()  # PDR's invariant (shown with one property of a group)
    shown_with: str = ""  # the property whose outcome shows the group's invariant
    cti: tuple[Any, int] | None = None  # (z3 model, k) of the last counterexample to induction
    note: str = ""  # why PDR did not decide it


@dataclass(slots=True)
class _Run:
    """The state of one check: mutable, local to :meth:`InductionEngine.check`."""

    enc: Encoding
    fw: Forward
    bw: Backward
    clock: Clock
    engine: str
    pending: list[Goal]
    decided: dict[str, Outcome] = field(default_factory=dict)
    proofs: dict[str, _Proof] = field(default_factory=dict)
    proved: list[str] = field(default_factory=list)  # in the order they were proved (facts)
    lemma_notes: list[str] = field(default_factory=list)


class InductionEngine:
    """k-induction with lemmas, then PDR (see the module docstring for what each verdict claims).

    Parameters
    ----------
    max_k : int
        The largest k tried when the budget has no ``max_depth``.
    lemmas : sequence of Always
        Auxiliary invariants (``always(name, expr)``) to prove and then assume. They are not
        reported as properties; a lemma that cannot be proved, or is false, is named in the
        warnings of every outcome.
    pdr : bool
        Try PDR (z3's Spacer) on what k-induction leaves open.
    pdr_seconds : float
        The time PDR may spend on one property.
    parametric : bool
        Prove the properties *for every size N >= 1* of the system's first family declared
        ``symmetric=True`` (everything else as declared), by quantified 1-induction over the
        family's members (``holds``: proved for every N, the message says so); what that cannot
        prove is checked for N = 1..``max_n`` one by one, by this engine without ``parametric``:
        ``violated`` when some N breaks it (the trace is for that N), else ``inconclusive``
        saying "proved for N = 1..max_n" (not every N). See ``docs/symbolic.md``.
    max_n : int
        The largest N checked one by one with ``parametric=True``.
    quantified_seconds : float
        The time z3 may spend on one quantified query with ``parametric=True``.
    """

    name = "induction"

    def __init__(self, *, max_k: int = DEFAULT_K, lemmas: Sequence[Always] = (), pdr: bool = True,
                 pdr_seconds: float = DEFAULT_PDR_SECONDS, parametric: bool = False, max_n: int = DEFAULT_MAX_N,
                 quantified_seconds: float = DEFAULT_QUANTIFIED_SECONDS) -> None:
        self.max_k = max_k
        self.lemmas = tuple(lemmas)
        self.pdr = pdr
        self.pdr_seconds = pdr_seconds
        self.parametric = parametric
        self.max_n = max_n
        self.quantified_seconds = quantified_seconds

    def check(
        self,
        system: System,
        *,
        properties: Sequence[str] | None = None,
        budget: Budget = Budget(),
        progress: Progress | None = None,
    ) -> Report:
        """Prove *system*'s properties; see :class:`InductionEngine`."""
        if self.parametric:
            from ._every_n import check_every_n

            return check_every_n(self, system, properties=properties, budget=budget, progress=progress)
        clock = Clock(budget.timeout)
        props = select(system, properties)
        problems = [pr for lemma in self.lemmas for pr in lemma.problems(system)]
        if problems:
            raise PropertyError(problems)
        want_deadlock = system.check_deadlock and (properties is None or DEADLOCK in properties)
        goals = goals_of(system, [p for p in props if not is_liveness(p)], deadlock=want_deadlock,
                         lemmas=self.lemmas)
        enc = Encoding(system, observers=observers_of(goals), also=self.lemmas)
        bound = budget.max_depth if budget.max_depth is not None else self.max_k
        domain = Goal(name=DOMAIN, kind=Kind.ALWAYS, prop=None, role=Role.DOMAIN)
        run = _Run(enc=enc, fw=Forward(enc, clock), bw=Backward(enc, clock), clock=clock, engine=self.name,
                   pending=[domain, *goals])
        for g in run.pending:
            run.proofs[g.name] = _Proof()
        stopped = f"k bound ({bound}) reached"
        reached = 0
        try:
            for m in range(bound + 1):
                if progress is not None:
                    progress(0, 0, m, len(run.pending))
                if m > 0:
                    run.fw.extend()
                    if not run.fw.check():
                        self._exhausted(run, m - 1)
                        break
                self._base(run, m)
                if not run.pending:
                    break
                while run.bw.depth < m:
                    run.bw.extend()
                self._houdini(run, m)
                reached = m
                if not run.pending:
                    break
            if self.pdr:
                # PDR proves what k-induction left, all together first (one invariant for all is
                # usually about as hard as the hardest one alone); a witness deeper than k is for
                # the base case to find; then PDR on what is left, one by one
                rest = [g for g in run.pending if g.kind is not Kind.SOMETIMES]
                if len(rest) > 1:
                    self._pdr(run, rest)
                self._deeper(run, bound + _WITNESS_EXTRA)
                for goal in list(run.pending):
                    self._pdr(run, [goal])
        except Unknown as why:
            stopped = why.reason
        if not run.pending:
            stopped = all_decided(props)
        cov = Coverage(depth=reached, seconds=clock.elapsed(), complete=False, stopped=stopped)
        return self._report(system, props, goals, run, cov, want_deadlock)

    # ------------------------------------------------------------------ base and step

    def _base(self, run: _Run, m: int) -> None:
        """Bounded model checking at depth *m*: real counterexamples and witnesses. An update
        leaving its domain is checked first: it is the model error the reference engine raises."""
        fw, enc = run.fw, run.enc
        conditions: list[tuple[Goal, Term]] = []
        for goal in run.pending:
            if goal.role is Role.DOMAIN:
                conditions.append((goal, enc.out_of_domain(fw.frames[m])))
            elif goal.step:
                if m > 0:
                    conditions.append((goal, bad(enc, goal, fw.frames[m - 1], fw.frames[m])))
            else:
                conditions.append((goal, bad(enc, goal, fw.frames[m])))
        for hits, model in sweep(fw.check, fw.model, conditions, fw.add):
            if any(g.role is Role.DOMAIN for g in hits):
                raise fw.domain_error(model, m)
            for goal in hits:
                self._found(run, goal, model, fw.frames[: m + 1])

    def _found(self, run: _Run, goal: Goal, model: Any, frames: Sequence[Frame]) -> None:
        enc = run.enc
        states, labels = enc.path(model, frames)
        trace = enc.compiled.trace(states, labels)
        cov = Coverage(depth=len(labels), seconds=run.clock.elapsed(), complete=False, stopped=None)
        run.pending.remove(goal)
        if goal.kind is Kind.SOMETIMES:
            run.decided[goal.name] = outcome(goal, Verdict.HOLDS, run.engine, cov, trace=trace,
                                             message="witness: the last state satisfies it")
            return
        message, breach = violation(enc.compiled, goal, trace, labels)
        if goal.role is Role.LEMMA:
            run.lemma_notes.append(f"lemma {goal.name!r} is false ({message}); it was not assumed")
            return
        run.decided[goal.name] = outcome(goal, Verdict.VIOLATED, run.engine, cov, trace=trace, message=message,
                                         breach=breach)

    def _houdini(self, run: _Run, m: int) -> None:
        """The induction step over *m* steps for the open goals together: drop the goals a
        counterexample to induction breaks until the rest is inductive (or nothing is left)."""
        candidates = [g for g in run.pending if not g.step or m >= 1]
        while candidates:
            good, badness = self._step_query(run, candidates, m)
            if not run.bw.check(*good, z3.Or(*[b for _, b in badness])):
                self._proved(run, candidates, m)
                return
            model = run.bw.model()
            broken = [g for g, b in badness if z3.is_true(model.eval(b, model_completion=True))]
            if not broken:
                raise AssertionError("a counterexample to induction that breaks no goal")
            for g in broken:
                run.proofs[g.name].cti = (model, m)
                candidates.remove(g)

    @staticmethod
    def _step_query(run: _Run, goals: Sequence[Goal], m: int) -> tuple[list[Term], list[tuple[Goal, Term]]]:
        """What the induction step over *m* steps assumes of *goals* (they hold before the end)
        and what breaks each of them at the end."""
        enc, frames = run.enc, run.bw.frames
        distinct0 = run.bw.distinct0()
        good: list[Term] = []
        badness: list[tuple[Goal, Term]] = []
        for g in goals:
            if g.step:
                good += [z3.Not(bad(enc, g, frames[j + 1], frames[j])) for j in range(1, m)]
                badness.append((g, bad(enc, g, frames[1], frames[0])))
            else:
                good += [z3.Not(bad(enc, g, frames[j])) for j in range(1, m + 1)]
                badness.append((g, z3.And(bad(enc, g, frames[0]), distinct0)))
        return good, badness

    def _proved(self, run: _Run, goals: list[Goal], m: int) -> None:
        before = tuple(run.proved)
        for g in goals:
            # a lemma's own proof is not reported: only properties are worth the query
            alone = len(goals) == 1 or g.role is not Role.PROPERTY
            if not alone:
                good, badness = self._step_query(run, [g], m)
                alone = not run.bw.check(*good, badness[0][1])
            proof = run.proofs[g.name]
            proof.method, proof.k = "k-induction", m
            proof.partners = () if alone else tuple(x.name for x in goals if x is not g)
            proof.assumed = before
        for g in goals:
            self._assume(run, g)

    def _assume(self, run: _Run, g: Goal) -> None:
        run.pending.remove(g)
        run.proved.append(g.name)
        run.bw.add_fact(g.step, _fact(run.enc, g))
        run.fw.add_fact(g.step, _fact(run.enc, g))

    def _exhausted(self, run: _Run, depth: int) -> None:
        """No execution is longer than *depth* steps, and the base case checked them all."""
        for g in list(run.pending):
            proof = run.proofs[g.name]
            proof.method, proof.k = "exhausted", depth
            run.pending.remove(g)
            run.proved.append(g.name)

    def _deeper(self, run: _Run, depth: int) -> None:
        """The base case alone (every open goal: counterexamples stay shortest), down to *depth*,
        while witnesses are missing."""
        while any(g.kind is Kind.SOMETIMES for g in run.pending) and run.fw.depth < depth:
            run.fw.extend()
            if not run.fw.check():
                self._exhausted(run, run.fw.depth - 1)
                return
            self._base(run, run.fw.depth)

    def _pdr(self, run: _Run, goals: list[Goal]) -> None:
        """PDR on goals k-induction left open: proved (the invariant checked and shown), violated
        (for one goal: the base case goes deeper until it finds the counterexample), or left."""
        found = pdr(run.enc, goals, run.bw.facts, run.clock, seconds=self.pdr_seconds)
        if found.answer == "proved":
            before = tuple(run.proved)
            # the invariant is shown once, with the first property of the group
            first = next((g.name for g in goals if g.role is Role.PROPERTY), goals[0].name)
            for goal in goals:
                proof = run.proofs[goal.name]
                proof.method, proof.assumed, proof.shown_with = "pdr", before, first
                proof.clauses = found.clauses if goal.name == first else ()
                proof.partners = tuple(g.name for g in goals if g is not goal and g.role is Role.PROPERTY)
            for goal in goals:
                self._assume(run, goal)
        elif found.answer == "violated" and len(goals) == 1:
            # Spacer knows a counterexample exists; the base case finds a shortest one
            (goal,) = goals
            limit = run.fw.depth + _DEEPER
            while goal in run.pending and run.fw.depth < limit:
                run.fw.extend()
                self._base(run, run.fw.depth)
            if goal in run.pending:
                run.proofs[goal.name].note = f"PDR says it is violated, deeper than {limit} steps"
        elif len(goals) == 1:
            run.proofs[goals[0].name].note = found.reason

    # ------------------------------------------------------------------ the report

    def _report(self, system: System, props: Sequence[Property], goals: Sequence[Goal], run: _Run, cov: Coverage,
                want_deadlock: bool) -> Report:
        by_name = {g.name: g for g in goals}
        warnings: list[str] = list(run.lemma_notes)
        for g in run.pending:
            if g.role is Role.LEMMA:
                warnings.append(f"lemma {g.name!r} was not proved; it was not assumed")
        if any(g.role is Role.DOMAIN for g in run.pending):
            warnings.append("proved for the executions whose updates stay in their domains: that no update "
                            "leaves its domain was not proved (see statebound.checker.lint)")
        outcomes: list[Outcome] = []
        for p in props:
            if is_liveness(p):
                outcomes.append(Outcome(property=p.name, kind=Kind(p.kind), verdict=Verdict.INCONCLUSIVE,
                                        engine=self.name, coverage=cov, message=liveness_note(p)))
            else:
                outcomes.append(self._outcome(by_name[p.name], run, cov, warnings))
        if want_deadlock:
            outcomes.append(self._outcome(by_name[DEADLOCK], run, cov, warnings))
        return Report(system=system.name, params=system.params, outcomes=tuple(outcomes), coverage=cov)

    def _outcome(self, goal: Goal, run: _Run, cov: Coverage, warnings: list[str]) -> Outcome:
        if goal.name in run.decided:
            return run.decided[goal.name]
        proof = run.proofs[goal.name]
        if goal.name in run.proved:
            done = Coverage(depth=cov.depth, seconds=cov.seconds, complete=True, stopped=None)
            how = _how(proof)
            if goal.kind is Kind.SOMETIMES:
                return outcome(goal, Verdict.VIOLATED, self.name, done, message=f"no reachable state satisfies it ({how})")
            return outcome(goal, Verdict.HOLDS, self.name, done, message=how, warnings=warnings)
        why = f"; PDR did not decide it ({proof.note})" if proof.note else ""
        if goal.kind is Kind.SOMETIMES:
            return outcome(goal, Verdict.INCONCLUSIVE, self.name, cov, warnings=warnings,
                           message=f"not decided: no witness up to depth {cov.depth}, and no proof that none exists{why}")
        trace, breach = self._cti(run, goal)
        if trace is None:
            return outcome(goal, Verdict.INCONCLUSIVE, self.name, cov, warnings=warnings,
                           message=f"not decided: no violation up to depth {cov.depth}, not proved ({cov.stopped}){why}")
        k = len(trace.steps)
        return outcome(
            goal, Verdict.INCONCLUSIVE, self.name, cov, trace=trace, breach=breach, warnings=warnings,
            message=(f"not proved by k-induction up to k={cov.depth} (no violation up to depth {cov.depth}){why}; "
                     f"the trace is a counterexample to induction: {k} step{'s' if k != 1 else ''} from a state "
                     "that need not be reachable, the property holding until the last "
                     f"{'step breaks it' if goal.step else 'state breaks it'}; an invariant that rules out its "
                     "first state is the lemma the proof lacks"),
        )

    @staticmethod
    def _cti(run: _Run, goal: Goal) -> tuple[Trace | None, Breach | None]:
        proof = run.proofs[goal.name]
        if proof.cti is None:
            return None, None
        model, m = proof.cti
        trace = run.enc.trace(model, run.bw.frames[m::-1])
        n = len(trace.steps)
        return trace, (Breach(step=n) if goal.step else Breach(state=n))


def _fact(enc: Encoding, g: Goal) -> Callable[[Frame, Frame | None], Term]:
    """What a proved goal says of every frame (or step): it is not broken there."""

    def build(f: Frame, nxt: Frame | None) -> Term:
        return z3.Not(bad(enc, g, f, nxt))

    return build


def _how(proof: _Proof) -> str:
    if proof.method == "exhausted":
        return f"every execution ends within {proof.k} steps, and none breaks it"
    if proof.method == "pdr":
        how = "proved by PDR (z3 Spacer)"
        if proof.partners:
            how += " together with " + ", ".join(proof.partners)
        if proof.clauses:
            shown = proof.clauses[:_CLAUSES]
            more = len(proof.clauses) - len(shown)
            how += (f"; the inductive invariant ({len(proof.clauses)} clause{'s' if len(proof.clauses) != 1 else ''}, "
                    "checked): " + "; ".join(f"[{c}]" for c in shown) + (f"; and {more} more" if more else ""))
        else:
            how += f"; the inductive invariant is shown with {proof.shown_with}"
    else:
        how = f"proved by {proof.k}-induction"
        if proof.partners:
            how += " together with " + ", ".join(proof.partners)
    if proof.assumed:
        how += " (assuming " + ", ".join(proof.assumed) + ", proved before)"
    return how

"""``InductionEngine(parametric=True)``: properties proved for every size of a symmetric family
(issue 14), or checked for N = 1..K one by one when that fails; the outcome says which.

The quantified translation and its soundness argument are in :mod:`._param`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import z3

from ...errors import InputError, PropertyError, UserError
from ...machine import Family, System
from ...property import Always, OnStep, Property
from ...result import DEADLOCK, Breach, Coverage, Kind, Outcome, Report, Trace, Verdict
from ..base import Budget, Progress
from ._goals import select
from ._param import NotApplicable, Verdicts, prove_every_n, resized, symmetric_family
from ._unroll import Clock, Unknown

if TYPE_CHECKING:
    from .induction import InductionEngine

__all__ = ["check_every_n"]


def check_every_n(engine: InductionEngine, system: System, *, properties: Sequence[str] | None, budget: Budget,
                  progress: Progress | None) -> Report:
    """See :class:`~.induction.InductionEngine` (``parametric=True``)."""
    per_n = _with_lemmas(engine, engine.lemmas)
    family = symmetric_family(system)
    if family is None:
        report = per_n.check(system, properties=properties, budget=budget, progress=progress)
        note = "parametric: no family is declared symmetric=True, so only this system was checked"
        return dataclasses.replace(report, outcomes=tuple(
            dataclasses.replace(o, warnings=(*o.warnings, note)) for o in report.outcomes))
    clock = Clock(budget.timeout)
    props = select(system, properties)
    problems = [pr for lemma in engine.lemmas for pr in lemma.problems(system)]
    if problems:
        raise PropertyError(problems)
    want_deadlock = system.check_deadlock and (properties is None or DEADLOCK in properties)
    goals: list[tuple[str, Property | None, bool]] = [(lemma.name, lemma, True) for lemma in engine.lemmas]
    goals += [(p.name, p, False) for p in props if isinstance(p, (Always, OnStep))]
    if want_deadlock:
        goals.append((DEADLOCK, None, False))
    found = Verdicts()
    reason = ""
    started = time.perf_counter()
    try:
        found = prove_every_n(system, family, goals, clock, seconds=engine.quantified_seconds)
    except NotApplicable as why:
        reason = f"the model is outside the quantified fragment: {why}"
    except (Unknown, InputError) as why:
        reason = str(why)
    except z3.Z3Exception as why:  # a bug of the quantified translation: it proves nothing, say so
        reason = f"the quantified translation failed ({why}); please report it"
    quantified_seconds = time.perf_counter() - started
    lemmas = [n for n in found.proved if any(n == lemma.name for lemma in engine.lemmas)]
    outcomes: dict[str, Outcome] = {}
    done = Coverage(depth=1, seconds=quantified_seconds, complete=True, stopped=None)
    for name, prop, is_lemma in goals:
        if is_lemma or name not in found.proved:
            continue
        how = f"proved for every N >= 1 by quantified 1-induction over family {family.name} (z3, MBQI)"
        partners = found.partners.get(name, ())
        if partners:
            how += " together with " + ", ".join(partners)
        if lemmas:
            how += " (with the lemmas " + ", ".join(lemmas) + ")"
        kind = Kind.DEADLOCK if prop is None else Kind(prop.kind)
        outcomes[name] = Outcome(property=name, kind=kind, verdict=Verdict.HOLDS, engine=engine.name, coverage=done,
                                 message=how)
    rest = [p.name for p in props if p.name not in outcomes]
    if want_deadlock and DEADLOCK not in outcomes:
        rest.append(DEADLOCK)
    if rest:
        outcomes.update(_one_by_one(per_n, engine.max_n, system, family, rest, props, found, reason, budget, clock,
                                    progress))
    ordered = [outcomes[p.name] for p in props]
    if want_deadlock:
        ordered.append(outcomes[DEADLOCK])
    cov = Coverage(depth=1, seconds=clock.elapsed(), complete=all(o.coverage.complete for o in ordered), stopped=None)
    return Report(system=system.name, params=system.params, outcomes=tuple(ordered), coverage=cov)


def _one_by_one(per_n: InductionEngine, max_n: int, system: System, family: Family, names: list[str], props: Sequence[Property],
                found: Verdicts, reason: str, budget: Budget, clock: Clock,
                progress: Progress | None) -> dict[str, Outcome]:
    """The *names* checked for N = 1..max_n, one N at a time, each by the per-N engine."""
    kinds = {p.name: Kind(p.kind) for p in props}
    kinds[DEADLOCK] = Kind.DEADLOCK
    why = {n: found.why.get(n, reason or "the proof for every N covers invariants, step rules and deadlock freedom only")
           for n in names}
    open_ = list(names)
    out: dict[str, Outcome] = {}
    upto: dict[str, int] = dict.fromkeys(names, 0)
    methods: dict[str, set[str]] = {n: set() for n in names}
    seconds: list[float] = []
    stopped = ""
    for n in range(1, max_n + 1):
        if not open_:
            break
        left = None if clock.deadline is None else clock.deadline - time.perf_counter()
        if left is not None and left <= 0:
            stopped = f"timeout ({clock.timeout:g} s) reached"
            break
        if progress is not None:
            progress(0, 0, n, len(open_))
        started = time.perf_counter()
        try:
            sized = resized(system, family.name, n)
            lemmas = tuple(lemma for lemma in per_n.lemmas if not lemma.problems(sized))
            engine = _with_lemmas(per_n, lemmas)
            report = engine.check(sized, properties=open_, budget=Budget(max_depth=budget.max_depth, timeout=left))
        except UserError as err:
            stopped = f"N = {n}: {str(err).splitlines()[0]}"
            break
        seconds.append(time.perf_counter() - started)
        for o in report.outcomes:
            if o.property not in open_:
                continue
            done = o.verdict is Verdict.HOLDS  # proved for this N (for sometimes: a witness)
            if o.verdict is Verdict.VIOLATED:
                out[o.property] = dataclasses.replace(
                    o, message=f"violated for N = {n} (family {family.name} of {n} member{'s' if n != 1 else ''}; "
                               f"the trace is of that system): {o.message}",
                    warnings=(*o.warnings, f"for N = 1..{n - 1}: no violation"))
                open_.remove(o.property)
            elif done:
                upto[o.property] = n
                methods[o.property].add(_method(o.message))
            else:
                out[o.property] = Outcome(
                    property=o.property, kind=o.kind, verdict=Verdict.INCONCLUSIVE, engine=per_n.name,
                    coverage=o.coverage, trace=o.trace, breach=o.breach, warnings=o.warnings,
                    message=(f"not proved for every N ({why[o.property]}); " + (
                        f"proved for N = 1..{n - 1}; " if n > 1 else "") + f"for N = {n}: {o.message}"))
                open_.remove(o.property)
    total = sum(seconds)
    for name in open_:
        m = upto[name]
        how = ", ".join(sorted(methods[name])) or "-"
        what = "a witness for each" if kinds.get(name) is Kind.SOMETIMES else "proved for"
        message = (f"{what} N = 1..{m} ({how}; {total:.1f} s in all), not for every N: {why[name]}" if m else
                   f"not decided for any N: {why[name]}")
        if stopped:
            message += f"; stopped at N = {m + 1}: {stopped}"
        trace = found.cti.get(name)
        breach = None
        if trace is not None:
            message += ("; the trace is a counterexample to the quantified induction step, for N = "
                        f"{_members(trace, family.name)}: a state that need not be reachable, "
                        "satisfying the invariants, then a step breaking the property; an invariant ruling out its "
                        "first state is the lemma the proof lacks")
            breach = Breach(step=1) if kinds.get(name) is Kind.STEP else Breach(state=1)
        out[name] = Outcome(property=name, kind=kinds.get(name, Kind.ALWAYS), verdict=Verdict.INCONCLUSIVE,
                            engine=per_n.name,
                            coverage=Coverage(depth=m, seconds=total, complete=False, stopped=stopped or None),
                            message=message, trace=trace, breach=breach)
    return out


def _with_lemmas(engine: InductionEngine, lemmas: Sequence[Always]) -> InductionEngine:
    """The per-N engine: *engine*'s settings, without ``parametric``."""
    from .induction import InductionEngine

    return InductionEngine(max_k=engine.max_k, lemmas=lemmas, pdr=engine.pdr, pdr_seconds=engine.pdr_seconds)


def _members(trace: Trace, family: str) -> int:
    """How many members of *family* a trace's states hold."""
    return len({inst for (inst, _), _ in trace.states[0] if inst.startswith(family + "[")})


def _method(message: str) -> str:
    if message.startswith("proved by PDR"):
        return "PDR"
    if message.startswith("proved by "):
        return message[len("proved by "):].split(" ")[0]
    if message.startswith("witness"):
        return "bmc witness"
    return message.split(";")[0][:40]

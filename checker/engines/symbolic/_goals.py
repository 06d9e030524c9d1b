"""What the symbolic engines look for: each property (and lemma) as a *goal*, a z3 condition on one
frame (a state goal) or on the step leaving it (a step goal), and the outcomes made of the answers.

A goal's ``bad`` condition is what a counterexample reaches: a state breaking an invariant, a step
breaking a step rule or an observer, a deadlock, an update leaving its domain. For ``sometimes``
the "bad" state is the witness.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import z3

from ..._compile import Compiled, Label
from ...errors import InputError, suggest
from ...machine import System
from ...property import Always, NeverAfter, OnStep, Property, Sometimes
from ...result import DEADLOCK, Breach, Coverage, Kind, Outcome, Trace, Verdict
from ..reference.observer import never_after_story
from ..reference.safety import step_rule_breach
from ._encode import Encoding, Frame, Term

__all__ = ["Role", "Goal", "select", "goals_of", "bad", "violation", "outcome", "DOMAIN"]

#: the internal goal "no update leaves its domain" (a model error when reachable)
DOMAIN = "updates-stay-in-domains"


class Role(StrEnum):
    PROPERTY = "property"  # a property the user asked about
    LEMMA = "lemma"  # an auxiliary invariant: proved, then assumed
    DOMAIN = "domain"  # no reachable update leaves its domain


@dataclass(frozen=True, slots=True, eq=False)
class Goal:
    """One thing an engine decides. ``observer`` indexes ``Encoding.observers`` for never_after."""

    name: str
    kind: Kind
    prop: Property | None
    role: Role = Role.PROPERTY
    observer: int | None = None

    @property
    def step(self) -> bool:
        """The bad condition is on a step (it needs the frame after the step too)."""
        return self.kind in (Kind.STEP, Kind.NEVER_AFTER)


def select(system: System, names: Sequence[str] | None) -> list[Property]:
    """The properties named *names* (all by default), in declaration order; unknown names are an
    :class:`InputError` (the same message as the reference engine's)."""
    if names is None:
        return list(system.properties)
    known = [p.name for p in system.properties] + ([DEADLOCK] if system.check_deadlock else [])
    bad_names = [n for n in names if n not in known]
    if bad_names:
        raise InputError(
            f"--property {bad_names[0]!r}: no such property in {system.name}; "
            + suggest(bad_names[0], known, default="properties: " + ", ".join(known))
        )
    return [p for p in system.properties if p.name in names]


def goals_of(system: System, props: Sequence[Property], *, deadlock: bool, lemmas: Sequence[Always] = ()) -> list[Goal]:
    """The goals for *props* (then deadlock freedom), after the *lemmas*; never_after goals are
    numbered in the order :class:`Encoding` must get their observers."""
    out = [Goal(name=lemma.name, kind=Kind.ALWAYS, prop=lemma, role=Role.LEMMA) for lemma in lemmas]
    observers = 0
    for p in props:
        if isinstance(p, NeverAfter):
            out.append(Goal(name=p.name, kind=Kind.NEVER_AFTER, prop=p, observer=observers))
            observers += 1
        else:
            out.append(Goal(name=p.name, kind=Kind(p.kind), prop=p))
    if deadlock:
        out.append(Goal(name=DEADLOCK, kind=Kind.DEADLOCK, prop=None))
    return out


def observers_of(goals: Sequence[Goal]) -> list[NeverAfter]:
    return [g.prop for g in goals if isinstance(g.prop, NeverAfter)]


def bad(enc: Encoding, goal: Goal, f: Frame, g: Frame | None = None) -> Term:
    """The condition a counterexample to *goal* meets at frame *f* (or on the step from *f* to *g*)."""
    key = ("bad", id(goal), f.name, None if g is None or not goal.step else g.name)
    return enc.memo(key, lambda: _bad(enc, goal, f, g))


def _bad(enc: Encoding, goal: Goal, f: Frame, g: Frame | None) -> Term:
    p = goal.prop
    if goal.role is Role.DOMAIN:
        return enc.out_of_domain(f)
    if goal.kind is Kind.DEADLOCK:
        terminal = enc.system.terminal
        # a state outside System(constraint=...) has no step, and is not a deadlock for that
        stuck = z3.And(z3.Not(enc.enabled(f)), enc.expands(f))
        return stuck if terminal is None else z3.And(stuck, z3.Not(enc.term(terminal, f, None)))
    if isinstance(p, Always):
        return z3.Not(enc.term(p.expr, f, None))
    if isinstance(p, Sometimes):
        return enc.term(p.expr, f, None)
    if isinstance(p, OnStep):
        assert g is not None
        hits = []
        for inst in enc.system.tagged_instances(p.tags):
            ok = z3.And(enc.term(p.before, f, inst.name), enc.term(p.after, g, inst.name, before=f))
            hits.append(z3.And(enc.fired(f, enc.index[inst.name], p.tags), z3.Not(ok)))
        return enc.any(hits)
    if isinstance(p, NeverAfter):
        assert goal.observer is not None
        return enc.observer_breaks(goal.observer, f)
    raise AssertionError(f"no goal for {p!r}")


# --------------------------------------------------------------------------- outcomes


def outcome(goal: Goal, verdict: Verdict, engine: str, coverage: Coverage, *, trace: Trace | None = None,
            message: str = "", warnings: Sequence[str] = (), breach: Breach | None = None) -> Outcome:
    return Outcome(property=goal.name, kind=goal.kind, verdict=verdict, engine=engine, coverage=coverage, trace=trace,
                   message=message, warnings=tuple(warnings), breach=breach)


def violation(c: Compiled, goal: Goal, trace: Trace, labels: Sequence[Label]) -> tuple[str, Breach]:
    """The message and breach of a counterexample to *goal* (worded as the reference engine's)."""
    n = len(trace.steps)
    p = goal.prop
    if goal.kind is Kind.DEADLOCK:
        return "a reachable state has no enabled transition and is not declared terminal", Breach(state=n)
    if isinstance(p, Always):
        where = "the initial state breaks it" if n == 0 else f"the state after step {n} breaks it"
        return where, Breach(state=n)
    if isinstance(p, OnStep):
        pre = tuple(x for _, x in trace.states[-2])
        return step_rule_breach(c, p, pre, labels[-1], n)
    if isinstance(p, NeverAfter):
        return _never_after_story(c, p, labels)
    raise AssertionError(f"no counterexample message for {goal.name}")


def _tagged(c: Compiled, label: Label, tags: frozenset[str]) -> list[str]:
    return [iname for iname, t in c.label_transitions(label) if t.tags & tags]


def _never_after_story(c: Compiled, p: NeverAfter, labels: Sequence[Label]) -> tuple[str, Breach]:
    """The reference engine's words for a ``never_after`` counterexample."""
    trigger_at, story = never_after_story(c, p, list(labels))
    return story, Breach(step=len(labels), trigger=trigger_at)


def liveness_note(p: Property | None = None) -> str:
    if p is not None and p.kind != "leads-to":
        return (f"not decided: {p.kind} properties are not checked by the symbolic engines; "
                "use the explicit engine (--engine explicit)")
    return ("not decided: liveness (leads_to) is not checked by the symbolic engines; "
            "use the explicit engine (--engine explicit)")


def is_liveness(p: Property) -> bool:
    """True for what these engines leave inconclusive: ``leads_to``, and every kind they do not
    translate (issue 9's temporal properties among them), rather than misjudge it."""
    return not isinstance(p, (Always, Sometimes, OnStep, NeverAfter))


def all_decided(props: Sequence[Property]) -> str:
    """Why a symbolic search ended when nothing it decides is left (it leaves liveness inconclusive)."""
    if any(is_liveness(p) for p in props):
        return "every property decided but the liveness ones, which this engine leaves inconclusive"
    return "every property decided"

"""The property language: invariants, step rules, observers, liveness and witnesses.

Properties are data over the same expression trees as models; each engine decides them
(see :mod:`statebound.checker.engines.reference` for what ``holds`` means there).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeAlias

from ._typing import TypeProblem
from .errors import Problem, suggest
from .expr import TRUE, Expr, Op, Operand, lit, uses_prev
from .machine import System, as_tags

__all__ = [
    "Property",
    "Always",
    "Sometimes",
    "OnStep",
    "NeverAfter",
    "LeadsTo",
    "InfinitelyOften",
    "EventuallyAlways",
    "Eventually",
    "OnEveryStep",
    "always",
    "sometimes",
    "on_step",
    "never_after",
    "leads_to",
    "infinitely_often",
    "eventually_always",
    "eventually",
    "on_every_step",
]

_NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _name_problems(name: str) -> Iterator[Problem]:
    if not isinstance(name, str) or not _NAME.match(name):
        yield Problem(
            where=f"property {name!r}",
            what="the name is not kebab-case",
            fix="use lower-case words joined by '-', e.g. 'connect-only-when-active'",
        )


def _bool_problems(p: Property, label: str, expr: Expr, system: System, self_instance: str | None) -> Iterator[Problem]:
    where = f"property {p.name!r} {label}"
    if label != "after" and uses_prev(expr):
        yield Problem(where=where, what="uses prev(), which only means something after a step",
                      fix="use prev() and unchanged() in on_step(..., after=...)")
        return
    try:
        ty = system.type_of(expr, self_instance)
    except TypeProblem as err:
        yield Problem(where=where, what=err.what, fix=err.fix)
        return
    if ty.kind != "bool":
        yield Problem(where=where, what=f"is {ty}, not a boolean", fix="compare it, e.g. x == value")


def _tag_problems(p: Property, label: str, tags: frozenset[str], system: System) -> Iterator[Problem]:
    known = system.tags()
    for tag in sorted(tags):
        if tag not in known:
            yield Problem(
                where=f"property {p.name!r} {label}",
                what=f"no transition is tagged {tag!r}",
                fix=suggest(tag, known, default="tags in the system: " + (", ".join(sorted(known)) or "none")),
            )
    if not tags:
        yield Problem(where=f"property {p.name!r} {label}", what="names no tag", fix="give at least one tag")


def _unique(problems: Iterable[Problem]) -> Iterator[Problem]:
    seen: set[Problem] = set()
    for p in problems:
        if p not in seen:
            seen.add(p)
            yield p


def _tagged_instances(system: System, tags: frozenset[str]) -> list[str | None]:
    """Names of the instances with a transition tagged with one of *tags*; ``[None]`` (no
    instance: *self* then names none) when there is none."""
    return [i.name for i in system.tagged_instances(tags)] or [None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Always:
    """``expr`` holds in every reachable state (an invariant)."""

    name: str
    expr: Expr
    kind: str = "always"

    def problems(self, system: System) -> Iterator[Problem]:
        yield from _name_problems(self.name)
        yield from _bool_problems(self, "expression", self.expr, system, None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Sometimes:
    """Some reachable state satisfies ``expr`` (a witness; guards against vacuous passes)."""

    name: str
    expr: Expr
    kind: str = "sometimes"

    def problems(self, system: System) -> Iterator[Problem]:
        yield from _name_problems(self.name)
        yield from _bool_problems(self, "expression", self.expr, system, None)


@dataclass(frozen=True, slots=True, kw_only=True)
class OnStep:
    """Every step that fires a transition tagged with one of ``tags`` starts in a state
    satisfying ``before`` and ends in one satisfying ``after``.

    Variables without an instance (a machine's ``Var``) refer to the instance whose tagged
    transition fired.
    """

    name: str
    tags: frozenset[str]
    before: Expr = TRUE
    after: Expr = TRUE
    kind: str = "step"

    def problems(self, system: System) -> Iterator[Problem]:
        yield from _name_problems(self.name)
        yield from _tag_problems(self, "tag", self.tags, system)
        # Every tagged instance, not only the first: the engine evaluates before/after for each
        # of them, so a variable missing in a second machine used to escape as a KeyError.
        yield from _unique(
            p
            for inst in _tagged_instances(system, self.tags)
            for p in (*_bool_problems(self, "before", self.before, system, inst),
                      *_bool_problems(self, "after", self.after, system, inst))
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class NeverAfter:
    """After a step tagged ``trigger``, no step tagged ``forbidden`` until a step tagged
    ``until`` (or, when ``until`` is an expression, until a state satisfies it, the state right
    after the trigger included).

    With ``per_instance`` (the default) the observer runs for each instance separately: a
    trigger of instance X forbids only X's forbidden steps and an ``until`` step of X resets
    X; an ``until`` step of an instance that has no trigger or forbidden tag (the session's
    login, say) resets every instance. A step that both triggers and resets leaves the rule
    armed. The rule is checked by composing the system with an observer, so its counterexamples
    are shortest too.
    """

    name: str
    trigger: frozenset[str]
    forbidden: frozenset[str]
    until: frozenset[str] | Expr = frozenset()
    per_instance: bool = True
    kind: str = "never-after"

    def problems(self, system: System) -> Iterator[Problem]:
        yield from _name_problems(self.name)
        yield from _tag_problems(self, "trigger", self.trigger, system)
        yield from _tag_problems(self, "forbidden", self.forbidden, system)
        if isinstance(self.until, Expr):
            # The engine evaluates `until` for every instance with a trigger or forbidden tag
            # (see explore._check_never_after), so type-check it for each of them.
            insts = _tagged_instances(system, self.trigger | self.forbidden) if self.per_instance else [None]
            yield from _unique(p for inst in insts for p in _bool_problems(self, "until", self.until, system, inst))
        elif self.until:
            yield from _tag_problems(self, "until", self.until, system)


@dataclass(frozen=True, slots=True, kw_only=True)
class LeadsTo:
    """Every fair execution that reaches a ``p`` state later reaches a ``q`` state.

    Fairness comes from transitions marked ``fair="weak"`` or ``"strong"`` and from the groups of
    ``System(fairness=...)``; a step that changes nothing neither takes nor enables them (TLA+'s
    ``WF_vars``/``SF_vars``). An execution may stop (stutter forever) in a state where nothing
    fair is enabled, so an environment that can go quiet never makes a liveness property pass
    vacuously.
    """

    name: str
    p: Expr
    q: Expr
    kind: str = "leads-to"

    def problems(self, system: System) -> Iterator[Problem]:
        yield from _name_problems(self.name)
        yield from _bool_problems(self, "p", self.p, system, None)
        yield from _bool_problems(self, "q", self.q, system, None)


@dataclass(frozen=True, slots=True, kw_only=True)
class InfinitelyOften:
    """Every fair execution satisfies ``expr`` infinitely often (TLA+'s ``[]<>expr``; issue 9).

    An execution that stops (stutters for ever, where nothing fair is enabled) satisfies it when
    it stops in an ``expr`` state. Equivalent to ``leads_to(TRUE, expr)``.
    """

    name: str
    expr: Expr
    kind: str = "infinitely-often"

    def problems(self, system: System) -> Iterator[Problem]:
        yield from _name_problems(self.name)
        yield from _bool_problems(self, "expression", self.expr, system, None)


@dataclass(frozen=True, slots=True, kw_only=True)
class EventuallyAlways:
    """Every fair execution reaches a point from which ``expr`` holds for ever (TLA+'s
    ``<>[]expr``; issue 9): no fair execution leaves ``expr`` infinitely often."""

    name: str
    expr: Expr
    kind: str = "eventually-always"

    def problems(self, system: System) -> Iterator[Problem]:
        yield from _name_problems(self.name)
        yield from _bool_problems(self, "expression", self.expr, system, None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Eventually:
    """Every fair execution from an initial state reaches an ``expr`` state (TLA+'s ``<>expr``
    as a property of the specification; issue 9)."""

    name: str
    expr: Expr
    kind: str = "eventually"

    def problems(self, system: System) -> Iterator[Problem]:
        yield from _name_problems(self.name)
        yield from _bool_problems(self, "expression", self.expr, system, None)


@dataclass(frozen=True, slots=True, kw_only=True)
class OnEveryStep:
    """Every step satisfies ``after`` or leaves ``unless_unchanged`` as it was (TLA+'s
    ``[][A]_v``; issue 9), whatever transition it fires: no tags needed.

    ``after`` reads the state after the step, and ``prev(x)`` the state before it;
    ``unless_unchanged`` is TLA+'s subscript ``v`` (``None``: every variable, so only a step that
    changes nothing is exempt). Variables are named with ``ref(...)``: no instance is *self* here.
    """

    name: str
    after: Expr
    unless_unchanged: tuple[Expr, ...] | None = None
    kind: str = "every-step"

    def problems(self, system: System) -> Iterator[Problem]:
        yield from _name_problems(self.name)
        yield from _bool_problems(self, "after", self.after, system, None)
        where = f"property {self.name!r} unless_unchanged"
        if self.unless_unchanged == ():
            yield Problem(where=where, what="names no variable, so every step would be exempt",
                          fix="name the variables (TLA+'s v in [][A]_v), or leave it out to exempt only steps "
                          "that change nothing")
        for e in self.unless_unchanged or ():
            if uses_prev(e):
                yield Problem(where=where, what=f"{e} uses prev()", fix="name the variables themselves: v, not prev(v)")
                continue
            try:
                system.type_of(e, None)
            except TypeProblem as err:
                yield Problem(where=where, what=err.what, fix=err.fix)


Property: TypeAlias = (
    Always | Sometimes | OnStep | NeverAfter | LeadsTo | InfinitelyOften | EventuallyAlways | Eventually | OnEveryStep
)


def always(name: str, expr: Operand) -> Always:
    """An invariant: *expr* holds in every reachable state.

    Examples
    --------
    >>> from statebound import ref
    >>> p = always("one-client", ref("session", "clients") <= 1)
    >>> p.kind
    'always'
    """
    return Always(name=name, expr=lit(expr))


def sometimes(name: str, expr: Operand) -> Sometimes:
    """A witness: some reachable state satisfies *expr*."""
    return Sometimes(name=name, expr=lit(expr))


def on_step(name: str, tag: str | Iterable[str], *, before: Operand = TRUE, after: Operand = TRUE) -> OnStep:
    """A step rule: every step tagged *tag* starts in *before* and ends in *after*."""
    return OnStep(name=name, tags=as_tags(tag), before=lit(before), after=lit(after))


def never_after(
    name: str,
    *,
    trigger: str | Iterable[str],
    forbidden: str | Iterable[str],
    until: str | Iterable[str] | Expr = (),
    per_instance: bool = True,
) -> NeverAfter:
    """An observer rule: after *trigger*, no *forbidden* step until *until*."""
    until_v: frozenset[str] | Expr = until if isinstance(until, Expr) else as_tags(until)
    return NeverAfter(
        name=name, trigger=as_tags(trigger), forbidden=as_tags(forbidden), until=until_v, per_instance=per_instance
    )


def leads_to(name: str, p: Operand, q: Operand) -> LeadsTo:
    """Liveness: from every reachable *p* state, every fair execution reaches *q*."""
    return LeadsTo(name=name, p=lit(p), q=lit(q))


def infinitely_often(name: str, expr: Operand) -> InfinitelyOften:
    """Liveness: every fair execution satisfies *expr* infinitely often (``[]<>expr``).

    Examples
    --------
    >>> from statebound import ref
    >>> infinitely_often("keeps-polling", ref("poller", "state") == "Polling").kind
    'infinitely-often'
    """
    return InfinitelyOften(name=name, expr=lit(expr))


def eventually_always(name: str, expr: Operand) -> EventuallyAlways:
    """Liveness: every fair execution ends up satisfying *expr* for ever (``<>[]expr``).

    Examples
    --------
    >>> from statebound import ref
    >>> eventually_always("settles", ref("client", "state") == "Stopped").kind
    'eventually-always'
    """
    return EventuallyAlways(name=name, expr=lit(expr))


def eventually(name: str, expr: Operand) -> Eventually:
    """Liveness: every fair execution from an initial state reaches *expr* (``<>expr``).

    Examples
    --------
    >>> from statebound import ref
    >>> eventually("terminates", ref("job", "state") == "Done").kind
    'eventually'
    """
    return Eventually(name=name, expr=lit(expr))


def on_every_step(name: str, after: Operand, *, unless_unchanged: Iterable[Operand] | None = None) -> OnEveryStep:
    """A step rule over every step (``[][after]_v``): each step satisfies *after* (``prev(x)``
    reads the state before it) unless it leaves *unless_unchanged* (``v``; by default every
    variable) as it was.

    Examples
    --------
    >>> from statebound import prev, ref
    >>> n = ref("counter", "n")
    >>> on_every_step("never-decreases", n >= prev(n)).kind
    'every-step'
    """
    subscript = None if unless_unchanged is None else tuple(lit(e) for e in unless_unchanged)
    return OnEveryStep(name=name, after=lit(after), unless_unchanged=subscript)


def antecedent(expr: Expr) -> Expr | None:
    """The left side of a top-level ``implies`` (for vacuity warnings), else None."""
    if isinstance(expr, Op) and expr.op == "implies":
        return expr.args[0]
    return None

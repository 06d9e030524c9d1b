"""Verdicts, traces, coverage and reports: what every engine returns (a leaf module)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import Any

__all__ = [
    "Verdict", "Kind", "Side", "Breach", "ExitCode", "Change", "Step", "Trace", "Coverage", "Outcome", "Report",
    "StateValues", "show_value", "DEADLOCK", "Lint", "LintWarning",
]

#: the name of the built-in deadlock-freedom property
DEADLOCK = "deadlock-free"

#: a state as ((instance, variable), value) pairs in system slot order
StateValues = tuple[tuple[tuple[str, str], Any], ...]


class Verdict(StrEnum):
    HOLDS = "holds"  # the engine's full claim; see its docstring
    VIOLATED = "violated"  # Outcome.trace is a counterexample (shortest, for BFS)
    INCONCLUSIVE = "inconclusive"  # budget, bound or solver 'unknown'; see Outcome.coverage


class Kind(StrEnum):
    """What kind of property an outcome is about (the values are the words reports print)."""

    ALWAYS = "always"
    SOMETIMES = "sometimes"
    STEP = "step"
    NEVER_AFTER = "never-after"
    LEADS_TO = "leads-to"
    DEADLOCK = "deadlock"
    # temporal properties (issue 9)
    INFINITELY_OFTEN = "infinitely-often"
    EVENTUALLY_ALWAYS = "eventually-always"
    EVENTUALLY = "eventually"
    EVERY_STEP = "every-step"


class Side(StrEnum):
    """Which condition of a step rule a step broke."""

    BEFORE = "before"  # the state before the step
    AFTER = "after"  # the step itself (its after-condition over both states)


class ExitCode(IntEnum):
    """The command line's exit codes."""

    OK = 0  # every property holds
    VIOLATED = 1  # a property is violated
    BAD_INPUT = 2  # a bad model, argument or file
    INCONCLUSIVE = 3  # a budget, bound or timeout left something undecided
    INTERNAL = 4  # a bug in statebound
    VACUOUS = 5  # check --strict: a property holds only vacuously (issue 16)
    INTERRUPTED = 130  # Ctrl-C or SIGTERM


@dataclass(frozen=True, slots=True, kw_only=True)
class Breach:
    """Where a counterexample breaks its property: the structured form of ``Outcome.message``.

    ``state`` indexes ``trace.states`` (a state property); ``step`` is the 1-based number of the
    step that breaks a step rule or an observer, ``side`` which condition of a step rule it broke,
    ``trigger`` the step that armed a ``never_after`` observer. A lasso's cycle is ``trace.loop``.
    """

    state: int | None = None
    step: int | None = None
    side: Side | None = None
    trigger: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One variable that a step changed."""

    instance: str
    variable: str
    before: Any
    after: Any
    control: bool = False  # the instance's control state (printed as ``instance: A -> B``)

    def __str__(self) -> str:
        if self.control:
            return f"{self.instance}: {self.before} -> {self.after}"
        return f"{self.instance}.{self.variable}: {show_value(self.before)} -> {show_value(self.after)}"


def show_value(v: Any) -> str:
    """A value as traces print it: ``true``/``false`` for booleans, else its text."""
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    """One step of a trace: the firing instance and transition, the broadcast receivers, and
    only the variables that changed."""

    instance: str
    transition: str
    receivers: tuple[tuple[str, str], ...] = ()
    changes: tuple[Change, ...] = ()
    event: str | None = None

    @property
    def label(self) -> str:
        return f"{self.instance}.{self.transition}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Trace:
    """An execution: ``states[i]`` --``steps[i]``--> ``states[i+1]``.

    A lasso (liveness counterexample) has ``loop`` set: the last state equals ``states[loop]``
    and the execution repeats ``steps[loop:]`` forever; ``loop == len(steps)`` means the last
    state stutters forever (nothing fair is enabled there).
    """

    states: tuple[StateValues, ...]
    steps: tuple[Step, ...]
    loop: int | None = None

    def __len__(self) -> int:
        return len(self.steps)

    @property
    def is_lasso(self) -> bool:
        return self.loop is not None

    def final(self) -> dict[str, Any]:
        """The last state as ``{"instance.var": value}``."""
        return {f"{i}.{v}": x for (i, v), x in self.states[-1]}


@dataclass(frozen=True, slots=True, kw_only=True)
class Coverage:
    """What an engine examined."""

    states: int = 0
    steps: int = 0
    depth: int = 0
    seconds: float = 0.0
    complete: bool = True
    stopped: str | None = None  # why exploration stopped early (budget), when it did
    unfired: tuple[str, ...] = ()  # "instance.transition" that never fired
    #: symmetry reduction (issue 13): what was reduced, or why a declared symmetric family was not;
    #: None when the system declares none. When reduced, ``states`` counts canonical states (one
    #: per orbit) and ``steps`` the steps out of them
    symmetry: str | None = None
    #: with a reduction: how many states of the unreduced model the canonical states stand for
    represented: int | None = None

    @builtins.property
    def reduction(self) -> float | None:
        """The reduction factor: states represented per state stored (None when not reduced)."""
        if self.represented is None or not self.states:
            return None
        return self.represented / self.states

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "states": self.states,
            "steps": self.steps,
            "depth": self.depth,
            "seconds": round(self.seconds, 4),
            "complete": self.complete,
            "stopped": self.stopped,
            "unfired": list(self.unfired),
        }
        if self.symmetry is not None:  # only then, so that other reports keep their exact shape
            factor = self.reduction
            out["symmetry"] = {"reduced": self.represented is not None, "note": self.symmetry,
                               "represented_states": self.represented,
                               "factor": round(factor, 2) if factor is not None else None}
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """The verdict of one property by one engine."""

    property: str
    kind: Kind
    verdict: Verdict
    engine: str
    coverage: Coverage
    trace: Trace | None = None
    message: str = ""
    warnings: tuple[str, ...] = ()
    breach: Breach | None = None  # set with a counterexample (verdict VIOLATED)

    @builtins.property  # (the field ``property`` shadows the builtin in this class body)
    def holds(self) -> bool:
        return self.verdict is Verdict.HOLDS


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """All outcomes of one check of one system."""

    system: str
    params: tuple[tuple[str, Any], ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    coverage: Coverage = field(default_factory=Coverage)
    errors: tuple[str, ...] = ()

    def outcome(self, name: str) -> Outcome:
        for o in self.outcomes:
            if o.property == name:
                return o
        raise KeyError(name)

    @property
    def violated(self) -> tuple[str, ...]:
        return tuple(o.property for o in self.outcomes if o.verdict is Verdict.VIOLATED)

    def exit_code(self) -> ExitCode:
        """OK when all hold; else VIOLATED, BAD_INPUT (errors) or INCONCLUSIVE, in that order of precedence
        after errors."""
        if self.errors:
            return ExitCode.BAD_INPUT
        if any(o.verdict is Verdict.VIOLATED for o in self.outcomes):
            return ExitCode.VIOLATED
        if any(o.verdict is Verdict.INCONCLUSIVE for o in self.outcomes):
            return ExitCode.INCONCLUSIVE
        return ExitCode.OK


class Lint(StrEnum):
    """What a lint warning is about (the values are the words reports print)."""

    GUARD_NEVER_TRUE = "guard-never-true"
    OVERLAPPING_RECEIVERS = "overlapping-receivers"
    UPDATE_LEAVES_DOMAIN = "update-leaves-domain"
    VARIABLE_NEVER_CHANGES = "variable-never-changes"


@dataclass(frozen=True, slots=True, kw_only=True)
class LintWarning:
    """One lint finding: ``where: what; fix`` (like a :class:`~statebound.checker.errors.Problem`).

    ``instance`` is the instance it is about, ``transition`` the transition (or the first of two),
    ``variable`` the variable (for domains and constants), so tools can point at the model.
    """

    code: Lint
    instance: str
    where: str
    what: str
    fix: str = ""
    transition: str | None = None
    variable: str | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.what}" + (f"; {self.fix}" if self.fix else "") + f" [{self.code}]"

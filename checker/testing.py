"""pytest helpers: run a system's properties as tests whose failure message is the counterexample."""

from __future__ import annotations

from collections.abc import Iterable

from .engines import Budget
from .engines.reference import check
from .machine import System
from .output import format_outcome
from .result import Outcome, Verdict

__all__ = ["assert_holds", "assert_violated", "property_names"]


def property_names(system: System) -> list[str]:
    """Names of *system*'s properties (and ``deadlock-free``), for ``pytest.mark.parametrize``."""
    names = [p.name for p in system.properties]
    if system.check_deadlock:
        names.append("deadlock-free")
    return names


def _one(system: System, name: str, budget: Budget) -> Outcome:
    return check(system, properties=[name], budget=budget).outcome(name)


def assert_holds(system: System, names: str | Iterable[str] | None = None, *, budget: Budget = Budget()) -> None:
    """Fail with the counterexample (or the coverage reached) unless every named property holds.

    Examples
    --------
    >>> from statebound import Enum, Instance, Machine, System, Transition, Var, always, ref
    >>> s = Var("state", Enum("Off", "On"))
    >>> m = Machine(name="lamp", variables=(s,), transitions=(Transition("on", guard=s == "Off", updates={s: "On"}),))
    >>> lamp = System(name="lamp", instances=(Instance("lamp", m),), check_deadlock=False,
    ...               properties=(always("stays-off", ref("lamp", "state") == "Off"),))
    >>> assert_holds(lamp, "stays-off")
    Traceback (most recent call last):
    ...
    AssertionError: stays-off is violated:
    FAIL stays-off  violated (always, 1 step)
    ...
    """
    wanted = property_names(system) if names is None else [names] if isinstance(names, str) else list(names)
    report = check(system, properties=wanted, budget=budget)
    failures = [o for o in report.outcomes if o.verdict is not Verdict.HOLDS]
    if failures:
        text = "\n".join(
            f"{o.property} is {o.verdict}:\n" + "\n".join(format_outcome(o, system=system)) for o in failures
        )
        raise AssertionError(text)


def assert_violated(system: System, name: str, *, length: int | None = None, budget: Budget = Budget()) -> Outcome:
    """Fail unless property *name* is violated (with a counterexample of *length* steps, if given)."""
    o = _one(system, name, budget)
    if o.verdict is not Verdict.VIOLATED:
        raise AssertionError(f"{name} was expected to be violated but is {o.verdict}: {o.message}")
    if length is not None and (o.trace is None or len(o.trace) != length):
        got = None if o.trace is None else len(o.trace)
        shown = "\n".join(format_outcome(o, system=system))
        raise AssertionError(f"{name}: expected a {length}-step counterexample, got {got}:\n" + shown)
    return o

"""Model lint (issue 14): static warnings about a well-formed system, decided with z3 over every
state of the variables' domains (not only the reachable ones, so a warning is about what the
model *says*, not about what it happens to reach).

- ``guard-never-true``: a transition whose guard no state satisfies (for a receiver: no state where
  it and some sender of its event are enabled together); it can never fire.
- ``overlapping-receivers``: two receivers of one instance enabled on the same event in some state:
  the broadcast picks one of them nondeterministically, which the author may not intend.
- ``update-leaves-domain``: an update whose value can fall outside its variable's domain in a state
  where the transition is enabled; if such a state is reachable, checking stops with a model error.
- ``variable-never-changes``: no transition can change the variable (a constant, or a parameter
  in disguise).

The CLI shows these with ``statebound list --lint`` and as warnings of ``check``; z3 is imported
only when :func:`lint` runs.
"""

from __future__ import annotations

from .machine import System
from .result import Lint, LintWarning

__all__ = ["Lint", "LintWarning", "lint"]


def lint(system: System, *, timeout: float | None = 10.0) -> tuple[LintWarning, ...]:
    """Static warnings about *system*, in instance order (see the module docstring).

    Parameters
    ----------
    system : System
        A well-formed system.
    timeout : float, optional
        Seconds for each z3 query; a query z3 cannot decide in time gives no warning.

    Returns
    -------
    tuple of LintWarning
        Deterministic: the same system gives the same warnings in the same order.

    Examples
    --------
    >>> from statebound.checker import Enum, Instance, Machine, System, Transition, Var
    >>> s = Var("state", Enum("Idle", "Busy"))
    >>> m = Machine(name="m", variables=(s,), transitions=(
    ...     Transition("start", guard=s == "Idle", updates={s: "Busy"}),
    ...     Transition("never", guard=(s == "Idle") & (s == "Busy")),
    ... ))
    >>> for w in lint(System(name="demo", instances=(Instance("m", m),), check_deadlock=False)):
    ...     print(w)
    m/transition 'never': its guard is never true, so it can never fire; fix the guard or drop the transition [guard-never-true]
    """
    from .engines.symbolic._lint import run

    return run(system, timeout=timeout)

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

__all__ = ["Lint", "LintWarning", "LintCutShort", "lint"]


class LintCutShort(Exception):
    """The lint ran out of its total time (``lint(..., total=...)``): :attr:`warnings` are those
    found before, :attr:`skipped` the questions left unasked (each could have given a warning)."""

    def __init__(self, warnings: tuple[LintWarning, ...], skipped: int, total: float) -> None:
        super().__init__(f"the lint stopped after {total:g} s with {skipped} question{'' if skipped == 1 else 's'} "
                         "unasked")
        self.warnings = warnings
        self.skipped = skipped
        self.total = total


def lint(system: System, *, timeout: float | None = 10.0, total: float | None = None) -> tuple[LintWarning, ...]:
    """Static warnings about *system*, in instance order (see the module docstring).

    Parameters
    ----------
    system : System
        A well-formed system.
    timeout : float, optional
        Seconds for each z3 query; a query z3 cannot decide in time gives no warning.
    total : float, optional
        Seconds for the whole lint; when they run out, :class:`LintCutShort` is raised with the
        warnings found so far.

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
    import time

    from .engines.symbolic._lint import run

    warnings, skipped = run(system, timeout=timeout, deadline=None if total is None else time.monotonic() + total)
    if skipped:
        assert total is not None
        raise LintCutShort(warnings, skipped, total)
    return warnings

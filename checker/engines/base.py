"""The interface every engine implements, and the budget it is given.

An engine takes a :class:`~statebound.checker.machine.System` (with its properties) and answers
with a :class:`~statebound.checker.result.Report`: one :class:`~statebound.checker.result.Outcome`
per property, deadlock freedom last when the system checks it. What ``holds`` means is the
engine's claim and is stated in its docstring; whatever an engine could not decide (a budget, a
depth bound, a solver's ``unknown``) is ``inconclusive`` with its coverage, never ``holds``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..machine import System
    from ..result import Report

__all__ = ["Budget", "Engine", "Progress"]

#: called now and then while an engine works: (states, steps, depth, frontier)
Progress = Callable[[int, int, int, int], None]


@dataclass(frozen=True, slots=True, kw_only=True)
class Budget:
    """Limits of one check; reaching any of them makes what is undecided ``inconclusive``.

    ``max_depth`` is the number of steps from an initial state (the bound of bounded engines);
    ``timeout`` is in seconds of wall-clock time for the whole check.
    """

    max_states: int | None = None
    max_depth: int | None = None
    timeout: float | None = None
    max_memory_mb: int | None = None


class Engine(Protocol):
    """What the CLI, :mod:`statebound.checker.testing` and the diagrams call an engine.

    ``name`` is how the user selects it (``--engine NAME``) and what each outcome's ``engine``
    field says. ``check`` must be deterministic: the same system and arguments give the same
    report, traces included. *properties* names the properties to check (``deadlock-free``
    included); unknown names raise :class:`~statebound.checker.errors.InputError`.
    """

    name: str

    def check(
        self,
        system: System,
        *,
        properties: Sequence[str] | None = None,
        budget: Budget = ...,
        progress: Progress | None = None,
    ) -> Report: ...

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

__all__ = ["Budget", "Engine", "MemoryLimitReached", "Progress", "resident_mb", "watch_memory"]

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


class MemoryLimitReached(Exception):  # noqa: N818 - a budget reached, not a failure
    """Raised from a progress callback made by :func:`watch_memory`: the process's resident memory
    is over ``Budget.max_memory_mb``. Whoever runs the engine turns it into ``inconclusive``."""

    def __init__(self, used_mb: int, limit_mb: int) -> None:
        super().__init__(f"memory limit ({limit_mb} MB) reached, at {used_mb} MB")
        self.used_mb, self.limit_mb = used_mb, limit_mb


def resident_mb() -> int | None:
    """This process's resident memory in MB (Linux), or None where it cannot be read."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    import resource

    return pages * resource.getpagesize() // (1024 * 1024)


def watch_memory(progress: Progress | None, budget: Budget) -> Progress | None:
    """``Budget.max_memory_mb`` for an engine that does not watch its memory itself (the fast engine
    does, and stops with a partial report): *progress*, which now also reads the resident memory
    each time the engine reports progress and raises :class:`MemoryLimitReached` once it is over
    the limit. Without a limit, *progress* itself."""
    limit = budget.max_memory_mb
    if limit is None:
        return progress

    def watched(states: int, steps: int, depth: int, frontier: int) -> None:
        used = resident_mb()
        if used is not None and used > limit:
            raise MemoryLimitReached(used, limit)
        if progress is not None:
            progress(states, steps, depth, frontier)

    return watched

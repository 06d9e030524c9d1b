"""The exception tree of statebound: user errors (model, property, input) and internal errors."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import get_close_matches

__all__ = [
    "StateboundError",
    "UserError",
    "ModelError",
    "PropertyError",
    "InputError",
    "InternalError",
    "Problem",
    "suggest",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One thing wrong with a definition: where it is, what is wrong, how to fix it."""

    where: str
    what: str
    fix: str = ""

    def __str__(self) -> str:
        head = f"{self.where}: {self.what}" if self.where else self.what
        return head + (f"; {self.fix}" if self.fix else "")


def suggest(word: str, choices: Iterable[str], *, default: str = "") -> str:
    """Return ``did you mean 'x'?`` for the closest of *choices*, else *default*."""
    hits = get_close_matches(word, sorted(choices), n=1)
    return f"did you mean {hits[0]!r}?" if hits else default


class StateboundError(Exception):
    """Root of every error statebound raises on purpose."""


class UserError(StateboundError, ValueError):
    """Something the user can fix: a model, a property, a file or a command-line value."""

    def __init__(self, problems: str | Problem | Sequence[Problem]) -> None:
        if isinstance(problems, (str, Problem)):
            problems = [problems if isinstance(problems, Problem) else _plain(problems)]
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def lines(self) -> tuple[str, ...]:
        """One line per problem, as the CLI prints them."""
        return tuple(str(p) for p in self.problems)


class ModelError(UserError):
    """A malformed model: every problem found, each as ``where: what; how to fix``."""

    def __init__(self, problems: str | Problem | Sequence[Problem], *, trace: object = None) -> None:
        super().__init__(problems)
        #: the execution that reaches the problem, for errors found while exploring (a Trace)
        self.trace = trace


class PropertyError(UserError):
    """A malformed property (unknown variable, wrong type, unknown tag)."""


class InputError(UserError):
    """A bad file, target or command-line value; carries the path and line when known."""

    def __init__(
        self,
        problems: str | Problem | Sequence[Problem],
        *,
        path: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(problems)
        self.path = path
        self.line = line


class InternalError(StateboundError):
    """A bug in statebound; please report it."""


def _plain(message: str) -> Problem:
    where, sep, rest = message.partition(": ")
    if not sep:
        return Problem(where="", what=message)
    what, sep2, fix = rest.partition("; ")
    return Problem(where=where, what=what, fix=fix if sep2 else "")

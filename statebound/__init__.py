"""statebound: a model checker for the lifecycles of web clients.

This is the one name statebound installs. Models are written against it::

    from statebound import Enum, Instance, Machine, System, Transition, Var, always, sometimes

The language, the engines and the results live in :mod:`statebound.checker`; diagrams in
:mod:`statebound.diagrams`; the reusable Phase 3 building blocks in :mod:`statebound.models`
and the session-boundary rules in :mod:`statebound.properties`. The command line is
:mod:`statebound.cli` (``statebound`` on the PATH, or ``python -m statebound``).

The facade re-exports the checker's public names, each imported on first use (PEP 562), so
``statebound --help`` does not load the engines (issue 13: start-up).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .checker import __all__ as _checker_all

if TYPE_CHECKING:
    from .checker import *  # noqa: F403 - the facade re-exports the checker's public names

__all__ = list(_checker_all)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name not in _checker_all:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import checker

    value = getattr(checker, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_checker_all))

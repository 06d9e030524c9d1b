"""statebound: a model checker for the lifecycles of web clients.

This is the one name statebound installs. Models are written against it::

    from statebound import Enum, Instance, Machine, System, Transition, Var, always, sometimes

The language, the engines and the results live in :mod:`statebound.checker`; diagrams in
:mod:`statebound.diagrams`; the reusable Phase 3 building blocks in :mod:`statebound.models`
and the session-boundary rules in :mod:`statebound.properties`. The command line is
:mod:`statebound.cli` (``statebound`` on the PATH, or ``python -m statebound``).
"""

from .checker import *  # noqa: F403 - the facade re-exports the checker's public names
from .checker import __all__ as _checker_all

__all__ = list(_checker_all)
__version__ = "0.1.0"

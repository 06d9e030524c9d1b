"""The engines: one room each, behind one interface (:class:`Engine`).

``explicit`` (the reference engine, in ``reference/``): explicit-state breadth-first search, the
oracle every other engine is tested against. Further engines (fast explicit, symbolic on z3,
random on Hypothesis) live beside it and are looked up by name with :func:`engine`
(``explicit``, ...), which imports an engine only when it is asked for (z3, numpy and Hypothesis
cost start-up time). ``auto`` (:mod:`.auto`, the default of ``statebound check``) is a policy
over the others: explicit on a small space, fast on a large one, then induction and bmc.
"""

from __future__ import annotations

import importlib

from ..errors import InputError, suggest
from .base import Budget, Engine, Progress

__all__ = ["Budget", "Engine", "Progress", "ENGINES", "engine"]

#: engine name -> "module:attribute" of a zero-argument factory, imported on first use
ENGINES: dict[str, str] = {
    "explicit": "statebound.checker.engines.reference:ReferenceEngine",
    "random": "statebound.checker.engines.random:RandomEngine",
    "fast": "statebound.checker.engines.fast:FastEngine",
    "auto": "statebound.checker.engines.auto:AutoEngine",
    "bmc": "statebound.checker.engines.symbolic:BmcEngine",
    "induction": "statebound.checker.engines.symbolic:InductionEngine",
}


def engine(name: str) -> Engine:
    """The engine called *name* (``explicit``, ...); an unknown name is an :class:`InputError`."""
    where = ENGINES.get(name)
    if where is None:
        known = "engines: " + ", ".join(ENGINES)
        raise InputError(f"--engine {name!r}: no such engine; " + suggest(name, ENGINES, default=known))
    module, _, attr = where.partition(":")
    factory = getattr(importlib.import_module(module), attr)
    made: Engine = factory()
    return made

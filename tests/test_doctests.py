"""Every docstring example in the shipped packages runs, imported under its installed name.

(pytest's ``--doctest-modules`` would import ``checker/expr.py`` as a top-level ``checker``
module, a second copy beside ``statebound.checker``; this walks the installed package instead.)
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import statebound

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(statebound.__path__, prefix="statebound.")
    if info.name not in {"statebound.__main__"}
)
# subpackages mapped from other folders are not under statebound.__path__: walk each one too
for sub in ("checker", "diagrams", "models", "properties"):
    pkg = importlib.import_module(f"statebound.{sub}")
    MODULES += sorted(info.name for info in pkgutil.walk_packages(pkg.__path__, prefix=f"statebound.{sub}."))
    MODULES.append(f"statebound.{sub}")
MODULES = sorted(set(MODULES))


def test_the_walk_finds_the_packages() -> None:
    assert {"statebound.checker.expr", "statebound.diagrams.mermaid", "statebound.cli"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    result = doctest.testmod(module, optionflags=flags, report=True, verbose=False)
    assert result.failed == 0, f"{result.failed} docstring example(s) of {name} failed (see the output above)"

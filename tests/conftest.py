"""Shared test set-up: Hypothesis profiles.

``ci`` (loaded when the ``CI`` environment variable is set) is derandomized and keeps no example
database, so a CI run is reproducible and leaves nothing behind; ``dev`` (the default) explores
new examples on every run. Select one explicitly with ``HYPOTHESIS_PROFILE=<name>``.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    max_examples=50,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    # explicit parent: when CI is set Hypothesis itself may already have made a derandomized
    # profile the default, which a profile registered without a parent would inherit
    parent=settings.get_profile("default"),
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# a long bug hunt: HYPOTHESIS_PROFILE=thorough pytest tests/checker
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

# tests/zoo.py and tests/strategies.py are imported as top-level modules (``import zoo``) by the
# test files; make that work whether or not tests/ becomes a package later.
import sys  # noqa: E402

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


def pytest_addoption(parser: pytest.Parser) -> None:
    # here, not in tests/diagrams/conftest.py: pytest only reads options from the root conftest
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the expected .dot/.mmd files of tests/diagrams/golden instead of comparing",
    )

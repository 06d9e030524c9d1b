"""The Hypothesis profiles of tests/conftest.py: CI runs are reproducible and leave nothing behind."""

from __future__ import annotations

import os

from hypothesis import settings


def test_the_ci_profile_is_derandomized_and_keeps_no_database() -> None:
    ci = settings.get_profile("ci")
    assert ci.derandomize is True
    assert ci.database is None
    assert ci.max_examples <= 100


def test_the_ci_profile_is_loaded_when_ci_is_set() -> None:
    if os.environ.get("CI") and not os.environ.get("HYPOTHESIS_PROFILE"):
        assert settings.default.derandomize is True
        assert settings.default.database is None
    assert settings.get_profile("dev").derandomize is False

"""Each session-boundary rule of the plan as its own CI test: a failure prints the counterexample.

This is how a team keeps the rules in CI: one test per rule and configuration, through
``checker.testing``, so a regression in the plan's design fails with the shortest sequence of
events that breaks the rule.
"""

from __future__ import annotations

import pytest

from statebound.checker.testing import assert_holds, property_names
from statebound.models import phase3

CONFIGS = {
    "default": {},
    "strict-mode": {"strict_mode": True},
    "post-auth": {"auth_mode": "post-auth"},
}


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("rule", property_names(phase3.after()))
def test_after_meets_the_rule(rule: str, config: str) -> None:
    assert_holds(phase3.after(**CONFIGS[config]), rule)


def test_a_broken_rule_fails_with_its_counterexample() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_holds(phase3.before(), "no-retry-after-auth-failure")
    message = str(failure.value)
    assert message.startswith("no-retry-after-auth-failure is violated:")
    assert "useUnifiedAgentChat.ws: handshake_rejected_401" in message
    assert "useUnifiedAgentChat.client: retry" in message

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
    "post-auth": {"auth_mode": "post-auth"},
    "two-chats": {"chats": 2},
}


CASES = [(config, rule) for config in sorted(CONFIGS)
         for rule in property_names(phase3.after(**CONFIGS[config]))]  # type: ignore[arg-type]


@pytest.mark.parametrize(("config", "rule"), CASES)
def test_after_meets_the_rule(config: str, rule: str) -> None:
    assert_holds(phase3.after(**CONFIGS[config]), rule)  # type: ignore[arg-type]


def test_a_broken_rule_fails_with_its_counterexample() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_holds(phase3.before(), "no-retry-after-auth-failure-chat-assistant")
    message = str(failure.value)
    assert message.startswith("no-retry-after-auth-failure-chat-assistant is violated:")
    assert "ChatAssistant.client.ws1: handshake_rejected_401" in message
    assert "ChatAssistant.client: retry" in message


def test_the_effect_cleanup_design_fails_the_literal_claim_as_a_test() -> None:
    with pytest.raises(AssertionError, match="no-live-socket-when-not-active is violated"):
        assert_holds(phase3.effect_cleanup_close(), "no-live-socket-when-not-active")

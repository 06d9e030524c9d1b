"""The rule catalogue of issues 3 and 10: every rule has a property, a witness and a rule number."""

from __future__ import annotations

from statebound.checker import Always
from statebound.models import phase3
from statebound.properties.session_boundary import RULES, rule_of, slug


def test_every_rule_has_a_property_and_a_witness() -> None:
    props = phase3.after(chats=2).properties
    rules = {rule_of(p.name) for p in props}
    assert rules == set(range(1, 11))
    for rule in rules:
        kinds = {p.kind for p in props if rule_of(p.name) == rule}
        assert "sometimes" in kinds and len(kinds) >= 2, (rule, kinds)


def test_rule_2_is_the_literal_claim() -> None:
    (rule,) = [p for p in phase3.after().properties if p.name == "no-live-socket-when-not-active"]
    assert isinstance(rule, Always)
    # no escape clause over the components' bookkeeping: only sockets and the session
    refs = str(rule.expr)
    assert "ChatAssistant" not in refs and "session" in refs and "ready" in refs


def test_recovery_has_one_property_per_owner_and_no_retry_one_per_client() -> None:
    names = [p.name for p in phase3.after(chats=2, experience=True).properties]
    assert [n for n in names if n.startswith("recovery-") and not n.endswith("-witness")] == [
        "recovery-chat-assistant1", "recovery-chat-assistant2", "recovery-experience-plane-client"]
    assert [n for n in names if n.startswith("no-retry-") and not n.endswith("-witness")] == [
        "no-retry-after-auth-failure-chat-provider", "no-retry-after-auth-failure-experience-plane-client"]


def test_rule_numbers_and_names() -> None:
    assert rule_of("no-live-socket-when-not-active-witness") == 2
    assert rule_of("client-agrees-with-its-socket") == 6
    assert rule_of("message-only-when-active") == 8
    assert rule_of("deadlock-free") is None
    assert sorted(set(RULES.values())) == list(range(1, 11))
    assert slug("useUnifiedAgentChat.client") == "use-unified-agent-chat"

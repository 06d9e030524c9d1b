"""The rule catalogue of issue 3: every rule has a witness and a rule number."""

from __future__ import annotations

from statebound.models import phase3
from statebound.properties.session_boundary import rule_of


def test_every_rule_of_issue_3_has_a_property_and_a_witness() -> None:
    props = phase3.after(experience=True).properties
    names = [p.name for p in props]
    rules = {rule_of(n) for n in names}
    assert rules == {1, 2, 3, 4, 5, 6, 7}
    for rule in rules:
        kinds = {p.kind for p in props if rule_of(p.name) == rule}
        assert "sometimes" in kinds and len(kinds) >= 2


def test_recovery_has_one_property_per_owner() -> None:
    names = [p.name for p in phase3.after(experience=True, guide=False).properties]
    assert [n for n in names if n.startswith("recovery-") and not n.endswith("-witness")] == [
        "recovery-chat-assistant", "recovery-experience-plane-client"]


def test_rule_of_knows_the_strict_form_and_nothing_else() -> None:
    assert rule_of("no-live-socket-when-not-active-strict") == 2
    assert rule_of("deadlock-free") is None

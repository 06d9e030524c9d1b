"""The Phase 3 verdicts of issue 3, pinned: state counts, violated rules, counterexample lengths."""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest

from statebound.checker import Machine, ModelError, Report, System, Transition, Verdict, check, ref
from statebound.models import phase3
from statebound.models.components import Owned
from statebound.properties.session_boundary import no_live_socket_when_not_active_strict, rule_of


@cache
def _report(variant: str, **params: object) -> Report:
    return check(getattr(phase3, variant)(**params))


def _run(variant: str, params: dict[str, object]) -> Report:
    return _report(variant, **params)


def _violated_rules(report: Report) -> set[int]:
    return {rule_of(o.property) for o in report.outcomes if o.verdict is Verdict.VIOLATED}  # type: ignore[misc]


def _lengths(report: Report) -> dict[str, int]:
    return {o.property: len(o.trace) for o in report.outcomes if o.verdict is Verdict.VIOLATED and o.trace}


@pytest.mark.parametrize(("variant", "params", "states"), [
    ("before", {}, 5248),
    ("after", {}, 828),
    ("after", {"strict_mode": True}, 828),
    ("after", {"auth_mode": "post-auth"}, 796),
    ("after", {"experience": True}, 29804),
])
def test_reachable_state_counts_are_pinned(variant: str, params: dict[str, object], states: int) -> None:
    assert _run(variant, params).coverage.states == states


@pytest.mark.parametrize("params", [
    {},
    {"strict_mode": True},
    {"auth_mode": "post-auth"},
    {"auth_mode": "pre-auth", "strict_mode": True},
    {"auth_mode": "post-auth", "strict_mode": True},
    {"retries": 2},
    {"logins": 2},
    {"experience": True},
])
def test_after_holds_every_rule_and_every_witness(params: dict[str, object]) -> None:
    report = _run("after", params)
    assert [o.property for o in report.outcomes if o.verdict is not Verdict.HOLDS] == []
    assert all(not o.warnings for o in report.outcomes)
    assert report.coverage.complete and report.coverage.unfired == ()


def test_before_violates_rules_one_to_five_with_shortest_counterexamples() -> None:
    report = _run("before", {})
    assert _violated_rules(report) == {1, 2, 3, 4, 5, 7}
    assert _lengths(report) == {
        "connect-only-when-active": 1,
        "no-live-socket-when-not-active": 1,
        "disconnect-after-invalidation": 5,
        "no-retry-after-auth-failure": 4,
        "one-live-client-per-endpoint": 1,
        "recovery-chat-assistant": 10,
    }


@pytest.mark.parametrize(("params", "rules"), [
    ({"strict_mode": True}, {1, 2, 3, 4, 5, 7}),
    ({"auth_mode": "post-auth"}, {1, 2, 3, 4, 5, 7}),
    ({"policy": "reference"}, {1, 2, 3, 5, 7}),
])
def test_before_variants_violate_the_pinned_rules(params: dict[str, object], rules: set[int]) -> None:
    assert _violated_rules(_run("before", params)) == rules


def _steps(report: Report, prop: str) -> list[str]:
    trace = report.outcome(prop).trace
    assert trace is not None
    return [s.label for s in trace.steps]


def test_before_counterexamples_read_like_the_audit() -> None:
    report = _run("before", {})
    # useUnifiedAgentChat connects without checking the session; ChatAssistant opens a second client
    assert _steps(report, "connect-only-when-active") == ["ChatAssistant.mount"]
    mount = report.outcome("one-live-client-per-endpoint").trace.steps[0]  # type: ignore[union-attr]
    assert ("ChatAssistant.client", "connect[ChatAssistant.connect]") in mount.receivers
    assert ("useUnifiedAgentChat.client", "connect[ChatAssistant.connect]") in mount.receivers
    # a 401 the browser sees as 1006 is retried
    assert _steps(report, "no-retry-after-auth-failure") == [
        "server.token_expires", "ChatAssistant.mount", "useUnifiedAgentChat.ws.handshake_rejected_401",
        "useUnifiedAgentChat.client.retry",
    ]
    # after logout the hook's socket stays open for ever (pre-auth: the server never re-checks it)
    trace = report.outcome("disconnect-after-invalidation").trace
    assert trace is not None and trace.loop == len(trace.steps)
    assert "session.logout" in [s.label for s in trace.steps]
    assert trace.final()["useUnifiedAgentChat.ws.ready"] == "OPEN"


def test_the_strict_form_of_rule_2_cannot_be_met_by_an_effect_cleanup() -> None:
    system = phase3.after()
    wiring = (Owned(owner="ChatAssistant", client="useUnifiedAgentChat.client",
                    socket="useUnifiedAgentChat.ws", endpoint="chat"),)
    report = check(dataclasses.replace(system, properties=no_live_socket_when_not_active_strict(wiring)))
    outcome = report.outcome("no-live-socket-when-not-active-strict")
    assert outcome.verdict is Verdict.VIOLATED
    assert _steps(report, "no-live-socket-when-not-active-strict") == [
        "server.answer_probe_200", "ChatAssistant.mount", "session.logout"]


@pytest.mark.parametrize(("safeguard", "params", "rule", "length"), [
    ("mount-gate", {}, 1, 1),
    ("retry-gate", {}, 1, 6),
    ("mount-gate", {}, 2, 1),
    ("session-cleanup", {}, 3, 4),
    ("verify-before-retry", {}, 4, 5),
    ("verify-before-retry", {"auth_mode": "post-auth"}, 4, 10),
    ("consolidation", {"strict_mode": True}, 5, 2),
    ("generation-check", {"strict_mode": True}, 6, 3),
    ("online-revival", {}, 7, 8),
])
def test_removing_a_safeguard_of_after_breaks_its_rule(safeguard: str, params: dict[str, object], rule: int,
                                                       length: int) -> None:
    report = _run("after", {"without": safeguard, **params})
    broken = {o.property: len(o.trace) for o in report.outcomes
              if o.verdict is Verdict.VIOLATED and o.trace and rule_of(o.property) == rule}
    assert broken and min(broken.values()) == length


def test_a_policy_that_retries_every_close_breaks_the_no_retry_rule_in_after() -> None:
    assert 4 in _violated_rules(_run("after", {"policy": "naive"}))


def test_two_chat_assistants_each_with_its_hook_open_two_sockets_to_one_endpoint() -> None:
    # a finding: the plan's "ChatAssistant uses useUnifiedAgentChat" is not enough when two are mounted
    report = _run("after", {"chats": 2})
    assert _violated_rules(report) == {5}
    assert _lengths(report)["one-live-client-per-endpoint"] == 3


def test_the_client_may_not_read_the_hidden_handshake_status() -> None:
    system = phase3.after()
    client = system.instance("useUnifiedAgentChat.client").machine
    cheat = Transition("peek", guard=~ref("server", "token_valid"))
    cheating = dataclasses.replace(client, transitions=(*client.transitions, cheat))
    instances = tuple(dataclasses.replace(i, machine=cheating) if i.name == "useUnifiedAgentChat.client" else i
                      for i in system.instances)
    with pytest.raises(ModelError, match="reads hidden variable server.token_valid"):
        System(name="cheat", instances=instances, properties=system.properties)
    assert isinstance(client, Machine) and client.implementation


def test_bad_parameters_are_reported_together() -> None:
    with pytest.raises(ValueError, match=r"auth_mode='sso'.*policy='eager'.*without='typo'"):
        phase3.after(auth_mode="sso", policy="eager", without="typo")


def test_systems_carry_their_parameters() -> None:
    assert dict(phase3.before().params)["policy"] == "naive"
    assert dict(phase3.after(strict_mode=True).params)["strict_mode"] is True

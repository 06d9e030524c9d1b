"""The Phase 3 verdicts of issues 3 and 10, pinned: state counts, violated rules, counterexamples.

Each default configuration checks in well under a second; the ones marked ``SLOW`` take a few
seconds and run in CI (``HYPOTHESIS_PROFILE=ci``, ``CI`` or ``STATEBOUND_SLOW=1``). Larger ones
(``before --param chats=2``: 359,552 states, about 90 s) are in docs/phase3.md, not here.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

from statebound.checker import Machine, ModelError, Report, System, Transition, Verdict, check, ref
from statebound.models import phase3
from statebound.properties.session_boundary import rule_of

ROOT = Path(__file__).resolve().parents[2]
SLOW = pytest.mark.skipif(
    not (os.environ.get("CI") or os.environ.get("STATEBOUND_SLOW") or os.environ.get("HYPOTHESIS_PROFILE") == "ci"),
    reason="a few seconds: runs in CI (STATEBOUND_SLOW=1 runs it here)")


@cache
def _report(variant: str, params: tuple[tuple[str, object], ...]) -> Report:
    return check(getattr(phase3, variant)(**dict(params)))


def _run(variant: str, params: dict[str, object] | None = None) -> Report:
    return _report(variant, tuple(sorted((params or {}).items())))


def _violated_rules(report: Report) -> set[int]:
    return {rule_of(o.property) for o in report.outcomes if o.verdict is Verdict.VIOLATED}  # type: ignore[misc]


def _lengths(report: Report) -> dict[str, int]:
    return {o.property: len(o.trace) for o in report.outcomes if o.verdict is Verdict.VIOLATED and o.trace}


def _steps(report: Report, prop: str) -> list[str]:
    trace = report.outcome(prop).trace
    assert trace is not None
    return [s.label for s in trace.steps]


# --------------------------------------------------------------------------- after

AFTER = [
    ({}, 2884),
    ({"chats": 2}, 7196),
    ({"strict_mode": True}, 2884),  # the token request makes the first effect run's attempt invisible
    ({"chats": 2, "strict_mode": True}, 7196),
    ({"auth_mode": "post-auth"}, 2848),
    ({"logins": 2}, 4318),
    ({"retries": 2}, 3556),
    ({"probe_sees_403": False}, 2884),  # after does not ask the probe: same states as with a probe that sees it
    ({"refresh": True}, 24256),
    ({"refresh": True, "auth_mode": "post-auth"}, 24112),
    pytest.param({"experience": True}, 43168, marks=SLOW),
    pytest.param({"guide": True}, 43168, marks=SLOW),
]


@pytest.mark.parametrize(("params", "states"), AFTER)
def test_after_holds_every_rule_and_every_witness(params: dict[str, object], states: int) -> None:
    report = _run("after", params)
    assert [o.property for o in report.outcomes if o.verdict is not Verdict.HOLDS] == []
    assert [o.property for o in report.outcomes if o.warnings] == []
    assert report.coverage.complete and report.coverage.unfired == ()
    assert report.coverage.states == states


def test_after_has_every_rule_of_issue_10() -> None:
    names = {o.property for o in _run("after").outcomes}
    assert {rule_of(n) for n in names} - {None} == set(range(1, 11))
    assert {"no-live-socket-when-not-active", "open-only-when-active", "message-only-when-active",
            "no-socket-for-unmounted-owner", "valid-session-never-invalidated"} <= names


def test_the_session_store_closes_the_socket_in_the_logout_step() -> None:
    # the literal claim: no state between the logout and the close
    report = _run("closing_waits_for_1000")
    trace = report.outcome("client-agrees-with-its-socket").trace
    assert trace is not None
    logout = trace.steps[4]
    assert logout.label == "session.logout"
    assert ("ChatProvider.client", "close_on[session.logout]") in logout.receivers
    assert ("ChatProvider.client.ws1", "close_on[session.logout]") in logout.receivers


def test_the_cli_verdicts_of_before_and_after() -> None:
    cli = [sys.executable, "-m", "statebound", "check", "--no-out"]
    assert subprocess.run([*cli, "models/phase3.py:after"], cwd=ROOT, capture_output=True).returncode == 0
    assert subprocess.run([*cli, "models/phase3.py:before"], cwd=ROOT, capture_output=True).returncode == 1


# --------------------------------------------------------------------------- before


def test_before_violates_rules_one_to_five_with_shortest_counterexamples() -> None:
    report = _run("before")
    assert report.coverage.states == 3392
    assert _violated_rules(report) == {1, 2, 3, 4, 5, 7, 8}
    assert _lengths(report) == {
        "connect-only-when-active": 2,
        "no-live-socket-when-not-active": 2,
        "disconnect-after-invalidation": 7,
        "no-retry-after-auth-failure-use-unified-agent-chat": 6,
        "no-retry-after-auth-failure-chat-assistant": 6,
        "one-live-client-per-endpoint": 3,
        "recovery-chat-assistant": 14,
        "open-only-when-active": 3,
        "message-only-when-active": 4,
    }


@pytest.mark.parametrize(("params", "states", "rules"), [
    ({"auth_mode": "post-auth"}, 3392, {1, 2, 3, 4, 5, 7, 8}),
    ({"policy": "reference"}, 6051, {2, 3, 4, 5, 7, 8}),
    pytest.param({"experience": True}, 23744, {1, 2, 3, 4, 5, 7, 8}, marks=SLOW),
    pytest.param({"strict_mode": True}, 54272, {1, 2, 3, 4, 5, 7, 8}, marks=SLOW),
])
def test_before_variants_violate_the_pinned_rules(params: dict[str, object], states: int, rules: set[int]) -> None:
    report = _run("before", params)
    assert report.coverage.states == states
    assert _violated_rules(report) == rules


def test_before_counterexamples_read_like_the_audit() -> None:
    report = _run("before")
    # useUnifiedAgentChat connects without checking the session
    assert _steps(report, "connect-only-when-active") == [
        "ChatAssistant.mount", "useUnifiedAgentChat.client.new_websocket[useUnifiedAgentChat.client.ws1]"]
    # ChatAssistant opens a second client on the same endpoint
    mount = report.outcome("one-live-client-per-endpoint").trace.steps[0]  # type: ignore[union-attr]
    assert ("ChatAssistant.client", "subscribe[ChatAssistant.subscribe]") in mount.receivers
    assert ("useUnifiedAgentChat.client", "subscribe[ChatAssistant.subscribe]") in mount.receivers
    # a 401 the browser sees as 1006 is retried
    assert _steps(report, "no-retry-after-auth-failure-chat-assistant") == [
        "server.token_expires", "ChatAssistant.mount", "ChatAssistant.client.new_websocket[ChatAssistant.client.ws1]",
        "ChatAssistant.client.ws1.handshake_rejected_401", "ChatAssistant.client.retry",
        "ChatAssistant.client.new_websocket[ChatAssistant.client.ws1]",
    ]
    # after logout the sockets stay open for ever (pre-auth: the server never re-checks them)
    trace = report.outcome("disconnect-after-invalidation").trace
    assert trace is not None and trace.loop == len(trace.steps)
    assert "session.logout" in [s.label for s in trace.steps]


# --------------------------------------------------------------------------- named unsafe variants


@pytest.mark.parametrize(("variant", "params", "states", "rules", "prop", "steps"), [
    # the issue-3 design: the effect cleanup closes, a step after the logout
    ("effect_cleanup_close", {}, 5844, {2, 8}, "no-live-socket-when-not-active", [
        "server.answer_probe_200", "ChatAssistant.mount", "server.answer_token[ChatProvider.client]",
        "ChatProvider.client.new_websocket[ChatProvider.client.ws1]", "session.logout"]),
    ("effect_cleanup_close", {"auth_mode": "post-auth"}, 5748, {2, 8}, "open-only-when-active", [
        "server.answer_probe_200", "ChatAssistant.mount", "server.answer_token[ChatProvider.client]",
        "ChatProvider.client.new_websocket[ChatProvider.client.ws1]", "session.logout",
        "ChatProvider.client.ws1.handshake_accepted"]),
    # one client per hook: two ChatAssistants, two sockets on the chat endpoint
    ("per_hook_clients", {}, 10542, {5}, "one-live-client-per-endpoint", [
        "server.answer_probe_200", "ChatAssistant1.mount", "server.answer_token[useUnifiedAgentChat1.client]",
        "ChatAssistant2.mount", "server.answer_token[useUnifiedAgentChat2.client]",
        "useUnifiedAgentChat1.client.new_websocket[useUnifiedAgentChat1.client.ws1]",
        "useUnifiedAgentChat2.client.new_websocket[useUnifiedAgentChat2.client.ws1]"]),
    # the issue-3 client waits in Closing for a 1000; close() while CONNECTING ends with 1006
    ("closing_waits_for_1000", {}, 3076, {6}, "client-agrees-with-its-socket", [
        "server.answer_probe_200", "ChatAssistant.mount", "server.answer_token[ChatProvider.client]",
        "ChatProvider.client.new_websocket[ChatProvider.client.ws1]", "session.logout",
        "ChatProvider.client.ws1.connection_failed"]),
    # a reconnect with the token it got before a refresh: the 4401 ends a valid session
    ("stale_token_reconnect", {}, 15488, {10}, "valid-session-never-invalidated", [
        "server.answer_probe_200", "ChatAssistant.mount", "server.answer_token[ChatProvider.client]",
        "session.refresh_start", "server.answer_refresh", "ChatProvider.client.new_websocket[ChatProvider.client.ws1]",
        "ChatProvider.client.ws1.handshake_accepted", "ChatProvider.client.ws1.server_close_4401_stale_token"]),
    # ... and with a pre-auth server, a 401 it cannot see is retried with the same token
    ("stale_token_reconnect", {"auth_mode": "pre-auth"}, 14552, {4, 7}, "no-retry-after-auth-failure-chat-provider", [
        "server.answer_probe_200", "ChatAssistant.mount", "server.answer_token[ChatProvider.client]",
        "server.token_expires", "ChatProvider.client.new_websocket[ChatProvider.client.ws1]",
        "ChatProvider.client.ws1.handshake_rejected_401", "ChatProvider.client.retry",
        "ChatProvider.client.new_websocket[ChatProvider.client.ws1]"]),
    # re-verification through a probe that cannot see a 403: the 403 is retried
    ("probe_reverify", {"probe_sees_403": False}, 2836, {4}, "no-retry-after-auth-failure-chat-provider", [
        "server.answer_probe_200", "server.permission_revoked", "ChatAssistant.mount",
        "ChatProvider.client.new_websocket[ChatProvider.client.ws1]", "ChatProvider.client.ws1.handshake_rejected_403",
        "server.verify_ok[ChatProvider.client]", "ChatProvider.client.retry",
        "ChatProvider.client.new_websocket[ChatProvider.client.ws1]"]),
])
def test_each_named_unsafe_variant_is_caught(variant: str, params: dict[str, object], states: int, rules: set[int],
                                             prop: str, steps: list[str]) -> None:
    report = _run(variant, params)
    assert report.coverage.states == states
    assert _violated_rules(report) == rules
    assert _steps(report, prop) == steps


def test_the_stale_token_reconnect_with_a_pre_auth_server_is_a_401_loop() -> None:
    trace = _run("stale_token_reconnect", {"auth_mode": "pre-auth"}).outcome("recovery-chat-assistant").trace
    assert trace is not None and trace.loop is not None and len(trace.steps) == 11
    # after a refresh, the cached token is rejected, retried, rejected... for ever
    assert [s.label for s in trace.steps[trace.loop:]] == [
        "ChatProvider.client.new_websocket[ChatProvider.client.ws1]",
        "ChatProvider.client.ws1.handshake_rejected_stale_token", "ChatProvider.client.retry"]


def test_the_probe_assumption_is_checked_both_ways() -> None:
    # the issue-3 client relies on it; after does not (its token request applies the permission)
    assert _violated_rules(_run("probe_reverify", {"probe_sees_403": True})) == set()
    assert _run("probe_reverify", {"probe_sees_403": True}).coverage.states == 2788
    assert _violated_rules(_run("probe_reverify", {"probe_sees_403": False})) == {4}
    assert _violated_rules(_run("after", {"probe_sees_403": False})) == set()
    assert _violated_rules(_run("after", {"probe_sees_403": False, "without": "token-permission"})) == {4}


def test_a_close_while_connecting_ends_with_1006_and_the_client_leaves_closing() -> None:
    report = _run("closing_waits_for_1000")
    trace = report.outcome("client-agrees-with-its-socket").trace
    assert trace is not None
    failed = trace.steps[-1]
    assert failed.event == "ChatProvider.client.ws1.close_1006"
    assert trace.final()["ChatProvider.client.state"] == "Closing"  # the issue-3 client is stuck
    assert trace.final()["ChatProvider.client.ws1.ready"] == "CLOSED"
    # the reference client leaves Closing on that 1006
    client = phase3.after().instance("ChatProvider.client").machine
    assert client.transition("on_close_1006_while_closing[ChatProvider.client.ws1]") is not None


# --------------------------------------------------------------------------- mutations


@pytest.mark.parametrize(("safeguard", "params", "rule", "length"), [
    ("store-close", {}, 2, 5),
    ("session-gate", {}, 1, 3),
    ("cancel-fetch", {}, 9, 5),
    ("token-permission", {}, 4, 9),
    ("generation-check", {}, 6, 9),
    ("closing-on-any-close", {}, 6, 6),
    ("online-revival", {}, 7, 12),
    ("refcount", {"chats": 2}, 7, 4),
    ("idempotent-connect", {"chats": 2}, 5, 7),
    ("token-generation", {"refresh": True, "auth_mode": "post-auth"}, 10, 8),
])
def test_removing_a_safeguard_of_after_breaks_its_rule(safeguard: str, params: dict[str, object], rule: int,
                                                       length: int) -> None:
    assert phase3.SAFEGUARDS[safeguard] == rule
    report = _run("after", {"without": safeguard, **params})
    broken = {o.property: len(o.trace) for o in report.outcomes
              if o.verdict is Verdict.VIOLATED and o.trace and rule_of(o.property) == rule}
    assert broken and min(broken.values()) == length


def test_every_safeguard_has_a_mutation_test() -> None:
    tested = {"store-close", "session-gate", "cancel-fetch", "token-permission", "generation-check",
              "closing-on-any-close", "online-revival", "refcount", "idempotent-connect", "token-generation"}
    assert set(phase3.SAFEGUARDS) == tested


def test_a_client_object_per_effect_run_without_cleanup_is_caught_under_strict_mode() -> None:
    # `useEffect(() => { const c = new RuntimeClient(); c.connect() })`: StrictMode's first run leaks
    leaky = _run("per_hook_clients", {"chats": 1, "strict_mode": True, "dispose": False})
    assert leaky.coverage.states == 8230
    assert 5 in _violated_rules(leaky)
    assert _lengths(leaky)["one-live-client-per-endpoint"] == 6
    # disposing of it in the cleanup (or no StrictMode) is fine
    assert _violated_rules(_run("per_hook_clients", {"chats": 1, "strict_mode": True})) == set()


# --------------------------------------------------------------------------- the building blocks


def test_the_client_may_not_read_the_hidden_handshake_status() -> None:
    system = phase3.after()
    client = system.instance("ChatProvider.client").machine
    cheat = Transition("peek", guard=~ref("server", "token_valid"))
    cheating = dataclasses.replace(client, transitions=(*client.transitions, cheat))
    instances = tuple(dataclasses.replace(i, machine=cheating) if i.name == "ChatProvider.client" else i
                      for i in system.instances)
    with pytest.raises(ModelError, match="reads hidden variable server.token_valid"):
        System(name="cheat", instances=instances, properties=system.properties)
    assert isinstance(client, Machine) and client.implementation


def test_bad_parameters_are_reported_together() -> None:
    with pytest.raises(ValueError, match=r"auth_mode='sso'.*without='typo'"):
        phase3.after(auth_mode="sso", without="typo")
    with pytest.raises(ValueError, match=r"policy='eager'"):
        phase3.before(policy="eager")


def test_systems_carry_their_parameters() -> None:
    assert dict(phase3.before().params)["policy"] == "naive"
    assert dict(phase3.after(strict_mode=True).params)["strict_mode"] is True
    assert dict(phase3.per_hook_clients().params)["dispose"] is True

"""Conformance of real code to the Phase 3 models (issue 12): the reference client passes; the naive
client, two reference clients broken on purpose and a server that closes with a code the model
does not have are each caught with a shrunk trace. Every test starts its own server on an
ephemeral port and checks that no task or socket is left once the adapter is closed."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest
from conformance.phase3 import (
    Phase3Adapter,
    closes_only_open,
    ignores_generation,
    misconfigured_server,
    naive,
    reference,
)
from leftovers import open_sockets

from statebound.checker.conformance import ConformanceResult, conform, conform_steps
from statebound.checker.errors import InputError
from statebound.checker.machine import System
from statebound.checker.result import ExitCode, Verdict
from statebound.models.phase3 import after, before

C = "ChatProvider.client"


def check(factory: Callable[[System], Phase3Adapter], system: System, *, scenario: list[str] | None = None,
          **options: Any) -> ConformanceResult:
    """Conformance of *factory*'s implementation to *system*; asserts that closing the adapter
    leaves no asyncio task, no socket and no listening port behind."""
    sockets = open_sockets()
    with factory(system) as adapter:
        port = adapter.server.port
        if scenario is None:
            result = conform(system, adapter, **options)
        else:
            result = conform_steps(system, adapter, scenario, **options)
    assert adapter.leftover_tasks == 0 and adapter.loop.is_closed()
    assert open_sockets() == sockets
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    return result


@pytest.mark.parametrize("params", [{}, {"auth_mode": "post-auth"}, {"chats": 2, "retries": 2}],
                         ids=["pre-auth", "post-auth", "two-chats"])
def test_the_reference_client_conforms_to_after_over_a_few_hundred_steps(params: dict[str, Any]) -> None:
    system = after(**params)
    result = check(reference, system, runs=40, steps=40)
    assert result.divergence is None, "\n".join(result.divergence.lines())
    assert result.report.violated == ()
    cov = result.report.coverage
    assert cov.steps >= 300 and cov.states >= 100
    witnessed = [o.property for o in result.report.outcomes if o.verdict is Verdict.HOLDS]
    assert len(witnessed) >= 6  # the implementation's runs reach what the rules are about
    assert result.exit_code() is ExitCode.INCONCLUSIVE  # random runs prove nothing


def test_the_naive_client_diverges_from_after_at_its_first_connect() -> None:
    d = check(naive, after(), runs=20, steps=30).divergence
    assert d is not None and (d.step, d.label) == (1, "ChatAssistant.mount")
    assert d.expected == f"{C}.state = Idle, {C}.ws1.ready = CLOSED"  # the session is still Unknown
    assert d.actual == f"{C}.state = Connecting, {C}.ws1.ready = CONNECTING"


def test_the_naive_client_conforms_to_before_and_is_caught_retrying_after_an_auth_failure() -> None:
    rule = "no-retry-after-auth-failure-chat-assistant"
    result = check(naive, before(), runs=40, steps=30, properties=[rule])
    assert result.divergence is None
    o = result.report.outcome(rule)
    assert o.verdict is Verdict.VIOLATED and o.trace is not None and len(o.trace) == 7
    names = [f"{s.instance}.{s.transition}" for s in o.trace.steps]
    assert names[-2:] == ["ChatAssistant.client.retry", "ChatAssistant.client.new_websocket[ChatAssistant.client.ws1]"]
    assert any(n.startswith("ChatAssistant.client.ws1.handshake_rejected_40") for n in names)


def test_the_naive_client_retries_after_a_403_the_step_named_in_the_trace() -> None:
    rule = "no-retry-after-auth-failure-chat-assistant"
    result = check(naive, before(), properties=[rule], scenario=[
        "server.permission_revoked", "ChatAssistant.mount", "ChatAssistant.client.ws1.handshake_rejected_403",
        "ChatAssistant.client.retry"])
    assert result.divergence is None
    o = result.report.outcome(rule)
    assert o.verdict is Verdict.VIOLATED and o.trace is not None
    assert o.message == ("step 5 (ChatAssistant.client.ws1: handshake_rejected_403) is tagged "
                         "auth_failure@ChatAssistant.client; step 7 (ChatAssistant.client.ws1: new_websocket) is "
                         "tagged new_socket@ChatAssistant.client, with no new_session between")


def test_a_reference_client_that_ignores_the_generation_id_is_caught() -> None:
    d = check(ignores_generation, after(), runs=100, steps=40).divergence
    assert d is not None and d.label.startswith(f"{C}.ws1.")  # an event of the old socket...
    names = [f"{s.instance}.{s.transition}" for s in d.trace.steps]
    assert f"{C}.new_websocket[{C}.ws2]" in names  # ...after the new one was created
    assert d.differences[0][0] == f"{C}.state" and d.differences[0][1] == "Connecting"
    assert len(d.trace) <= 10


def test_a_reference_client_that_closes_only_open_sockets_is_caught() -> None:
    d = check(closes_only_open, after(), runs=60, steps=40).divergence
    assert d is not None and len(d.trace) == 5
    assert d.differences == ((f"{C}.ws1.ready", "CLOSING", "CONNECTING"), (f"{C}.ws1.aborted", True, False))


def test_a_close_code_the_model_does_not_have_is_a_divergence_not_a_violation() -> None:
    result = check(misconfigured_server, after(auth_mode="post-auth"), runs=100, steps=40)
    d = result.divergence
    assert d is not None and d.label == f"{C}.ws1.server_close_4403" and len(d.trace) == 7
    assert d.message == "the socket reported close_1008, a close code the model does not have"
    assert (d.expected, d.actual) == (f"{C}.ws1: close_4403", f"{C}.ws1: close_1008")
    assert result.report.violated == () and result.exit_code() is ExitCode.VIOLATED


def test_the_adapter_refuses_what_it_does_not_drive() -> None:
    with pytest.raises(InputError) as err:
        reference(after(refresh=True))
    assert str(err.value) == (
        "the Phase 3 adapter drives the session store, the server, components, clients and their sockets, without "
        "token refresh, StrictMode or services; 'phase3.after' has refresh=True; check a simpler configuration")

"""The Phase 3 clients of the conformance example as real reconnecting clients: free-running (no
lockstep), on real sockets, against the real server, with a short backoff (issue 12)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from conformance.browser import Browser
from conformance.clients import Policy, ReconnectingClient, SessionStore
from conformance.server import CommandServer
from leftovers import open_sockets

FAST = {"backoff": 0.02, "handshake_timeout": 2.0}


def run(test: Callable[[CommandServer, Browser, SessionStore], Awaitable[None]], **options: Any) -> None:
    before = open_sockets()

    async def main() -> None:
        async with asyncio.timeout(20), CommandServer(**options) as server:
            browser = Browser("127.0.0.1", server.port)
            browser.cookies["session"] = server.login()
            store = SessionStore(browser.scope("session"))
            store.start()
            try:
                await test(server, browser, store)
            finally:
                await browser.shutdown()
        assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(main())
    assert open_sockets() == before


async def until(check: Callable[[], bool]) -> None:
    while not check():
        await asyncio.sleep(0.002)


def test_the_reference_client_connects_receives_and_reconnects_with_a_new_ticket() -> None:
    async def test(server: CommandServer, browser: Browser, store: SessionStore) -> None:
        client = ReconnectingClient(browser.scope("c"), store, policy=Policy.reference().but(**FAST), retries=2)
        client.subscribe("view")
        await until(lambda: client.state == "Open")
        first = client.socket
        assert first is not None
        await server.send(first.id, "hello")
        await until(lambda: client.messages == ["hello"])
        await server.close(first.id, 1011)
        await until(lambda: client.state == "Open" and client.socket is not first)
        tickets = [status for rid, status in server.answers if rid.startswith("http") and status == 200]
        assert len(tickets) >= 3  # the probe, then a ticket before each new WebSocket

    run(test)


def test_the_reference_client_stops_on_a_403_and_asks_for_nothing_more() -> None:
    async def test(server: CommandServer, browser: Browser, store: SessionStore) -> None:
        client = ReconnectingClient(browser.scope("c"), store, policy=Policy.reference().but(**FAST), retries=3)
        client.subscribe("view")
        await until(lambda: client.state == "Open")
        server.revoke_permission()
        assert client.socket is not None
        await server.close(client.socket.id, 1001)  # an ordinary close: retried, and the ticket says 403
        await until(lambda: client.state == "Stopped")
        asked = len(server.answers)
        await asyncio.sleep(0.2)
        assert len(server.answers) == asked

    run(test)


def test_the_naive_client_retries_after_a_403_a_browser_cannot_see() -> None:
    async def test(server: CommandServer, browser: Browser, store: SessionStore) -> None:
        server.revoke_permission()
        client = ReconnectingClient(browser.scope("n"), store, policy=Policy.naive().but(**FAST), retries=3)
        client.subscribe("view")
        await until(lambda: client.state == "Failed")
        refused = [status for rid, status in server.answers if rid.startswith("ws")]
        assert refused == [403, 403, 403, 403]  # the first handshake and three retries
        assert client.socket is not None and client.socket.close_code == 1006

    run(test)


def test_the_store_closes_its_clients_in_the_call_that_ends_the_session() -> None:
    async def test(server: CommandServer, browser: Browser, store: SessionStore) -> None:
        client = ReconnectingClient(browser.scope("c"), store, policy=Policy.reference().but(**FAST))
        client.subscribe("view")
        await until(lambda: client.state == "Open")
        store.logout()
        assert client.state == "Closing" and client.socket is not None and client.socket.ready_state == "CLOSING"
        await until(lambda: client.state == "Idle")
        assert client.socket.close_code == 1000

    run(test)


def test_close_while_connecting_fails_the_connection_with_1006() -> None:
    async def test(server: CommandServer, browser: Browser, store: SessionStore) -> None:
        server.hold = True
        await until(lambda: bool(server.held))
        server.answer(next(iter(server.held)))  # the probe
        client = ReconnectingClient(browser.scope("c"), store, policy=Policy.reference().but(**FAST))
        await until(lambda: store.active)
        client.subscribe("view")
        await until(lambda: len(server.held) == 1)
        server.answer(next(iter(server.held)))  # the ticket
        await until(lambda: client.state == "Connecting" and bool(server.held))
        store.logout()  # the handshake is still held: close() while CONNECTING
        await until(lambda: client.state == "Idle")
        assert client.socket is not None and client.socket.close_code == 1006 and client.socket.failed

    run(test)

"""The commandable WebSocket server of the conformance example (examples/conformance/server.py) on
real sockets: every command the conformance adapter relies on, seen by a `websockets` client."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from conformance.server import CommandServer
from leftovers import open_sockets
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus


def run(test: Callable[[CommandServer], Awaitable[None]], **options: Any) -> None:
    """Run *test* against a fresh server on an ephemeral port; nothing may be left open after it."""
    before = open_sockets()

    async def main() -> None:
        async with asyncio.timeout(20), CommandServer(**options) as server:
            assert server.port > 0
            await test(server)
        assert asyncio.all_tasks() == {asyncio.current_task()}

    asyncio.run(main())
    assert open_sockets() == before


async def get(server: CommandServer, path: str, sid: str | None = None, rid: str = "") -> tuple[int, str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    headers = [f"GET {path} HTTP/1.1", "Host: x", "Connection: close"]
    headers += [f"Cookie: session={sid}"] if sid else []
    headers += [f"X-Request-Id: {rid}"] if rid else []
    writer.write(("\r\n".join([*headers, "", ""])).encode())
    data = await reader.read()
    writer.close()
    await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body.decode().strip()


async def handshake(server: CommandServer, query: str = "", sid: str | None = None) -> Any:
    headers = {"Cookie": f"session={sid}"} if sid else {}
    return await connect(f"ws://127.0.0.1:{server.port}/ws{query}", additional_headers=headers, ping_interval=None)


async def status_of_handshake(server: CommandServer, query: str = "", sid: str | None = None) -> int:
    with pytest.raises(InvalidStatus) as err:
        await handshake(server, query, sid)
    return err.value.response.status_code


def test_pre_auth_rejects_the_handshake_with_401_or_403_over_http() -> None:
    async def test(server: CommandServer) -> None:
        sid = server.login()
        assert await status_of_handshake(server) == 401  # no session at all
        server.revoke_permission()
        assert await status_of_handshake(server, sid=sid) == 403
        server.grant_permission()
        server.revoke_session(sid)
        assert await status_of_handshake(server, sid=sid) == 401
        new = server.login()
        async with await handshake(server, sid=new) as ws:
            await server.send(next(iter(server.connections)), "hi")
            assert await ws.recv() == "hi"

    run(test)


def test_a_ticket_answers_the_websockets_own_authorization_and_opens_the_socket() -> None:
    async def test(server: CommandServer) -> None:
        sid = server.login()
        assert await get(server, "/session", sid) == (200, "OK")
        status, ticket = await get(server, "/token", sid)
        assert status == 200 and ticket
        async with await handshake(server, f"?ticket={ticket}"):
            pass
        server.revoke_permission()
        assert (await get(server, "/token", sid))[0] == 403
        server.revoke_session(sid)
        assert [(await get(server, p, sid))[0] for p in ("/token", "/session", "/api")] == [401, 401, 401]
        assert await status_of_handshake(server, f"?ticket={ticket}") == 401  # the session behind it is gone

    run(test)


def test_post_auth_accepts_then_closes_4401_or_4403_when_told_to_check() -> None:
    async def test(server: CommandServer) -> None:
        sid = server.login()
        for revoke, code in ((server.revoke_permission, 4403), (lambda: server.revoke_session(sid), 4401)):
            ws = await handshake(server, sid=sid)  # accepted whatever the truth
            rid = next(iter(server.connections))
            assert await server.enforce(rid) is None  # authorised: left open
            revoke()
            assert await server.enforce(rid) == code
            with pytest.raises(ConnectionClosed):
                await ws.recv()
            assert ws.close_code == code
            server.grant_permission()

    run(test, auth_mode="post-auth")


@pytest.mark.parametrize("code", [1000, 1001, 1011])
def test_the_server_closes_with_the_code_it_is_told(code: int) -> None:
    async def test(server: CommandServer) -> None:
        ws = await handshake(server, sid=server.login())
        await server.close(next(iter(server.connections)), code)
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == code

    run(test)


def test_a_dropped_connection_has_no_close_frame() -> None:
    async def test(server: CommandServer) -> None:
        ws = await handshake(server, sid=server.login())
        await server.drop(next(iter(server.connections)))
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        assert ws.close_code == 1006

    run(test)


def test_a_held_request_waits_for_its_answer_and_the_truth_decides_it() -> None:
    async def test(server: CommandServer) -> None:
        sid = server.login()
        attempt = asyncio.ensure_future(handshake(server, sid=sid))
        held = await server.wait_held("auto-1")
        assert held.websocket and not attempt.done()
        server.revoke_permission()
        assert server.decide("auto-1") == 403
        server.answer("auto-1")
        with pytest.raises(InvalidStatus):
            await attempt
        # a link that is down cuts the connection of a request answered meanwhile
        server.grant_permission()
        server.partition()
        probe = asyncio.ensure_future(get(server, "/session", sid, rid="probe"))
        await server.wait_held("probe")
        assert server.answer("probe") == "fail"
        with pytest.raises((ConnectionError, IndexError, ValueError)):
            await probe
        # and an explicit rejection overrides the truth
        server.heal()
        attempt = asyncio.ensure_future(get(server, "/session", sid, rid="forced"))
        await server.wait_held("forced")
        server.reject("forced", 403)
        assert (await attempt)[0] == 403

    run(test, hold=True)


def test_a_delayed_handshake_takes_its_delay() -> None:
    async def test(server: CommandServer) -> None:
        started = time.perf_counter()
        async with await handshake(server, sid=server.login()):
            assert time.perf_counter() - started >= 0.2

    run(test, delay=0.2)


def test_reset_cuts_everything_and_forgets_the_sessions() -> None:
    async def test(server: CommandServer) -> None:
        sid = server.login()
        ws = await handshake(server, sid=sid)
        server.hold = True
        pending = asyncio.ensure_future(get(server, "/session", sid, rid="r"))
        await server.wait_held("r")
        await server.reset()
        assert not server.held and not server.connections and not server.session_valid(sid)
        with pytest.raises(ConnectionClosed):
            await ws.recv()
        with pytest.raises((ConnectionError, IndexError, ValueError)):
            await pending

    run(test)

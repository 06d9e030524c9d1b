"""A real WebSocket and HTTP server on the `websockets` library (asyncio API), run on command by a
test: the server side of the Phase 3 conformance example (issue 12).

It listens on 127.0.0.1 on an ephemeral port and keeps its own truth: the sessions it issued (valid
or revoked), whether the user may use the WebSocket service, and whether the browser's network
link is up. On that truth it answers

- ``GET /session`` (the app's session probe) and ``GET /api`` (any API call): 200, or 401 once the
  session in the ``session`` cookie is revoked;
- ``GET /token`` (a ticket for the next ``new WebSocket``): 401 (the session is gone), 403 (the
  permission is gone) or 200 with a ticket;
- the WebSocket handshake on ``/ws``, authenticated by ``?ticket=`` or by the cookie: *pre-auth*
  rejects it over HTTP (401 or 403, in ``process_request``); *post-auth* accepts it and closes
  4401/4403 when told to check (:meth:`CommandServer.enforce`).

Commands: revoke a session or the permission (:meth:`~CommandServer.revoke_session`,
:meth:`~CommandServer.revoke_permission`), close a connection with 1000/1001/1011 or any code
(:meth:`~CommandServer.close`), drop it abruptly (:meth:`~CommandServer.drop`), send a message,
take the link down and up (:meth:`~CommandServer.partition`, :meth:`~CommandServer.heal`), delay
handshakes (``delay=`` seconds) or hold every request until the test answers it
(``hold=True``: :meth:`~CommandServer.answer`, :meth:`~CommandServer.reject`), which is how a
conformance test runs the server in lockstep with the model.

Requests are named by their ``X-Request-Id`` header (the test's browser sets it; otherwise the
server numbers them).
"""

from __future__ import annotations

import asyncio
import itertools
import secrets
from collections.abc import Awaitable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

__all__ = ["AUTH_MODES", "CommandServer", "Held"]

AUTH_MODES = ("pre-auth", "post-auth")
#: how an answer to a held request is given: accept, an HTTP status, or "fail" (the TCP connection is cut)
_FAIL = "fail"


@dataclass(eq=False)
class Held:
    """A request the server holds until the test answers it (``hold=True``). Mutable: its answer
    is set once."""

    id: str
    path: str
    query: dict[str, list[str]]
    cookie: str | None
    websocket: bool
    answer: asyncio.Future[int | str | None] = field(repr=False)


class CommandServer:
    """The server; start it with ``await server.start()`` (or ``async with``), stop it with ``await server.stop()``.

    Parameters
    ----------
    auth_mode : {"pre-auth", "post-auth"}
        Check the WebSocket's authorization in the handshake (HTTP 401/403) or after accepting it
        (close 4401/4403, on :meth:`enforce`).
    hold : bool
        Hold every request (HTTP and handshakes) until :meth:`answer`, :meth:`reject` or
        :meth:`fail` (a test in lockstep with a model); else answer at once, after *delay*.
    delay : float
        Seconds to wait before answering a handshake when not holding (a slow server).
    forbidden_code : int
        The close code for a connection whose permission is gone (4403; another one makes a server
        that does not do what the model says, for a conformance test to catch).
    """

    def __init__(self, *, auth_mode: str = "pre-auth", hold: bool = False, delay: float = 0.0,
                 forbidden_code: int = 4403) -> None:
        if auth_mode not in AUTH_MODES:
            raise ValueError(f"auth_mode={auth_mode!r}: use one of {', '.join(AUTH_MODES)}")
        self.auth_mode = auth_mode
        self.hold = hold
        self.delay = delay
        self.forbidden_code = forbidden_code
        # the truth
        self.sessions: dict[str, bool] = {}
        self.tickets: dict[str, str] = {}
        self.permitted = True
        self.link_up = True
        # what is going on
        self.held: dict[str, Held] = {}
        self.connections: dict[str, ServerConnection] = {}
        #: (request id, status or "accept") of every answer given, in order: what a test can read back
        self.answers: list[tuple[str, int | str]] = []
        self._ids = itertools.count(1)
        self._server: Server | None = None
        self.port = 0

    # ------------------------------------------------------------------ life

    async def start(self) -> CommandServer:
        self._server = await serve(self._handler, "127.0.0.1", 0, process_request=self._process_request,
                                   open_timeout=None, ping_interval=None, close_timeout=2)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Stop listening, cut every connection and held request, and wait until all is closed."""
        await self.reset()
        if self._server is not None:
            self._server.close(close_connections=False)
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> CommandServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def reset(self) -> None:
        """Forget everything: cut every connection and held request; all sessions gone, the
        permission granted, the link up."""
        for h in list(self.held.values()):
            if not h.answer.done():
                h.answer.set_result(_FAIL)
        for ws in list(self.connections.values()):
            ws.transport.abort()
        for _ in range(2000):
            if not self.held and not self.connections:
                break
            await asyncio.sleep(0.001)
        self.sessions.clear()
        self.tickets.clear()
        self.answers.clear()
        self.permitted = True
        self.link_up = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ------------------------------------------------------------------ the truth, on command

    def login(self) -> str:
        """A new session (its id goes in the ``session`` cookie)."""
        sid = secrets.token_hex(8)
        self.sessions[sid] = True
        return sid

    def revoke_session(self, sid: str | None) -> None:
        """The session expires or is revoked (logout), unannounced to the browser."""
        if sid in self.sessions:
            self.sessions[sid] = False

    def session_valid(self, sid: str | None) -> bool:
        return sid is not None and self.sessions.get(sid, False)

    def revoke_permission(self) -> None:
        self.permitted = False

    def grant_permission(self) -> None:
        self.permitted = True

    def partition(self) -> None:
        """The browser's link goes down: held requests answered from now on fail (the TCP
        connection is cut); open connections stay until :meth:`drop`."""
        self.link_up = False

    def heal(self) -> None:
        self.link_up = True

    # ------------------------------------------------------------------ held requests

    def is_held(self, rid: str) -> bool:
        return rid in self.held

    async def wait_held(self, rid: str, timeout: float = 5.0) -> Held:
        """The held request *rid*, once it has arrived."""
        for _ in range(int(timeout * 1000)):
            h = self.held.get(rid)
            if h is not None:
                return h
            await asyncio.sleep(0.001)
        raise TimeoutError(f"request {rid!r} did not reach the server within {timeout:g} s")

    def decide(self, rid: str) -> int | str:
        """What the server's truth says to answer the held request *rid*: "accept" (a handshake),
        an HTTP status, or "fail" (the link is down)."""
        h = self.held[rid]
        return self._decide(h)

    def answer(self, rid: str) -> int | str:
        """Answer the held request *rid* as the server's truth says (see :meth:`decide`); returns the answer."""
        verdict = self.decide(rid)
        self.held[rid].answer.set_result(verdict)
        return verdict

    def reject(self, rid: str, status: int) -> None:
        """Answer the held request *rid* with the HTTP *status*, whatever the truth."""
        self.held[rid].answer.set_result(status)

    def fail(self, rid: str) -> None:
        """Cut the TCP connection of the held request *rid* (a network failure)."""
        self.held[rid].answer.set_result(_FAIL)

    # ------------------------------------------------------------------ open connections

    async def connection(self, rid: str, timeout: float = 5.0) -> ServerConnection:
        """The open connection of handshake *rid*, once the server's handler has it."""
        for _ in range(int(timeout * 1000)):
            ws = self.connections.get(rid)
            if ws is not None:
                return ws
            await asyncio.sleep(0.001)
        raise TimeoutError(f"no open connection {rid!r} within {timeout:g} s")

    async def close(self, rid: str, code: int, reason: str = "") -> None:
        """Close the connection opened by handshake *rid* with *code* (waits for the closing handshake)."""
        await (await self.connection(rid)).close(code, reason)

    async def drop(self, rid: str) -> None:
        """Cut the connection *rid* abruptly: no close frame (the client sees 1006)."""
        (await self.connection(rid)).transport.abort()

    async def send(self, rid: str, text: str) -> None:
        await (await self.connection(rid)).send(text)

    async def enforce(self, rid: str) -> int | None:
        """Check the connection *rid* as a post-auth server does first thing: close it 4401 when
        its session is gone, with ``forbidden_code`` (4403) when the permission is; returns the code
        (None: authorised, left open)."""
        ws = await self.connection(rid)
        sid = getattr(ws, "statebound_session", None)
        code = 4401 if not self.session_valid(sid) else self.forbidden_code if not self.permitted else None
        if code is not None:
            await ws.close(code, "unauthorized" if code == 4401 else "forbidden")
        return code

    # ------------------------------------------------------------------ websockets hooks

    def _decide(self, h: Held) -> int | str:
        if not self.link_up:
            return _FAIL
        if h.path in ("/session", "/api"):
            return HTTPStatus.OK if self.session_valid(h.cookie) else HTTPStatus.UNAUTHORIZED
        if h.path == "/token":
            if not self.session_valid(h.cookie):
                return HTTPStatus.UNAUTHORIZED
            return HTTPStatus.OK if self.permitted else HTTPStatus.FORBIDDEN
        if h.path == "/ws" and h.websocket:
            if self.auth_mode == "post-auth":
                return "accept"
            if not self.session_valid(self._session_of(h)):
                return HTTPStatus.UNAUTHORIZED
            return "accept" if self.permitted else HTTPStatus.FORBIDDEN
        return HTTPStatus.NOT_FOUND

    def _session_of(self, h: Held) -> str | None:
        ticket = h.query.get("ticket", [None])[0]
        if ticket is not None:
            return self.tickets.get(ticket)
        return h.cookie

    def _process_request(self, connection: ServerConnection, request: Request) -> Awaitable[Response | None]:
        return self._answer(connection, request)

    async def _answer(self, connection: ServerConnection, request: Request) -> Response | None:
        rid = request.headers.get("X-Request-Id") or f"auto-{next(self._ids)}"
        url = urlsplit(request.path)
        h = Held(id=rid, path=url.path, query=parse_qs(url.query), cookie=_cookie(request.headers, "session"),
                 websocket=request.headers.get("Upgrade", "").lower() == "websocket",
                 answer=asyncio.get_running_loop().create_future())
        if self.hold:
            self.held[rid] = h
            try:
                waiters: list[asyncio.Future[Any]] = [h.answer, connection.connection_lost_waiter]
                await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            finally:
                if self.held.get(rid) is h:
                    del self.held[rid]
            verdict: int | str | None = h.answer.result() if h.answer.done() else _FAIL
        else:
            if self.delay and h.websocket:
                await asyncio.sleep(self.delay)
            verdict = self._decide(h)
        self.answers.append((rid, verdict if verdict is not None else "accept"))
        if verdict == _FAIL:
            connection.transport.abort()
            return connection.respond(HTTPStatus.SERVICE_UNAVAILABLE, "link down\n")
        if verdict == "accept":
            setattr(connection, "statebound_session", self._session_of(h))  # noqa: B010 - read by enforce()
            setattr(connection, "statebound_id", rid)  # noqa: B010 - read by the handler
            return None
        assert isinstance(verdict, int)
        if verdict == HTTPStatus.OK and h.path == "/token":
            ticket = secrets.token_hex(8)
            self.tickets[ticket] = h.cookie or ""
            return connection.respond(HTTPStatus.OK, ticket)
        return connection.respond(verdict, f"{HTTPStatus(verdict).phrase}\n")

    async def _handler(self, ws: ServerConnection) -> None:
        rid = str(getattr(ws, "statebound_id", f"auto-{next(self._ids)}"))
        self.connections[rid] = ws
        try:
            await ws.wait_closed()
        finally:
            self.connections.pop(rid, None)


def _cookie(headers: Headers, name: str) -> str | None:
    for part in headers.get("Cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None

"""The Phase 3 clients in Python: the session store and a reconnecting WebSocket client, written
the way browser code is (callbacks on a :class:`~.browser.Env`), on real sockets (issue 12).

:class:`ReconnectingClient` is the ``RuntimeClient`` of ``docs/phase3.md``; what it does on each
event is a :class:`Policy`, one field per design choice of ``models/client.py``'s
``ReconnectPolicy``:

- :meth:`Policy.reference`: the ``after`` design. Registered with the :class:`SessionStore`,
  which closes it (``ws.close()`` on a live socket, aborting a token request, clearing a retry
  timer) synchronously when the session ends and resumes it when the session is Active again;
  starts an attempt only while the session is Active; fetches a ticket over HTTP before every
  ``new WebSocket`` (the 401/403 a browser cannot see in a handshake is visible there); stops on
  4401/4403 and on a ticket answered 403; retries any other close with backoff up to a bound;
  ignores every event of a socket that is no longer its current one (a generation check); leaves
  ``Closing`` on any close of its current socket; a handshake timeout; revived by ``online``.
- :meth:`Policy.naive`: the audited code of ``before``. Authenticates with the cookie, connects
  whatever the session, retries *every* close (401 and 403 handshakes included: to a browser they
  are a 1006), is not registered with the store.
- broken on purpose: ``Policy.reference().but(generation_check=False)`` (handles an old socket's
  events as the current one's) and ``Policy.reference().but(close_connecting=False)`` (``if
  (ws.readyState === WebSocket.OPEN) ws.close()``: a CONNECTING socket is left alone).

Its states are the model's: Idle, Fetching, Ready, Connecting, Open, Closing, Backoff, Stopped,
Failed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .browser import CONNECTING, OPEN, Env, Request, Socket, Timer

__all__ = ["Policy", "ReconnectingClient", "SessionStore", "CONNECTED", "WAITING"]

CONNECTED = ("Connecting", "Open")
WAITING = ("Fetching", "Ready", "Backoff", "Stopped", "Failed")


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """What a :class:`ReconnectingClient` does on each event (see the module docstring).

    Parameters
    ----------
    token : bool
        Fetch a ticket (``GET /token``) before every ``new WebSocket``; else the cookie authenticates.
    session_gate : bool
        Start an attempt (subscribe, retry, the ticket's continuation) only while the session is Active.
    registered : bool
        Registered with the session store: closed when the session ends, resumed when it is Active.
    stop_on_auth_close : bool
        A close 4401/4403 stops the client (4401 also ends the session); else it is retried.
    generation_check : bool
        Ignore the events of a socket that is no longer the current one.
    close_connecting : bool
        ``close()`` a CONNECTING socket too (else only an OPEN one).
    handshake_timeout : float or None
        Seconds before a handshake is abandoned (``close()`` while CONNECTING) and retried.
    revive_online : bool
        A client that used up its retries tries again on the ``online`` event.
    backoff : float
        Seconds before a retry.
    """

    token: bool = True
    session_gate: bool = True
    registered: bool = True
    stop_on_auth_close: bool = True
    generation_check: bool = True
    close_connecting: bool = True
    handshake_timeout: float | None = 10.0
    revive_online: bool = True
    backoff: float = 1.0

    @classmethod
    def reference(cls) -> Policy:
        return cls()

    @classmethod
    def naive(cls) -> Policy:
        return cls(token=False, session_gate=False, registered=False, stop_on_auth_close=False,
                   handshake_timeout=None, revive_online=False)

    def but(self, **changes: object) -> Policy:
        """A copy with *changes* (``Policy.reference().but(generation_check=False)``)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


class SessionStore:
    """The app's session store: ``Unknown``, ``Active`` or ``Invalid``, and a login counter.

    Its invalidation path (logout, an API call answered 401, a ticket request answered 401, a
    close 4401) closes every registered client synchronously; a probe answered 200 and a login
    resume them. Mutable: it is the app's state.
    """

    def __init__(self, env: Env, *, probe_path: str = "/session", api_path: str = "/api") -> None:
        self.env = env
        self.state = "Unknown"
        self.gen = 0
        self.clients: list[ReconnectingClient] = []
        self.probe_path, self.api_path = probe_path, api_path
        self.probe: Request | None = None
        self.api: Request | None = None

    @property
    def active(self) -> bool:
        return self.state == "Active"

    def register(self, client: ReconnectingClient) -> None:
        self.clients.append(client)

    def start(self) -> None:
        """Ask the server whether the session (the cookie) is still valid."""
        self.probe = self.env.fetch(self.probe_path, self._on_probe)

    def _on_probe(self, status: int, body: str) -> None:
        self.probe = None
        if self.state != "Unknown":
            return
        if status == 200:
            self.state = "Active"
            self._resume()
        elif status == 401:
            self.state = "Invalid"

    def logout(self) -> None:
        """The user's click (the server revokes the session on its side)."""
        if self.active:
            self.state = "Invalid"
            for c in list(self.clients):
                c.session_ended()

    def login(self, session: str) -> None:
        """A new session: its cookie, and the clients that are wanted resume."""
        if self.state == "Invalid":
            self.env.cookies["session"] = session
            self.state = "Active"
            self.gen += 1
            self._resume()

    def call_api(self) -> None:
        """Any API call of the app; a 401 ends the session."""
        self.api = self.env.fetch(self.api_path, self._on_api)

    def _on_api(self, status: int, body: str) -> None:
        self.api = None
        if status == 401:
            self.invalidate()

    def invalidate(self, *, reporter: ReconnectingClient | None = None) -> None:
        """The server rejected the session: every registered client but the *reporter* (which
        handles it itself) closes."""
        if self.active:
            self.state = "Invalid"
            for c in list(self.clients):
                if c is not reporter:
                    c.session_ended()

    def _resume(self) -> None:
        for c in list(self.clients):
            c.session_started()


class ReconnectingClient:
    """A reconnecting WebSocket client shared by the components that subscribe to it.

    Parameters
    ----------
    env : Env
        The browser it runs in.
    store : SessionStore
        The app's session store (read by the session gate; registered with when the policy says so).
    policy : Policy
        What it does on each event.
    retries : int
        Retries after a close before giving up (``Failed``).
    path, token_path : str
        The WebSocket endpoint and the ticket endpoint.

    Mutable: it is a connection's life. ``state``, ``retries``, ``socket`` (the current one) and
    ``token_request`` are what a test may read; ``messages`` what the app received.
    """

    def __init__(self, env: Env, store: SessionStore, *, policy: Policy = Policy(), retries: int = 1,
                 path: str = "/ws", token_path: str = "/token") -> None:
        self.env, self.store, self.policy = env, store, policy
        self.max_retries = retries
        self.path, self.token_path = path, token_path
        self.state = "Idle"
        self.retries = 0
        self.socket: Socket | None = None
        self.token_request: Request | None = None
        self.messages: list[str] = []
        self._subscribers: set[str] = set()
        self._retry_timer: Timer | None = None
        self._handshake_timer: Timer | None = None
        if policy.registered:
            store.register(self)
        if policy.revive_online:
            env.on_online(self._on_online)

    @property
    def wanted(self) -> bool:
        return bool(self._subscribers)

    def _gate(self) -> bool:
        return not self.policy.session_gate or self.store.active

    # ------------------------------------------------------------------ consumers and the store

    def subscribe(self, who: str) -> None:
        """A consumer wants the connection (``connect()`` while connecting or open is a no-op)."""
        self._subscribers.add(who)
        if self.state in ("Idle", "Closing") and self._gate():
            self.retries = 0
            self._start()

    def unsubscribe(self, who: str) -> None:
        """A consumer leaves; the last one to leave closes the client."""
        self._subscribers.discard(who)
        if not self._subscribers:
            self._shut_down()

    def session_ended(self) -> None:
        """The store's invalidation path, in the same call that sets the session Invalid."""
        self._shut_down()

    def session_started(self) -> None:
        """The session is Active again (the probe, a login)."""
        if self.state in ("Idle", "Closing", "Stopped", "Failed") and self.wanted:
            self.retries = 0
            self._start()

    def _shut_down(self) -> None:
        if self.state in CONNECTED:
            self._close_socket()
            self.state = "Closing"
            self.retries = 0
        elif self.state in WAITING:
            self._cancel()
            self.state = "Idle"
            self.retries = 0

    # ------------------------------------------------------------------ an attempt

    def _start(self) -> None:
        self._cancel_timer("retry")
        if self.policy.token:
            self.state = "Fetching"
            self.token_request = self.env.fetch(self.token_path, self._on_token)
        else:
            self.state = "Ready"
            self._connect(None)

    def _on_token(self, status: int, body: str) -> None:
        self.token_request = None
        if self.state != "Fetching":
            return
        if status == 200:
            self.state = "Ready"
            if self._gate():  # the continuation checks the session again before `new WebSocket`
                self._connect(body)
        elif status == 401:
            self.state = "Idle"
            self.retries = 0
            self.store.invalidate(reporter=self)
        elif status == 403:
            self.state = "Stopped"
            self.retries = 0
        else:
            self._retry_later()

    def _connect(self, ticket: str | None) -> None:
        path = self.path if ticket is None else f"{self.path}?ticket={ticket}"
        sock = self.env.websocket(path, on_open=self._on_open, on_message=self._on_message, on_close=self._on_close)
        self.socket = sock
        self.state = "Connecting"
        if self.policy.handshake_timeout is not None:
            self._handshake_timer = self.env.set_timeout(self.policy.handshake_timeout,
                                                         lambda: self._on_handshake_timeout(sock), purpose="handshake")

    def _close_socket(self) -> None:
        sock = self.socket
        self._cancel_timer("handshake")
        if sock is not None and (self.policy.close_connecting or sock.ready_state == OPEN):
            sock.close()

    def _cancel(self) -> None:
        if self.token_request is not None:
            self.token_request.abort()
            self.token_request = None
        self._cancel_timer("retry")
        self._cancel_timer("handshake")

    def _cancel_timer(self, which: str) -> None:
        timer = self._retry_timer if which == "retry" else self._handshake_timer
        if timer is not None:
            timer.cancel()
        if which == "retry":
            self._retry_timer = None
        else:
            self._handshake_timer = None

    def _retry_later(self) -> None:
        self._cancel_timer("handshake")
        if self.retries < self.max_retries:
            self.state = "Backoff"
            self._schedule_retry()
        else:
            self.state = "Failed"

    def _schedule_retry(self) -> None:
        self._cancel_timer("retry")
        self._retry_timer = self.env.set_timeout(self.policy.backoff, self._on_retry_timer, purpose="retry")

    def _on_retry_timer(self) -> None:
        self._retry_timer = None
        if self.state != "Backoff":
            return
        if not self._gate():
            self._schedule_retry()  # try again later; the store's activation does not wake a Backoff
            return
        self.retries = min(self.retries + 1, self.max_retries)
        self._start()

    def _on_handshake_timeout(self, sock: Socket) -> None:
        self._handshake_timer = None
        if sock is self.socket and self.state == "Connecting" and sock.ready_state == CONNECTING:
            sock.close()
            self.state = "Backoff"  # a slow handshake is the network's doing: retried whatever the budget
            self._schedule_retry()

    def _on_online(self) -> None:
        if self.state == "Failed":
            self.state = "Backoff"
            self.retries = 0
            self._schedule_retry()

    # ------------------------------------------------------------------ its sockets' events

    def _current(self, sock: Socket) -> bool:
        return sock is self.socket or not self.policy.generation_check

    def _on_open(self, sock: Socket) -> None:
        if self._current(sock) and self.state == "Connecting":
            self._cancel_timer("handshake")
            self.state = "Open"
            self.retries = 0

    def _on_message(self, sock: Socket, data: str) -> None:
        if self._current(sock) and self.state == "Open":
            self.messages.append(data)

    def _on_close(self, sock: Socket, code: int) -> None:
        if not self._current(sock):
            return
        if self.state == "Closing":
            self.state = "Idle"
            return
        if self.state not in CONNECTED:
            return
        if self.policy.stop_on_auth_close and code in (4401, 4403):
            self._cancel_timer("handshake")
            self.state = "Stopped"
            self.retries = 0
            if code == 4401:
                self.store.invalidate(reporter=self)
        else:
            self._retry_later()

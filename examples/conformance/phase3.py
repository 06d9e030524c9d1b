"""The Phase 3 adapter: the models of ``models/phase3.py`` driven in lockstep with a real
WebSocket server and real reconnecting clients (issue 12; the walk-through is docs/conformance.md).

::

    statebound conform examples/conformance/phase3.py:reference models/phase3.py:after
    statebound conform examples/conformance/phase3.py:reference models/phase3.py:after --param auth_mode=post-auth
    statebound conform examples/conformance/phase3.py:naive models/phase3.py:before \\
        --property no-retry-after-auth-failure-chat-assistant

Each factory (:func:`reference`, :func:`naive`, :func:`ignores_generation`, :func:`closes_only_open`,
:func:`misconfigured_server`) takes the model and returns a :class:`Phase3Adapter`: a
:class:`~.server.CommandServer` on 127.0.0.1 (an ephemeral port) that holds every request until
the model's step answers it, a :class:`~.browser.Browser` in lockstep mode, the app's
:class:`~.clients.SessionStore`, and one :class:`~.clients.ReconnectingClient` per client of the
model, all with the factory's :class:`~.clients.Policy`.

How each model step is performed (the model's instance, then its transition):

- ``session``: ``logout`` (the server revokes the session, the store ends it), ``login``;
- ``server``: the answers to the store's probe, to an API call, to a client's ticket request
  (the server answers from its own truth; the adapter checks it is the model's answer),
  ``token_expires`` (revoke the session), ``permission_revoked``, ``link_down``/``link_up``
  (and the browser's ``online`` event);
- a component: ``mount``/``unmount`` (subscribe and unsubscribe every client it uses);
- a client: ``retry`` and ``handshake_timeout[...]`` fire its timer; ``new_websocket[...]`` is
  *internal*: the client calls ``new WebSocket`` on its own as soon as its ticket arrives;
- a socket slot (``<client>.ws1``...): the handshake's outcome (the server answers the held
  handshake; the adapter checks the HTTP status against the model's 401/403), a close with a code,
  an abrupt drop, a message, and the end of a close the client started (``close_completed``,
  ``connection_failed``); the event the browser then queues must be the model's
  (``open``, ``message``, ``close_<code>``) and is delivered to the client.

After each step the adapter waits until every request the implementation started has reached the
server (or failed), then observes: the store's state and login count, the server's truth, the
components, each client's state, retry counter, current socket slot (``cur``) and token request
(``fetch``), and each slot's ``readyState`` and ``aborted`` (``close()`` while CONNECTING).

Sockets are mapped to the model's slots by the model's own rule: a new socket reuses the current
slot once its socket is CLOSED, else takes the other one, where a CLOSING socket is *folded* into
the new one: its close event is dropped, as the model drops it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine, Hashable, Mapping
from typing import Any, TypeVar

from statebound.checker import System
from statebound.checker.conformance import Mismatch, Step
from statebound.checker.errors import InputError

from .browser import CLOSED, CONNECTING, OPEN, Browser, Request, Socket
from .clients import Policy, ReconnectingClient, SessionStore
from .server import CommandServer

__all__ = ["Phase3Adapter", "reference", "naive", "ignores_generation", "closes_only_open", "misconfigured_server",
           "CLOSE_CODES"]

T = TypeVar("T")

#: the close codes the model's browser socket has (models/socket.py)
CLOSE_CODES = (1000, 1001, 1006, 1011, 4401, 4403)
#: how long to wait for the implementation (an event, a request reaching the server), in seconds
PATIENCE = float(os.environ.get("STATEBOUND_CONFORMANCE_PATIENCE", "5"))
#: the model's handshake outcomes and what the server must answer for each
_HANDSHAKES = {"handshake_accepted": "accept", "handshake_rejected_401": 401, "handshake_rejected_403": 403,
               "handshake_network_failure": "fail"}


class Phase3Adapter:
    """Real server, browser, store and clients for a Phase 3 system (see the module docstring).

    Parameters
    ----------
    system : System
        ``models/phase3.py:after`` or ``:before`` (or a variant), without token refresh,
        StrictMode or the experience/guide services, which this adapter does not drive.
    policy : Policy
        The policy of every client.
    server_options : dict, optional
        Extra :class:`~.server.CommandServer` options (``forbidden_code=1008``: a server that
        closes with a code the model does not have).

    Use it as a context manager, or call :meth:`close` (it owns an event loop, a server and sockets).
    """

    internal = ("*.new_websocket[*]",)

    def __init__(self, system: System, *, policy: Policy, server_options: Mapping[str, Any] | None = None) -> None:
        self.system = system
        self.policy = policy
        params = dict(system.params)
        problems = [f"{k}={params[k]!r}" for k in ("refresh", "strict_mode", "experience", "guide") if params.get(k)]
        machines = {i.name: i.machine.name for i in system.instances}
        problems += [f"instance {n!r} (machine {m!r})" for n, m in machines.items()
                     if m not in ("session", "server", "component", "client", "WebSocket")]
        if problems or machines.get("session") != "session" or machines.get("server") != "server":
            raise InputError(f"the Phase 3 adapter drives the session store, the server, components, clients and their "
                             f"sockets, without token refresh, StrictMode or services; {system.name!r} has "
                             f"{', '.join(problems) or 'no session or server instance'}; check a simpler configuration")
        self.machine_of = machines
        self.auth_mode = str(params.get("auth_mode", "pre-auth"))
        self.retries = int(str(params.get("retries", 1)))
        self.variables = {f"{i}.{v}" for i, v in system.slots}
        self.clients = [n for n, m in machines.items() if m == "client"]
        self.slots = {c: [n for n, m in machines.items() if m == "WebSocket" and n.rpartition(".")[0] == c]
                      for c in self.clients}
        self.components = [n for n, m in machines.items() if m == "component"]
        #: component -> the clients its mount subscribes (read from the model's receivers)
        self.subscribers = {comp: [c for c in self.clients if any(
            t.on in (f"{comp}.subscribe", f"{comp}.strict_subscribe")
            for t in system.instance(c).machine.transitions)] for comp in self.components}
        self.loop = asyncio.new_event_loop()
        self.server = CommandServer(auth_mode=self.auth_mode, hold=True, **dict(server_options or {}))
        self._browser: Browser | None = None
        self._store: SessionStore | None = None
        self.real: dict[str, ReconnectingClient] = {}
        self.slot_sockets: dict[str, list[Socket | None]] = {}
        self.cur: dict[str, int] = {}
        self.mounted: dict[str, bool] = {}
        self._known: set[int] = set()
        self._closed = False
        self.leftover_tasks = 0
        self._run(self.server.start())

    # ------------------------------------------------------------------ the protocol

    def reset(self) -> None:
        self._run(self._reset())

    def perform(self, step: Step) -> None:
        self._run(self._perform(step))

    def observe(self) -> Mapping[str, Hashable]:
        store, server, browser = self.store, self.server, self.browser
        seen: dict[str, Hashable] = {
            "session.state": store.state,
            "session.gen": store.gen,
            "server.token_valid": server.session_valid(browser.cookies.get("session")),
            "server.permitted": server.permitted,
            "server.link": "Up" if server.link_up else "Down",
        }
        for comp in self.components:
            seen[f"{comp}.state"] = "Mounted" if self.mounted[comp] else "Unmounted"
        for c in self.clients:
            client = self.real[c]
            seen[f"{c}.state"] = client.state
            seen[f"{c}.retries"] = client.retries
            seen[f"{c}.cur"] = self.cur[c]
            seen[f"{c}.fetch"] = client.token_request is not None
            for k, ws in enumerate(self.slots[c]):
                sock = self.slot_sockets[c][k]
                ready = CLOSED if sock is None else sock.ready_state
                seen[f"{ws}.ready"] = ready
                seen[f"{ws}.aborted"] = sock is not None and sock.failed and ready != CLOSED
        return {k: v for k, v in seen.items() if k in self.variables}

    def close(self) -> None:
        """Stop the clients' connections and the server; close the event loop."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._browser is not None:
                self._run(self._browser.shutdown())
            self._run(self.server.stop())
            left = asyncio.all_tasks(self.loop)
            #: tasks still pending once the browser and the server stopped (a test asserts there are none)
            self.leftover_tasks = len(left)
            for task in left:
                task.cancel()
            if left:
                self.loop.run_until_complete(asyncio.gather(*left, return_exceptions=True))
            self._run(self.loop.shutdown_asyncgens())
        finally:
            self.loop.close()

    def __enter__(self) -> Phase3Adapter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ the implementation's parts

    @property
    def browser(self) -> Browser:
        assert self._browser is not None, "reset() first"
        return self._browser

    @property
    def store(self) -> SessionStore:
        assert self._store is not None, "reset() first"
        return self._store

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    async def _reset(self) -> None:
        if self._browser is not None:
            await self._browser.shutdown()
        await self.server.reset()
        browser = Browser("127.0.0.1", self.server.port, lockstep=True)
        browser.cookies["session"] = self.server.login()  # the user was logged in when the page loaded
        self._browser = browser
        self._store = store = SessionStore(browser.scope("session"))
        self.real = {c: ReconnectingClient(browser.scope(c), store, policy=self.policy, retries=self.retries)
                     for c in self.clients}
        self.slot_sockets = {c: [None] * len(self.slots[c]) for c in self.clients}
        self.cur = {c: 0 for c in self.clients}
        self.mounted = {comp: False for comp in self.components}
        self._known = set()
        store.start()
        await self._settle()

    # ------------------------------------------------------------------ performing a step

    async def _perform(self, step: Step) -> None:
        machine = self.machine_of[step.instance]
        t = step.transition
        if machine == "session":
            await self._session(t)
        elif machine == "server":
            await self._server(step, t)
        elif machine == "component":
            self.mounted[step.instance] = t == "mount"
            for c in self.subscribers[step.instance]:
                (self.real[c].subscribe if t == "mount" else self.real[c].unsubscribe)(step.instance)
        elif machine == "client":
            purpose = "retry" if t == "retry" else "handshake" if t.startswith("handshake_timeout") else ""
            timers = self.browser.pending_timers(step.instance, purpose) if purpose else []
            if not timers:
                raise Mismatch(f"the client has no {purpose or t} timer pending",
                               expected=f"{step.instance} fires its {purpose or t} timer", actual="no such timer")
            timers[0].fire()
        else:
            await self._socket(step, t)
        await self._settle()

    async def _session(self, t: str) -> None:
        if t == "logout":
            self.server.revoke_session(self.browser.cookies.get("session"))
            self.store.logout()
        elif t == "login":
            self.store.login(self.server.login())
        else:
            raise NotImplementedError(f"session.{t}")

    async def _server(self, step: Step, t: str) -> None:
        if t in ("answer_probe_200", "answer_probe_401"):
            await self._respond(step, self.store.probe, int(t[-3:]))
        elif t == "answer_api_401":
            self.store.call_api()
            await self._respond(step, self.store.api, 401)
        elif t == "token_expires":
            self.server.revoke_session(self.browser.cookies.get("session"))
        elif t == "permission_revoked":
            self.server.revoke_permission()
        elif t == "link_down":
            self.server.partition()
        elif t == "link_up":
            self.server.heal()
            self.browser.go_online()
        elif t.startswith("answer_token"):
            name, _, client = t.partition("[")
            status = {"answer_token": 200, "answer_token_401": 401, "answer_token_403": 403}[name]
            await self._respond(step, self.real[client.rstrip("]")].token_request, status)
        else:
            raise NotImplementedError(f"server.{t}")

    async def _respond(self, step: Step, req: Request | None, status: int) -> None:
        """The server answers the held request *req*; it must be *status*, and reaches the app."""
        if req is None:
            raise Mismatch("the implementation has no such request in flight",
                           expected=f"a request answered {status}", actual="no request")
        await self.server.wait_held(req.id, PATIENCE)
        verdict = self.server.decide(req.id)
        if verdict != status:
            raise Mismatch(f"the server answers {req.path} with {verdict}, not {status}",
                           expected=f"HTTP {status}", actual=f"HTTP {verdict}")
        self.server.answer(req.id)
        task = await self.browser.take(req, PATIENCE)
        if task is None or task.code != status:
            raise Mismatch(f"the app did not receive the answer {status}",
                           expected=f"HTTP {status}", actual="nothing" if task is None else f"HTTP {task.code}")
        self.browser.run(task)

    async def _socket(self, step: Step, t: str) -> None:
        client, _, _ = step.instance.rpartition(".")
        k = self.slots[client].index(step.instance)
        sock = self.slot_sockets[client][k]
        if sock is None:
            raise Mismatch("the client never created a socket in this slot",
                           expected=f"a socket in {step.instance}", actual="none")
        expect = (step.event or "").rpartition(".")[2]  # open, message, close_<code>
        server = self.server
        if t in _HANDSHAKES:
            await server.wait_held(sock.id, PATIENCE)
            verdict = server.decide(sock.id)
            if verdict != _HANDSHAKES[t]:
                raise Mismatch(f"the server's answer to the handshake is {verdict!r}",
                               expected=f"{_HANDSHAKES[t]!r} ({t})", actual=repr(verdict))
            server.answer(sock.id)
        elif t == "connection_dropped":
            await server.drop(sock.id)
        elif t in ("server_close_4401", "server_close_4403"):
            got = await server.enforce(sock.id)
            if got is None:
                raise Mismatch("the server checked the connection and left it open",
                               expected=f"a close {t[-4:]}", actual="the connection stays open")
        elif t.startswith("server_close_"):
            await server.close(sock.id, int(t.rpartition("_")[2]))
        elif t == "server_message":
            await server.send(sock.id, f"message {step.number}")
        elif t not in ("close_completed", "connection_failed"):
            raise NotImplementedError(f"{step.label}")
        before = len(self.real[client].messages)
        await self._deliver(step, sock, expect)
        if t == "server_message":
            delivered = len(self.real[client].messages) > before
            wanted = any(i == client and r.startswith("on_message") for i, r in step.receivers)
            if delivered != wanted:
                raise Mismatch(f"the client {'delivered' if delivered else 'dropped'} the message",
                               expected="delivered to the app" if wanted else "ignored",
                               actual="delivered to the app" if delivered else "ignored")

    async def _deliver(self, step: Step, sock: Socket, expect: str) -> None:
        """The browser's next event of *sock* must be *expect*; the client receives it."""
        task = await self.browser.take(sock, PATIENCE)
        if task is None:
            raise Mismatch(f"the socket reported nothing within {PATIENCE:g} s",
                           expected=f"{step.instance}: {expect}", actual="no event")
        got = task.kind if task.kind != "close" else f"close_{task.code}"
        if got != expect:
            unknown = task.kind == "close" and task.code not in CLOSE_CODES
            raise Mismatch(f"the socket reported {got}" +
                           (", a close code the model does not have" if unknown else ""),
                           expected=f"{step.instance}: {expect}", actual=f"{step.instance}: {got}")
        status = _HANDSHAKES.get(step.transition)
        if isinstance(status, int) and sock.http_status != status:
            raise Mismatch(f"the handshake was refused with HTTP {sock.http_status}",
                           expected=f"HTTP {status}", actual=f"HTTP {sock.http_status}")
        self.browser.run(task)

    # ------------------------------------------------------------------ after each step

    async def _settle(self) -> None:
        """Wait until every request the implementation started has reached the server (or ended),
        then map its new sockets to the model's slots."""
        loop = asyncio.get_running_loop()
        end = loop.time() + PATIENCE
        while True:
            waiting = self.browser.waiting() - set(self.server.held)
            if not waiting:
                break
            if loop.time() > end:
                raise Mismatch(f"requests {', '.join(sorted(waiting))} neither reached the server nor ended within "
                               f"{PATIENCE:g} s", expected="every request at the server", actual="still in flight")
            await asyncio.sleep(0.0005)
        self._track_sockets()

    def _track_sockets(self) -> None:
        for sock in self.browser.sockets:
            if id(sock) in self._known:
                continue
            self._known.add(id(sock))
            c = sock.owner
            slots, cur = self.slot_sockets[c], self.cur[c]
            old = slots[cur]
            k = cur if old is None or old.ready_state == CLOSED else (1 - cur if len(slots) == 2 else cur)
            there = slots[k]
            if there is not None and there.ready_state in (CONNECTING, OPEN):
                raise Mismatch(f"{c} created a socket while its sockets in the model's slots are live",
                               expected=f"at most {len(slots)} sockets, one live", actual="one more live socket")
            if there is not None and there.ready_state != CLOSED:
                self.browser.discard(there)  # folded into the new one, as the model folds it
            slots[k] = sock
            self.cur[c] = k


def reference(system: System) -> Phase3Adapter:
    """The ``after`` design's client (:meth:`Policy.reference`)."""
    return Phase3Adapter(system, policy=Policy.reference())


def naive(system: System) -> Phase3Adapter:
    """The audited client of ``before`` (:meth:`Policy.naive`): retries every close."""
    return Phase3Adapter(system, policy=Policy.naive())


def ignores_generation(system: System) -> Phase3Adapter:
    """The reference client broken on purpose: an old socket's events act on the client."""
    return Phase3Adapter(system, policy=Policy.reference().but(generation_check=False))


def closes_only_open(system: System) -> Phase3Adapter:
    """The reference client broken on purpose: ``close()`` only an OPEN socket, not a CONNECTING one."""
    return Phase3Adapter(system, policy=Policy.reference().but(close_connecting=False))


def misconfigured_server(system: System) -> Phase3Adapter:
    """The reference client against a server that closes with 1008 (policy violation) where the
    model says 4403: a code the model does not have."""
    return Phase3Adapter(system, policy=Policy.reference(), server_options={"forbidden_code": 1008})

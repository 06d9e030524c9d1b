"""The reconnecting WebSocket client (RuntimeClient, UnifiedWebSocketClient, a graphql-ws client).

Building block of :mod:`models.app` (issue 10): an *implementation* machine, acting only on what a
browser script can observe (its sockets' events, the session store, the answers to its HTTP
requests, the ``online`` event). One client object owns a few socket slots and commands them
(``new WebSocket`` and ``close()`` in its own steps); it is wanted while one of its *subscribers*
(components, see :mod:`models.components`) holds a subscription, and closes when the last one
leaves (a shared, lazy client; with one subscriber, a hook's own client).

States: ``Idle``; ``Fetching`` (awaiting the token request before ``new WebSocket``); ``Ready``
(a token in hand, ``new WebSocket`` is next); ``Connecting``; ``Open``; ``Closing`` (``close()``
called, waiting for the socket's ``close``); ``Backoff`` (a retry timer); ``Stopped`` (an auth
failure, or cancelled by the store: waits for a new session); ``Failed`` (retries used up).

What it does on each event is a :class:`ReconnectPolicy`: :meth:`ReconnectPolicy.reference` is the
``after`` design, :meth:`ReconnectPolicy.naive` the audited code, and each field removes or changes
one safeguard (the mutation tests and named variants of :mod:`models.phase3`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from statebound.checker import FALSE, TRUE, Bool, Enum, Expr, Int, Machine, Transition, Var, any_of, is_in, ite, ref

from ._expr import conj
from .network import Server, token_events, verify_events
from .session import Invalidation, SessionStore
from .socket import CLOSE_CODES, LIVE

__all__ = ["CLIENT_STATES", "ReconnectPolicy", "Subscriber", "Client", "ClientParts", "client_machine"]

CLIENT_STATES = Enum("Idle", "Fetching", "Ready", "Connecting", "Open", "Closing", "Backoff", "Stopped", "Failed")
#: states with a live current socket
CONNECTED = ("Connecting", "Open")
#: states with an attempt or a timer but no live socket
WAITING = ("Fetching", "Ready", "Backoff", "Stopped", "Failed")

# a transition's updates (the checker's own key type is wider: Vars, names, indexed variables)
Updates = dict[Any, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconnectPolicy:
    """What a client does on each event; every field is one design choice.

    Parameters
    ----------
    retry : {"ambiguous", "every-close"}
        ``ambiguous``: stop on 4401/4403 (the session or the permission is gone), retry other
        closes; ``every-close``: retry every close with backoff, 401/403 included (naive).
    session_gate : bool
        Start an attempt (subscribe, retry) only while the store says Active.
    token : {"fetch", "cached", "none"}
        ``fetch``: request a token over HTTP before every ``new WebSocket`` (401/403 visible);
        ``cached``: request it once and reconnect with it (the stale-token reconnect);
        ``none``: the socket authenticates with a cookie, ``connect()`` is synchronous.
    cancel_fetch : bool
        A cancelled attempt aborts its token request (otherwise its continuation still runs:
        ``const t = await getToken(); this.ws = new WebSocket(url, t)``).
    generation_check : bool
        Events of a socket that is no longer the current one are ignored.
    leave_closing_on_any_close : bool
        Leave ``Closing`` on any close of the current socket (False: only on 1000, the issue-3
        client, stuck when ``close()`` while CONNECTING ends with 1006).
    revive_online : bool
        A client that used up its retries tries again on the browser's ``online`` event.
    handshake_timeout : bool
        A handshake that takes too long is abandoned (``close()`` while CONNECTING) and retried.
    reverify : bool
        After an ambiguous 1006, ask the session probe before retrying (issue 3's client).
    refcount : bool
        Close only when the last subscriber leaves (False: the first one to leave closes it).
    idempotent_connect : bool
        ``connect()`` while connecting or open is a no-op (False: a second socket, the first
        still live).
    stale_token_reconnects : bool
        A 4401 on a socket whose token is of an older generation reconnects with a new token
        (False: it stops, as for the current token).

    Examples
    --------
    >>> ReconnectPolicy.reference().token
    'fetch'
    >>> ReconnectPolicy.naive().retry
    'every-close'
    """

    retry: str = "ambiguous"
    session_gate: bool = True
    token: str = "fetch"
    cancel_fetch: bool = True
    generation_check: bool = True
    leave_closing_on_any_close: bool = True
    revive_online: bool = True
    handshake_timeout: bool = True
    reverify: bool = False
    refcount: bool = True
    idempotent_connect: bool = True
    stale_token_reconnects: bool = True

    def __post_init__(self) -> None:
        problems = []
        if self.retry not in ("ambiguous", "every-close"):
            problems.append(f"retry={self.retry!r}: use 'ambiguous' or 'every-close'")
        if self.token not in ("fetch", "cached", "none"):
            problems.append(f"token={self.token!r}: use 'fetch', 'cached' or 'none'")
        if problems:
            raise ValueError("ReconnectPolicy: " + "; ".join(problems))

    @classmethod
    def reference(cls) -> ReconnectPolicy:
        """The ``after`` design's client."""
        return cls()

    @classmethod
    def naive(cls) -> ReconnectPolicy:
        """The audited code: connect whatever the session, retry every close, a cookie for a token."""
        return cls(retry="every-close", session_gate=False, token="none", revive_online=False,
                   handshake_timeout=False)

    def but(self, **changes: object) -> ReconnectPolicy:
        """A copy with *changes* (``policy.but(token="cached")``)."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


class Subscriber(Protocol):
    """What a client needs of a component that subscribes to it (see :mod:`models.components`)."""

    @property
    def name(self) -> str: ...
    @property
    def subscribed(self) -> Expr: ...
    @property
    def mounted(self) -> Expr: ...
    @property
    def subscribe(self) -> str | None: ...
    @property
    def strict_subscribe(self) -> str | None: ...
    @property
    def unsubscribe(self) -> str | None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Client:
    """One client object: its name, endpoint, policy, subscribers and how it is owned.

    Parameters
    ----------
    name : str
        Instance name; its sockets are ``<name>.ws1``, ``<name>.ws2``...
    endpoint : str
        The server endpoint (rule 5 counts live sockets per endpoint).
    policy : ReconnectPolicy
        What it does on each event.
    subscribers : tuple of Subscriber
        The components whose subscriptions make it connect.
    slots : int
        How many socket objects it can hold at once (2: a new one while the old one closes).
    store : bool
        Registered with the session store for its whole life (created once by a provider at the
        app root): resumed on the store's activations and closed (or cancelled) synchronously in its
        invalidation path.
    autostart : bool
        ``connect()`` was called when the app started (a service's client).
    """

    name: str
    endpoint: str
    policy: ReconnectPolicy
    subscribers: tuple[Subscriber, ...]
    slots: int = 2
    store: bool = True
    autostart: bool = False

    def __post_init__(self) -> None:
        if self.slots not in (1, 2):
            raise ValueError(f"{self.name}: slots={self.slots}: use 1 or 2")

    @property
    def sockets(self) -> tuple[str, ...]:
        return tuple(f"{self.name}.ws{k + 1}" for k in range(self.slots))

    def current(self, slot: int) -> Expr:
        """Socket *slot* is the current one."""
        return TRUE if self.slots == 1 else ref(self.name, "cur") == slot

    @property
    def owners_mounted(self) -> Expr:
        """A live socket of this client is legitimate only while this holds (rule 9)."""
        return any_of(s.mounted for s in self.subscribers)


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientParts:
    """A built client: its machine and, per socket, the closes it orders inside others' steps."""

    machine: Machine
    close_orders: Mapping[str, tuple[tuple[str, Expr], ...]] = field(default_factory=dict)
    strict_orders: Mapping[str, tuple[tuple[str, Expr, bool], ...]] = field(default_factory=dict)
    stale_token: Expr = FALSE
    #: the client calls ``close()`` in its own steps (a handshake timeout)
    closes_itself: bool = False


def client_machine(client: Client, *, store: SessionStore, server: Server, retries: int, refresh: bool = False,
                   invalidations: Sequence[Invalidation] = (), token_403: bool = True,
                   verify_403: bool = True) -> ClientParts:
    """Build *client* for a system with *store* and *server*.

    Parameters
    ----------
    client : Client
        What to build.
    store, server : SessionStore, Server
        The session store it reads (and is registered with, if ``client.store``) and the server.
    retries : int
        Retries after a close before giving up (``Failed``).
    refresh : bool
        The store rotates tokens: a token in hand records whether it is of an older generation.
    invalidations : sequence of Invalidation
        The store's invalidation path (besides logout); a registered client closes or cancels on
        each, in the same step.
    token_403, verify_403 : bool
        The token endpoint / the re-verification probe can answer 403.

    Examples
    --------
    >>> from statebound.models.components import component
    >>> view = component("View")
    >>> parts = client_machine(Client(name="c", endpoint="e", policy=ReconnectPolicy.reference(),
    ...                               subscribers=(view,)), store=SessionStore(), server=Server(), retries=1)
    >>> [v.name for v in parts.machine.variables]
    ['state', 'retries', 'cur', 'fetch']
    >>> sorted(parts.close_orders["c.ws1"])[0][0]
    'View.unsubscribe'
    """
    p = client.policy
    name = client.name
    first = "Idle" if not client.autostart else ("Ready" if p.token == "none" else "Fetching")
    state = Var("state", CLIENT_STATES, initial=first)
    n = Var("retries", Int(0, retries), initial=0)
    variables: list[Var] = [state, n]
    cur: Var | None = None
    if client.slots > 1:
        cur = Var("cur", Int(0, client.slots - 1), initial=0)
        variables.append(cur)
    fetching = p.token != "none"
    fetch = Var("fetch", Bool(), initial=first == "Fetching")
    tok_old = Var("tok_old", Bool(), initial=False)
    has_token = Var("has_token", Bool(), initial=False)
    verify = Var("verify", Bool(), initial=False)
    strict = Var("strict", Bool(), initial=False)
    tracks_generation = refresh and fetching
    sync_strict = not fetching and any(s.strict_subscribe for s in client.subscribers)
    if fetching:
        variables.append(fetch)
    if tracks_generation:
        variables.append(tok_old)
    if p.token == "cached":
        variables.append(has_token)
    if p.reverify:
        variables.append(verify)
    if sync_strict:
        variables.append(strict)

    gate: Expr = store.active if p.session_gate else TRUE

    def start(*, strict_mode: bool = False) -> Updates:
        """Begin an attempt: request a token, or get ready to call ``new WebSocket``."""
        ups: Updates
        if p.token == "none":
            ups = {state: "Ready"}
        elif p.token == "fetch":
            ups = {state: "Fetching", fetch: True}
        else:
            ups = {state: ite(has_token, "Ready", "Fetching"), fetch: fetch | ~has_token}
        if sync_strict:
            ups[strict] = strict_mode
        return ups

    def cancel() -> Updates:
        ups: Updates = {state: "Idle", n: 0}
        if fetching and p.cancel_fetch:
            ups[fetch] = False
        if tracks_generation and p.token == "fetch":
            ups[tok_old] = False
        if sync_strict:
            ups[strict] = False
        # (a pending re-verification survives a cancel: the next socket waits for its answer)
        return ups

    def retry_later(*, ambiguous: bool) -> Updates:
        ups: Updates = {state: ite(n < retries, "Backoff", "Failed")}
        if p.reverify and ambiguous:
            ups[verify] = True  # whatever comes next (a retry, a new subscriber) waits for the answer
        return ups

    ts: list[Transition] = []
    orders: list[tuple[str, Expr]] = []

    def closes_on(event: str, condition: Expr, label: str, cancels: tuple[str, ...] = WAITING) -> None:
        """On *event* (when *condition* held): close a live socket, cancel the states *cancels*."""
        ts.append(Transition(f"close_on[{label}]", on=event, guard=conj(condition, is_in(state, *CONNECTED)),
                             updates={state: "Closing", n: 0}))
        ts.append(Transition(f"cancel_on[{label}]", on=event, guard=conj(condition, is_in(state, *cancels)),
                             updates=cancel()))
        # the socket reads the same condition, on the client's variables (one step, no cascade)
        orders.append((event, conj(condition, is_in(ref(name, "state"), *CONNECTED))))

    # -- subscribers: the components whose effects subscribe and unsubscribe -------------------
    # a client stopped by an auth failure remembers it until a new session, unless its next attempt
    # starts with a token request (which sees the 401/403 again)
    forgettable = WAITING if p.token == "fetch" else tuple(w for w in WAITING if w != "Stopped")
    startable = ("Idle", "Closing") if p.idempotent_connect else ("Idle", "Closing", *WAITING[:3], *CONNECTED)
    for s in client.subscribers:
        others = any_of(o.subscribed for o in client.subscribers if o is not s)
        last: Expr = ~others if p.refcount else TRUE
        # (without idempotent_connect, connect() again while connecting or open starts a second
        # socket, the first one still live)
        can = conj(is_in(state, *startable), gate)
        if s.subscribe is not None:  # None: StrictMode, whose mount subscribes with strict_subscribe
            ts.append(Transition(f"subscribe[{s.subscribe}]", on=s.subscribe, guard=can, updates={**start(), n: 0}))
        if s.strict_subscribe:
            ts.append(Transition(f"subscribe[{s.strict_subscribe}]", on=s.strict_subscribe, guard=can,
                                 updates={**start(strict_mode=True), n: 0}))
        if s.unsubscribe is not None:  # None: an effect run that never cleans up
            closes_on(s.unsubscribe, last, s.unsubscribe, forgettable)

    # -- the session store: activations resume a wanted client, invalidations close it ----------
    wanted = any_of(s.subscribed for s in client.subscribers)
    own = {*token_events(name), *verify_events(name), *(f"{ws}.close_4401" for ws in client.sockets)}
    if client.store:
        resumable = is_in(state, "Idle", "Closing", "Stopped", "Failed") & wanted
        for event in store.activations:
            ts.append(Transition(f"resume_on[{event}]", on=event, guard=resumable,
                                 updates={**start(), n: 0}))
            if event == store.login and p.token != "fetch":
                # a new session lifts a stop even if nobody wants a connection right now
                ts.append(Transition(f"reset_on[{event}]", on=event, guard=(state == "Stopped") & ~wanted,
                                     updates=cancel()))
        for inv in (Invalidation(event=store.logout, evidence=False), *invalidations):
            if inv.event not in own:
                closes_on(inv.event, conj(inv.condition, store.active), inv.event)

    # -- its sockets' events ----------------------------------------------------------------------
    def handle(label: str, event: str, slot: int, guard: Expr, updates: Updates, tags: tuple[str, ...] = ()) -> None:
        is_cur = client.current(slot)
        ts.append(Transition(label, on=event, guard=conj(guard, is_cur), updates=updates, tags=tags))
        if not p.generation_check and client.slots > 1:
            # the handler of an old socket acts as if its socket were the current one
            ts.append(Transition(f"{label}_old", on=event, guard=guard & ~is_cur, updates=updates,
                                 tags=(*tags, "old_socket_event")))

    stop: Updates = {state: "Stopped", n: 0}
    renew: Updates = {state: "Backoff"}
    for k, ws in enumerate(client.sockets):
        handle(f"on_open[{ws}]", f"{ws}.open", k, state == "Connecting", {state: "Open", n: 0})
        handle(f"on_message[{ws}]", f"{ws}.message", k, state == "Open", {}, ("deliver",))
        for code in CLOSE_CODES:
            event = f"{ws}.close_{code}"
            # a CLOSING socket ends with 1000, or 1006 if close() came while CONNECTING (or the network
            # failed); the server's codes need an OPEN socket
            if code == "1000" or (p.leave_closing_on_any_close and code == "1006"):
                handle(f"on_close_{code}_while_closing[{ws}]", event, k, state == "Closing", {state: "Idle"})
            live = is_in(state, *CONNECTED)
            if p.retry == "ambiguous" and code == "4403":
                handle(f"on_close_4403[{ws}]", event, k, live, stop, ("stop", "forbidden"))
            elif p.retry == "ambiguous" and code == "4401":
                if tracks_generation and p.stale_token_reconnects:
                    stale = ref(ws, "stale")
                    handle(f"on_close_4401_stale_token[{ws}]", event, k, live & stale, renew)
                    handle(f"on_close_4401[{ws}]", event, k, live & ~stale, stop, ("stop",))
                else:
                    handle(f"on_close_4401[{ws}]", event, k, live, stop, ("stop",))
            elif code == "1006" and tracks_generation and p.stale_token_reconnects:
                # a socket whose token rotated while it connected: reconnect with a new one, whatever
                # the budget (the next token is the current one)
                stale = ref(ws, "stale")
                handle(f"on_close_1006_stale_token[{ws}]", event, k, live & stale, renew)
                handle(f"on_close_1006[{ws}]", event, k, live & ~stale, retry_later(ambiguous=True))
            else:
                handle(f"on_close_{code}[{ws}]", event, k, live, retry_later(ambiguous=code == "1006"))
            if p.generation_check and client.slots > 1 and code in ("1000", "1006"):
                # a closed (or aborted) socket's close event arrives after a new socket was created
                ts.append(Transition(f"ignore_old[{event}]", on=event, guard=~client.current(k),
                                     tags=("old_socket_event",)))

    # -- its own steps: new WebSocket, retry, handshake timeout -----------------------------------
    slot_state = [ref(ws, "ready") for ws in client.sockets]
    for k, ws in enumerate(client.sockets):
        if client.slots == 1:
            free: Expr = TRUE
        else:
            other = slot_state[1 - k]
            # reuse the current slot once its socket is CLOSED; else take the other one (a CLOSING
            # socket there is folded into the new one); two live sockets leave no free slot
            free = ((ref(name, "cur") == k) & (slot_state[k] == "CLOSED")) | (
                (ref(name, "cur") != k) & (other != "CLOSED") & ~is_in(slot_state[k], *LIVE))
        ups: Updates = {state: "Connecting"}
        if cur is not None:
            ups[cur] = k
        if tracks_generation and p.token == "fetch":
            ups[tok_old] = False
        # the continuation of the token request checks the session again before `new WebSocket`
        guard = conj(state == "Ready", free, gate, ~strict if sync_strict else True, ~verify if p.reverify else True)
        ts.append(Transition(f"new_websocket[{ws}]", guard=guard, updates=ups, emit=f"{name}.new[{ws}]", fair="weak"))
    strict_orders: dict[str, tuple[tuple[str, Expr, bool], ...]] = {}
    if sync_strict and client.slots == 2:
        # StrictMode ran effect, cleanup, effect: socket 1 was created and closed while CONNECTING
        # (its close 1006 is queued), socket 2 is the current one
        both_free = ~is_in(slot_state[0], *LIVE) & ~is_in(slot_state[1], *LIVE)
        ts.append(Transition("new_websocket_strict_mode",
                             guard=conj(state == "Ready", strict, both_free, gate, ~verify if p.reverify else True),
                             updates={state: "Connecting", strict: False, "cur": 1 - ref(name, "cur")},
                             emit=f"{name}.new_strict",
                             fair="weak"))
        for k, ws in enumerate(client.sockets):
            # the first socket takes the current slot, the second the other one, which becomes current
            strict_orders[ws] = ((f"{name}.new_strict", client.current(k), True),
                                 (f"{name}.new_strict", ~client.current(k), False))
    ts.append(Transition("retry", guard=conj(state == "Backoff", ~verify if p.reverify else True, gate),
                         updates={**start(), n: ite(n < retries, n + 1, n)}, tags=("retry",), fair="weak"))
    if p.handshake_timeout:
        # a slow handshake is the network's doing: retry it whatever the budget (the strongly fair
        # handshake outcomes make an endless race with the timer unfair, so it does not hide a bug)
        timed_out: Updates = {state: "Backoff"}
        for k, ws in enumerate(client.sockets):
            ts.append(Transition(f"handshake_timeout[{ws}]",
                                 guard=(state == "Connecting") & client.current(k) & (slot_state[k] == "CONNECTING"),
                                 updates=timed_out, emit=f"{name}.close[{ws}]"))
    if p.revive_online:
        revived: Updates = {state: "Backoff", n: 0}
        if p.reverify:
            revived[verify] = True
        ts.append(Transition("revive_online", on=server.online, guard=state == "Failed", updates=revived))

    # -- answers to its HTTP requests ---------------------------------------------------------------
    if fetching:
        ok, no, forbidden = token_events(name)
        got: Updates = {state: "Ready", fetch: False}
        if tracks_generation:
            got[tok_old] = False
        if p.token == "cached":
            got[has_token] = True
        ts += [
            Transition("token_received", on=ok, guard=fetch, updates=got),
            Transition("token_401", on=no, guard=fetch, updates={**cancel(), fetch: False}),
        ]
        if token_403:
            ts.append(Transition("token_403", on=forbidden, guard=fetch,
                                 updates={**cancel(), state: "Stopped", fetch: False}, tags=("stop", "forbidden")))
        if tracks_generation:
            holding = (state == "Ready") if p.token == "fetch" else has_token
            ts.append(Transition("token_rotated", on=store.refreshed, guard=holding & ~tok_old, updates={tok_old: True}))
    if p.reverify:
        ok, no, forbidden = verify_events(name)
        halt: Updates = {state: "Stopped", n: 0}
        ts += [
            Transition("verified_ok", on=ok, guard=verify, updates={verify: False}),
            Transition("verified_401", on=no, guard=verify, updates={**halt, verify: False}, tags=("stop",)),
        ]
        if verify_403:
            ts.append(Transition("verified_403", on=forbidden, guard=verify, updates={**halt, verify: False},
                                 tags=("stop", "forbidden")))
    machine = Machine(name="client", variables=tuple(variables), transitions=tuple(ts), implementation=True,
                      control="state")
    per_socket = {ws: tuple((e, conj(c, client.current(k))) for e, c in orders) for k, ws in enumerate(client.sockets)}
    return ClientParts(machine=machine, close_orders=per_socket, strict_orders=strict_orders,
                       stale_token=ref(name, "tok_old") if tracks_generation else FALSE,
                       closes_itself=p.handshake_timeout)

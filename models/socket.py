"""The browser's WebSocket: one ``new WebSocket(...)`` object, its readyState and its events.

Building block of :mod:`models.app` (issue 10). What a page's script sees, and only that: ``open``;
``message``; ``close`` with a code. A handshake the server rejects with 401 or 403 and one that
fails on the network look the same to a browser: ``error`` then ``close`` 1006, no ``open`` (the
HTTP status is hidden); the reason is visible here only as the name of the transition, which the
client cannot read. ``close()`` while CONNECTING is legal and *fails the WebSocket connection*
(WHATWG WebSockets, "fail the WebSocket connection"): readyState becomes CLOSING, no ``open``
follows, and the script gets ``error`` and ``close`` 1006, not 1000 (``aborted`` remembers it).

A client owns a few socket *slots* (each an instance of this machine) and commands them: its own
steps emit ``<client>.new[<socket>]`` (``new WebSocket``) and ``<client>.close[<socket>]``
(``ws.close()``). A close the client makes synchronously inside someone else's step (the session
store's invalidation path, a component's cleanup) reaches the socket as that step's event, with
the condition under which the client closes it (:attr:`models.client.Client.close_orders`): the
language has no cascading broadcasts yet.

With token refresh, ``stale`` records that the socket was created with a token of an older
generation than the store's current one; the server accepts the current generation only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from statebound.checker import FALSE, Bool, Enum, Expr, Machine, Transition, Var, is_in

from ._expr import conj
from .network import Server

__all__ = ["READY", "LIVE", "CLOSE_CODES", "socket_machine", "socket_events"]

# a transition's updates (the checker's own key type is wider: Vars, names, indexed variables)
Updates = dict[Any, Any]

READY = Enum("CLOSED", "CONNECTING", "OPEN", "CLOSING")
LIVE = ("CONNECTING", "OPEN")
#: every close code a client can observe; 1006 is all a browser gets for a failed handshake
CLOSE_CODES = ("1000", "1001", "1006", "1011", "4401", "4403")


def socket_events(socket: str) -> tuple[str, ...]:
    """Every event *socket* delivers to its client: open, message, then one close per code."""
    return (f"{socket}.open", f"{socket}.message", *(f"{socket}.close_{c}" for c in CLOSE_CODES))


def socket_machine(name: str, *, client: str, server: Server, refresh: bool = False,
                   close_orders: Sequence[tuple[str, Expr]] = (), stale_token: Expr | bool = False,
                   strict_creations: Sequence[tuple[str, Expr, bool]] = (), commanded_close: bool = True) -> Machine:
    """The socket slot *name* of *client*.

    Parameters
    ----------
    name : str
        The instance name; events are ``<name>.open``, ``<name>.message``, ``<name>.close_<code>``.
    client : str
        The client that commands it with ``<client>.new[<name>]`` and ``<client>.close[<name>]``.
    server : Server
        Whose truth decides handshakes and closes (and its auth mode).
    refresh : bool
        Track the token generation (``stale``): a token rotation makes the socket's token old.
    close_orders : sequence of (event, condition)
        Other events on which the client closes this socket synchronously when *condition* held
        before the step (the condition includes "this is the client's current socket").
    stale_token : Expr or bool
        Whether the token the client creates the socket with is already of an older generation.
    strict_creations : sequence of (event, condition, aborted)
        Events on which the client creates this socket inside a StrictMode double effect run, when
        *condition* held: the first run's socket is closed at once (``aborted``), the second's lives.
    commanded_close : bool
        The client calls ``close()`` on it in its own steps (``<client>.close[<name>]``).

    Tags: ``new_socket`` and ``new_socket@<client>`` on every ``new WebSocket``; ``accepted`` on a
    handshake the server accepts; ``auth_failure@<client>`` on every rejection for 401/403 and
    every close 4401/4403 the session or the permission is to blame for (hidden or not);
    ``stale_token`` on a rejection for a token of an older generation.

    Examples
    --------
    >>> m = socket_machine("c.ws1", client="c", server=Server(auth_mode="pre-auth"))
    >>> sorted(t.emit for t in m.transitions if t.name.startswith("handshake_rejected"))
    ['c.ws1.close_1006', 'c.ws1.close_1006']
    """
    ready = Var("ready", READY, initial="CLOSED")
    aborted = Var("aborted", Bool(), initial=False)
    stale_var = Var("stale", Bool(), initial=False)
    variables = [ready, aborted, stale_var] if refresh else [ready, aborted]
    live = is_in(ready, *LIVE)
    close_now: Updates = {ready: "CLOSING", aborted: ready == "CONNECTING"}
    created: Updates = {ready: "CONNECTING", aborted: False}
    stale: Expr = FALSE
    if refresh:
        created[stale_var] = stale_token
        stale = stale_var
    ts = [
        # a CLOSING socket in this slot becomes a new one: its close event, still queued, is dropped
        # (a second old socket is folded into the first; this only hides stale events)
        Transition("new_websocket", on=f"{client}.new[{name}]", updates=created,
                   tags=("new_socket", f"new_socket@{client}")),
    ]
    if commanded_close:
        ts.append(Transition("close", on=f"{client}.close[{name}]", guard=live, updates=close_now))
    for event, condition, closed_at_once in strict_creations:
        ts.append(Transition(f"new_websocket[{event}{', closed at once' if closed_at_once else ''}]", on=event,
                             guard=condition,
                             updates={ready: "CLOSING", aborted: True} if closed_at_once else created,
                             tags=("new_socket", f"new_socket@{client}")))
    for event, condition in close_orders:
        ts.append(Transition(f"close_on[{event}]", on=event, guard=conj(live, condition), updates=close_now))
    if refresh:
        ts.append(Transition("token_rotated", on=f"{server.name}.refreshed", guard=live & ~stale_var,
                             updates={stale_var: True}))
    up = server.up
    token, allowed = server.token_valid, server.permitted
    authorised = conj(token, allowed, ~stale if refresh else True)
    post = server.post_auth
    auth = f"auth_failure@{client}"
    ts += [
        Transition("handshake_accepted", guard=conj(ready == "CONNECTING", up, True if post else authorised),
                   updates={ready: "OPEN"}, emit=f"{name}.open", tags=("accepted",), fair="strong"),
        Transition("handshake_network_failure", guard=(ready == "CONNECTING") & ~up, updates={ready: "CLOSED"},
                   emit=f"{name}.close_1006", fair="strong"),
        Transition("connection_dropped", guard=(ready == "OPEN") & ~up, updates={ready: "CLOSED"},
                   emit=f"{name}.close_1006", fair="strong"),
    ]
    if post:
        # the server checks the token (then the permission) first thing; a pre-auth server never
        # re-checks an open socket, a post-auth one does as soon as it may
        ts += [
            Transition("server_close_4401", guard=(ready == "OPEN") & up & ~token, updates={ready: "CLOSED"},
                       emit=f"{name}.close_4401", tags=(auth,), fair="strong"),
            Transition("server_close_4403", guard=(ready == "OPEN") & up & token & ~stale & ~allowed,
                       updates={ready: "CLOSED"}, emit=f"{name}.close_4403", tags=(auth,), fair="strong"),
        ]
        if refresh:
            ts.append(Transition("server_close_4401_stale_token", guard=(ready == "OPEN") & up & token & stale,
                                 updates={ready: "CLOSED"}, emit=f"{name}.close_4401", tags=("stale_token",),
                                 fair="strong"))
    else:
        ts += [
            Transition("server_close_4401", guard=(ready == "OPEN") & up & ~token, updates={ready: "CLOSED"},
                       emit=f"{name}.close_4401", tags=(auth,)),
            Transition("server_close_4403", guard=(ready == "OPEN") & up & token & ~allowed, updates={ready: "CLOSED"},
                       emit=f"{name}.close_4403", tags=(auth,)),
            Transition("handshake_rejected_401", guard=(ready == "CONNECTING") & up & ~token,
                       updates={ready: "CLOSED"}, emit=f"{name}.close_1006", tags=(auth,), fair="strong"),
            Transition("handshake_rejected_403", guard=(ready == "CONNECTING") & up & token & ~stale & ~allowed,
                       updates={ready: "CLOSED"}, emit=f"{name}.close_1006", tags=(auth,), fair="strong"),
        ]
        if refresh:
            ts.append(Transition("handshake_rejected_stale_token", guard=(ready == "CONNECTING") & up & token & stale,
                                 updates={ready: "CLOSED"}, emit=f"{name}.close_1006", tags=("stale_token",),
                                 fair="strong"))
    # a post-auth server closes an unauthorised socket with 4401/4403 before anything else
    serving = conj(ready == "OPEN", up, authorised if post else True)
    ts += [
        Transition(f"server_close_{code}", guard=serving, updates={ready: "CLOSED"}, emit=f"{name}.close_{code}")
        for code in ("1000", "1001", "1011")
    ]
    ts += [
        Transition("server_message", guard=serving, emit=f"{name}.message"),
        # the closing handshake of a close() completes (or times out); a close() while CONNECTING
        # failed the connection: error, then close 1006
        Transition("close_completed", guard=(ready == "CLOSING") & ~aborted, updates={ready: "CLOSED"},
                   emit=f"{name}.close_1000", fair="strong"),
        Transition("connection_failed", guard=(ready == "CLOSING") & aborted, updates={ready: "CLOSED", aborted: False},
                   emit=f"{name}.close_1006", fair="strong"),
    ]
    return Machine(name="WebSocket", variables=tuple(variables), transitions=tuple(ts), implementation=False,
                   control="ready")


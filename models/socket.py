"""The browser's WebSocket (one instance per client): readyState, handshakes and event delivery.

What a page's script sees, and only that: ``open``; ``close`` with a code; ``message``. A handshake
the server rejects with 401 or 403 and one that fails on the network look the same to a browser:
``error`` then ``close`` 1006, no ``open`` (the HTTP status is hidden). The reason is visible here
only as the name of the transition, which the client cannot read. ``close()`` while CONNECTING is
legal; no ``open`` follows. ``old`` is a socket the client already closed whose ``close`` event is
still queued: it arrives later, after the client may have opened a new socket (one such socket is
tracked; a second one closed before the first reports is folded into it, which only hides stale
events, never invents one).
"""

from __future__ import annotations

from collections.abc import Iterable

from statebound.checker import Bool, Enum, Machine, Transition, Var, is_in, ref

from .network import link_up, permitted, token_valid

__all__ = ["READY", "LIVE", "CLOSE_CODES", "socket_machine"]

READY = Enum("CLOSED", "CONNECTING", "OPEN", "CLOSING")
LIVE = ("CONNECTING", "OPEN")
#: every close code a client can observe; 1006 is all a browser gets for a failed handshake
CLOSE_CODES = ("1000", "1001", "1006", "1011", "4401", "4403")


def socket_machine(name: str, *, client: str, connects: Iterable[str], disconnects: Iterable[str],
                   auth_mode: str) -> Machine:
    """The socket *name* of *client*, created on the *connects* events of its owners (a
    ``.strict_connect`` one is StrictMode's effect-cleanup-effect) and closed on *disconnects*.

    Tags: ``new_socket`` on every ``new WebSocket(...)`` (``retry`` too when the client's backoff
    timer made it), ``auth_failure`` on every rejection for 401/403/4401/4403 (hidden or not),
    ``old_socket_event`` on the delivery of an old socket's ``close``, ``new_session`` on login.
    """
    ready = Var("ready", READY, initial="CLOSED")
    old = Var("old", Bool(), initial=False)
    cstate = ref(client, "state")
    can_connect = ~is_in(cstate, "Connecting", "Open")  # connect() is a no-op while connecting/open
    # a socket still CLOSING becomes an old socket whose close event will arrive later
    keep_old = old | (ready == "CLOSING")
    post = auth_mode == "post-auth"
    up = link_up()
    fair_auth_close = "strong" if post else None  # a pre-auth server may never re-check an open socket
    ts: list[Transition] = []
    for event in sorted(connects):
        if event.endswith(".strict_connect"):
            # StrictMode runs effect, cleanup, effect back to back: socket 1 is created and closed
            # while CONNECTING (its close 1006 is queued), socket 2 is created
            updates = {ready: "CONNECTING", old: True}
        else:
            updates = {ready: "CONNECTING", old: keep_old | is_in(ready, *LIVE)}
        ts.append(Transition(f"new_socket[{event}]", on=event, guard=can_connect, updates=updates, tags=("new_socket",)))
    for event in sorted(disconnects):
        ts.append(Transition(f"close[{event}]", on=event, guard=is_in(ready, *LIVE), updates={ready: "CLOSING"}))
    ts += [
        Transition("new_socket[retry]", on=f"{client}.retry", updates={ready: "CONNECTING", old: keep_old | is_in(ready, *LIVE)},
                   tags=("new_socket", "retry")),
        Transition("handshake_accepted", guard=(ready == "CONNECTING") & up & (True if post else token_valid() & permitted()),
                   updates={ready: "OPEN"}, emit=f"{name}.open", fair="strong"),
        Transition("handshake_network_failure", guard=(ready == "CONNECTING") & ~up, updates={ready: "CLOSED"},
                   emit=f"{name}.close_1006", fair="strong"),
        Transition("connection_dropped", guard=(ready == "OPEN") & ~up, updates={ready: "CLOSED"},
                   emit=f"{name}.close_1006", fair="strong"),
        Transition("server_close_4401", guard=(ready == "OPEN") & up & ~token_valid(), updates={ready: "CLOSED"},
                   emit=f"{name}.close_4401", tags=("auth_failure",), fair=fair_auth_close),
        Transition("server_close_4403", guard=(ready == "OPEN") & up & token_valid() & ~permitted(), updates={ready: "CLOSED"},
                   emit=f"{name}.close_4403", tags=("auth_failure",), fair=fair_auth_close),
    ]
    if not post:
        ts += [
            Transition("handshake_rejected_401", guard=(ready == "CONNECTING") & up & ~token_valid(),
                       updates={ready: "CLOSED"}, emit=f"{name}.close_1006", tags=("auth_failure",), fair="strong"),
            Transition("handshake_rejected_403", guard=(ready == "CONNECTING") & up & token_valid() & ~permitted(),
                       updates={ready: "CLOSED"}, emit=f"{name}.close_1006", tags=("auth_failure",), fair="strong"),
        ]
    # a post-auth server checks the token first: its first close of an unauthorised socket is 4401/4403
    authorised = (token_valid() & permitted()) if post else True
    ts += [
        Transition(f"server_close_{code}", guard=(ready == "OPEN") & up & authorised, updates={ready: "CLOSED"},
                   emit=f"{name}.close_{code}")
        for code in ("1000", "1001", "1011")
    ]
    ts += [
        Transition("server_message", guard=(ready == "OPEN") & up, emit=f"{name}.message"),
        # the closing handshake of a close() we asked for completes (or times out)
        Transition("close_completed", guard=ready == "CLOSING", updates={ready: "CLOSED"},
                   emit=f"{name}.close_1000", fair="strong"),
        Transition("old_socket_closed", guard=old, updates={old: False}, emit=f"{name}.old_close",
                   tags=("old_socket_event",), fair="strong"),
        Transition("new_session", on="login", tags=("new_session",)),
    ]
    return Machine(name="WebSocket", variables=(ready, old), transitions=tuple(ts), implementation=False,
                   control="ready")

"""The session-boundary rules (issues 3 and 10), in checker's property language, each with a witness.

Every rule is a builder taking the :class:`statebound.models.app.Wiring` of an assembled app (which
clients, sockets, components and endpoints it has); :func:`rules` gives all of them and
:func:`rule_of` maps a property name to its rule number:

1. ``connect-only-when-active``: every ``new WebSocket`` starts while the session is Active.
2. ``no-live-socket-when-not-active``: no socket is CONNECTING or OPEN in any state where the
   session is not Active (the plan's literal claim).
3. ``disconnect-after-invalidation``: once the session is Invalid, every socket is eventually
   CLOSED, unless a new session is Active first (liveness).
4. ``no-retry-after-auth-failure-<client>``: after a 401/403 (seen or not) or a 4401/4403 on one of
   its sockets, the client creates no socket until a login.
5. ``one-live-client-per-endpoint``: at most one live socket per endpoint, counting every client
   object and every socket each holds.
6. ``old-socket-events-change-nothing`` and ``client-agrees-with-its-socket``: an event of a socket
   that is no longer the current one changes nothing in its client, and every client agrees with
   its current socket.
7. ``recovery-<owner>``: while the owner is mounted and the session is Active and stable, its
   client eventually has an open connection (liveness).
8. ``open-only-when-active``, ``message-only-when-active``: a handshake is accepted, and a server
   message delivered to the app, only while the session is Active.
9. ``no-socket-for-unmounted-owner``: a socket is live only while one of its owners is mounted.
10. ``valid-session-never-invalidated``: the store declares the session Invalid on evidence (a 401,
    a 4401) only when the server really rejects the session (the user's logout aside).
"""

from __future__ import annotations

from collections.abc import Iterator

from statebound.checker import (
    Expr,
    Property,
    all_of,
    always,
    any_of,
    count,
    implies,
    is_in,
    leads_to,
    never_after,
    on_step,
    ref,
    sometimes,
    unchanged,
)
from statebound.models.app import Wiring
from statebound.models.client import Client
from statebound.models.socket import LIVE

__all__ = [
    "connect_only_when_active",
    "no_live_socket_when_not_active",
    "disconnect_after_invalidation",
    "no_retry_after_auth_failure",
    "one_live_client_per_endpoint",
    "old_socket_events_change_nothing",
    "recovery",
    "open_and_messages_only_when_active",
    "no_socket_for_unmounted_owner",
    "valid_session_never_invalidated",
    "rules",
    "rule_of",
    "coherent",
    "slug",
    "RULES",
]


def _live(ws: str) -> Expr:
    return is_in(ref(ws, "ready"), *LIVE)


def _sockets(w: Wiring) -> Iterator[tuple[Client, str]]:
    for c in w.clients:
        for ws in c.sockets:
            yield c, ws


def _any_live(w: Wiring) -> Expr:
    return any_of(_live(ws) for _, ws in _sockets(w))


def slug(name: str) -> str:
    """A kebab-case name for a property: ``ChatProvider.client`` -> ``chat-provider``."""
    out: list[str] = []
    for ch in name.removesuffix(".client"):
        if ch.isupper() and out and out[-1] != "-":
            out.append("-")
        out.append(ch.lower() if ch.isalnum() else "-")
    return "".join(out).strip("-").replace("--", "-")


# 1 ------------------------------------------------------------------------------------------
def connect_only_when_active(w: Wiring) -> tuple[Property, ...]:
    """Rule 1: every ``new WebSocket(...)`` (a first connect or a retry) starts while the session is Active."""
    active = w.store.active
    return (
        on_step("connect-only-when-active", "new_socket", before=active),
        sometimes("connect-only-when-active-witness", active & _any_live(w)),
    )


# 2 ------------------------------------------------------------------------------------------
def no_live_socket_when_not_active(w: Wiring) -> tuple[Property, ...]:
    """Rule 2, the plan's claim as written: no socket is live in any state where the session is not
    Active. A design that closes sockets in an effect cleanup cannot meet it (the cleanup runs in a
    later step than the session change); the witness is a socket closing after the session ended."""
    active = w.store.active
    closing = any_of(ref(ws, "ready") == "CLOSING" for _, ws in _sockets(w))
    return (
        always("no-live-socket-when-not-active", implies(_any_live(w), active)),
        sometimes("no-live-socket-when-not-active-witness", ~active & closing),
    )


# 3 ------------------------------------------------------------------------------------------
def disconnect_after_invalidation(w: Wiring) -> tuple[Property, ...]:
    """Rule 3: once the session is Invalid, every socket is eventually CLOSED (its close completed,
    or the server or the network closed it), unless a new session becomes Active first."""
    invalid = w.store.state == "Invalid"
    open_ = any_of(ref(ws, "ready") != "CLOSED" for _, ws in _sockets(w))
    return (
        leads_to("disconnect-after-invalidation", invalid & open_, ~open_ | w.store.active),
        sometimes("disconnect-after-invalidation-witness", invalid & open_),
    )


# 4 ------------------------------------------------------------------------------------------
def no_retry_after_auth_failure(w: Wiring) -> tuple[Property, ...]:
    """Rule 4, one observer per client: after one of its sockets was rejected 401/403 (which a
    browser sees only as 1006) or closed 4401/4403 for the session or the permission, the client
    creates no socket (a retry or any other) until a login."""
    out: list[Property] = [
        never_after(f"no-retry-after-auth-failure-{slug(c.name)}", trigger=f"auth_failure@{c.name}",
                    forbidden=f"new_socket@{c.name}", until="new_session", per_instance=False)
        for c in w.clients
    ]
    s = w.server
    out.append(sometimes("no-retry-after-auth-failure-witness", _any_live(w) & (~s.token_valid | ~s.permitted)))
    return tuple(out)


# 5 ------------------------------------------------------------------------------------------
def one_live_client_per_endpoint(w: Wiring) -> tuple[Property, ...]:
    """Rule 5: at most one live socket per endpoint, counting every client object and every socket
    each holds (a hook's own client, a client object per effect run, a second socket of one client)."""
    endpoints = sorted({c.endpoint for c in w.clients})
    per = [count(_live(ws) for c, ws in _sockets(w) if c.endpoint == e) for e in endpoints]
    return (
        always("one-live-client-per-endpoint", all_of(n <= 1 for n in per)),
        sometimes("one-live-client-per-endpoint-witness", any_of(n == 1 for n in per)),
    )


# 6 ------------------------------------------------------------------------------------------
def coherent(c: Client) -> Expr:
    """Client *c*'s state agrees with the readyState of its current socket (a socket it closed may
    still be CLOSING while it waits, fetches a token or backs off)."""
    st = ref(c.name, "state")
    parts = []
    for k, ws in enumerate(c.sockets):
        r = ref(ws, "ready")
        parts.append(implies(c.current(k), all_of(
            implies(st == "Connecting", r == "CONNECTING"),
            implies(st == "Open", r == "OPEN"),
            implies(st == "Closing", r == "CLOSING"),
            implies(~is_in(st, "Connecting", "Open", "Closing"), is_in(r, "CLOSED", "CLOSING")),
        )))
    return all_of(parts)


def old_socket_events_change_nothing(w: Wiring) -> tuple[Property, ...]:
    """Rule 6: delivering an event of a socket that is no longer its client's current one leaves
    every client variable as it was (``unchanged``), and every client always agrees with its
    current socket."""
    ok = all_of(coherent(c) for c in w.clients)
    same = all_of(unchanged(ref(c.name, v) for v in w.client_variables[c.name]) for c in w.clients)
    old_pending = any_of(
        (ref(ws, "ready") == "CLOSING") & ~c.current(k) & any_of(_live(o) for o in c.sockets)
        for c in w.clients if c.slots > 1 for k, ws in enumerate(c.sockets)
    )
    if not any(c.slots > 1 for c in w.clients):
        # with one socket slot per client an old socket's event is folded into the next socket's
        return (always("client-agrees-with-its-socket", ok),)
    return (
        on_step("old-socket-events-change-nothing", "old_socket_event", before=ok, after=same & ok),
        always("client-agrees-with-its-socket", ok),
        sometimes("old-socket-events-change-nothing-witness", old_pending),
    )


# 7 ------------------------------------------------------------------------------------------
def _stable(w: Wiring) -> Expr:
    """The session is Active and nothing in the environment stands in the way of a connection."""
    s = w.server
    quiet = [~w.store.refreshing] if w.deployment.refresh else []
    return all_of(w.store.active, s.token_valid, s.permitted, s.up, *quiet)


def recovery(w: Wiring) -> tuple[Property, ...]:
    """Rule 7, one property per owner: while the owner is mounted and the session is Active and
    stable (token valid, permitted, network up, no refresh in flight), one of its clients
    eventually has an open connection."""
    out: list[Property] = []
    stable = _stable(w)
    subscribing = {s.name for c in w.clients for s in c.subscribers}
    owners = {s.name: s for s in w.components if s.name in subscribing}
    for name in sorted(owners):
        mounted = owners[name].mounted
        is_open = any_of(ref(c.name, "state") == "Open" for c in w.clients
                         if any(s.name == name for s in c.subscribers))
        out.append(leads_to(f"recovery-{slug(name)}", mounted & stable, is_open | ~stable | ~mounted))
        out.append(sometimes(f"recovery-{slug(name)}-witness", mounted & stable & is_open))
    return tuple(out)


# 8 ------------------------------------------------------------------------------------------
def open_and_messages_only_when_active(w: Wiring) -> tuple[Property, ...]:
    """Rule 8: the server accepts a handshake (the socket fires ``open``), and a server message
    reaches the app, only while the session is Active."""
    active = w.store.active
    return (
        on_step("open-only-when-active", "accepted", before=active),
        on_step("message-only-when-active", "deliver", before=active),
        sometimes("open-and-messages-only-when-active-witness",
                  active & any_of(ref(c.name, "state") == "Open" for c in w.clients)),
    )


# 9 ------------------------------------------------------------------------------------------
def no_socket_for_unmounted_owner(w: Wiring) -> tuple[Property, ...]:
    """Rule 9: a client's socket is live only while one of its owners (its subscribers) is mounted:
    none outlives its owner, none is created for an unmounted one."""
    return (
        always("no-socket-for-unmounted-owner", all_of(
            implies(any_of(_live(ws) for ws in c.sockets), c.owners_mounted) for c in w.clients)),
        sometimes("no-socket-for-unmounted-owner-witness", any_of(
            ~c.owners_mounted & any_of(ref(ws, "ready") == "CLOSING" for ws in c.sockets) for c in w.clients)),
    )


# 10 -----------------------------------------------------------------------------------------
def valid_session_never_invalidated(w: Wiring) -> tuple[Property, ...]:
    """Rule 10: every step in which the store declares the session Invalid on evidence (an API, a
    refresh, a token request or a re-verification answered 401, a close 4401) starts with the
    server really rejecting the session (a close 4401 for a token of an older generation is not
    such evidence: the session is fine, the token just rotated)."""
    s = w.server
    return (
        on_step("valid-session-never-invalidated", "declare_invalid", before=~s.token_valid),
        sometimes("valid-session-never-invalidated-witness", w.store.active & ~s.token_valid),
    )


def rules(w: Wiring) -> tuple[Property, ...]:
    """Rules 1 to 10 with their witnesses, for the app wired as *w*."""
    return (
        *connect_only_when_active(w),
        *no_live_socket_when_not_active(w),
        *disconnect_after_invalidation(w),
        *no_retry_after_auth_failure(w),
        *one_live_client_per_endpoint(w),
        *old_socket_events_change_nothing(w),
        *recovery(w),
        *open_and_messages_only_when_active(w),
        *no_socket_for_unmounted_owner(w),
        *valid_session_never_invalidated(w),
    )


#: property-name prefix -> rule number
RULES = {
    "connect-only-when-active": 1,
    "no-live-socket-when-not-active": 2,
    "disconnect-after-invalidation": 3,
    "no-retry-after-auth-failure": 4,
    "one-live-client-per-endpoint": 5,
    "old-socket-events-change-nothing": 6,
    "client-agrees-with-its-socket": 6,
    "recovery": 7,
    "open-only-when-active": 8,
    "message-only-when-active": 8,
    "open-and-messages-only-when-active": 8,
    "no-socket-for-unmounted-owner": 9,
    "valid-session-never-invalidated": 10,
}


def rule_of(name: str) -> int | None:
    """The rule number of the property *name* (witnesses included), or None.

    Examples
    --------
    >>> rule_of("no-retry-after-auth-failure-chat-provider"), rule_of("deadlock-free")
    (4, None)
    """
    for prefix, k in RULES.items():
        if name == prefix or name.startswith(prefix + "-"):
            return k
    return None

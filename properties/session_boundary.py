"""The Phase 3 rules (issue 3), written in checker's property language, each with its witness.

Rules that talk about particular clients are builders taking the system's wiring (a tuple of
:class:`models.components.Owned`); the others are constants. :func:`rules` gives all of them;
:data:`RULE_OF` maps a property name to the rule number of the issue.
"""

from __future__ import annotations

from collections.abc import Sequence

from statebound.checker import (
    Expr, Property, all_of, always, any_of, count, implies, is_in, leads_to, never_after, on_step, ref, sometimes, unchanged,
)
from statebound.models.components import Owned
from statebound.models.socket import LIVE

__all__ = [
    "CONNECT_ONLY_WHEN_ACTIVE",
    "NO_RETRY_AFTER_AUTH_FAILURE",
    "no_live_socket_when_not_active",
    "no_live_socket_when_not_active_strict",
    "disconnect_after_invalidation",
    "one_live_client_per_endpoint",
    "old_socket_events_change_nothing",
    "recovery",
    "rules",
    "rule_of",
    "coherent",
]

SESSION = ref("session", "state")
ACTIVE = SESSION == "Active"


def _live(o: Owned) -> Expr:
    return is_in(ref(o.socket, "ready"), *LIVE)


def _stable() -> Expr:
    """The session is Active and nothing in the environment stands in the way of a connection."""
    return ACTIVE & ref("server", "token_valid") & ref("server", "permitted") & (ref("server", "link") == "Up")


# 1 ------------------------------------------------------------------------------------------
CONNECT_ONLY_WHEN_ACTIVE = (
    on_step("connect-only-when-active", "new_socket", before=ACTIVE),
)
"""Rule 1: every ``new WebSocket(...)`` (a first connect or a retry) starts while the session is Active."""


def _witness_connect(wiring: Sequence[Owned]) -> Property:
    return sometimes("connect-only-when-active-witness", ACTIVE & any_of(_live(o) for o in wiring))


# 2 ------------------------------------------------------------------------------------------
def no_live_socket_when_not_active(wiring: Sequence[Owned]) -> tuple[Property, ...]:
    """Rule 2, the strongest form a design whose effects close sockets can meet: a socket is live
    while the session is not Active only while its owner still has an effect committed for an
    Active session, whose cleanup React has yet to run (it always does: ``cleanup_on_inactive``
    is fair). No new socket starts in that window (rule 1) and it ends (rule 3)."""
    return (
        always("no-live-socket-when-not-active", all_of(
            implies(_live(o) & ~ACTIVE, ref(o.owner, "sees") == "Active") for o in wiring)),
        sometimes("no-live-socket-when-not-active-witness", ~ACTIVE & any_of(_live(o) for o in wiring)),
    )


def no_live_socket_when_not_active_strict(wiring: Sequence[Owned]) -> tuple[Property, ...]:
    """Rule 2, strict form: no live socket in any state where the session is not Active. A design
    whose disconnect runs in an effect cleanup cannot meet it: the cleanup runs after the session
    changed, in a later step."""
    return (
        always("no-live-socket-when-not-active-strict", implies(any_of(_live(o) for o in wiring), ACTIVE)),
        sometimes("no-live-socket-when-not-active-strict-witness", ACTIVE & any_of(_live(o) for o in wiring)),
    )


# 3 ------------------------------------------------------------------------------------------
def disconnect_after_invalidation(wiring: Sequence[Owned]) -> tuple[Property, ...]:
    """Rule 3: once the session is Invalid, every live socket is eventually closed (``close()``
    called, or closed by the server or the network), unless a new session becomes Active first
    (liveness under fairness)."""
    live = any_of(_live(o) for o in wiring)
    return (
        leads_to("disconnect-after-invalidation", (SESSION == "Invalid") & live, ~live | ACTIVE),
        sometimes("disconnect-after-invalidation-witness", (SESSION == "Invalid") & live),
    )


# 4 ------------------------------------------------------------------------------------------
NO_RETRY_AFTER_AUTH_FAILURE = (
    never_after("no-retry-after-auth-failure", trigger="auth_failure", forbidden="retry", until="new_session"),
)
"""Rule 4: after its handshake was rejected 401/403 (which the browser sees only as 1006) or its
connection closed 4401/4403, a client's socket is not re-created by a retry until a login."""


def _witness_auth_failure(wiring: Sequence[Owned]) -> Property:
    return sometimes("no-retry-after-auth-failure-witness",
                     any_of(_live(o) for o in wiring) & ~ref("server", "token_valid"))


# 5 ------------------------------------------------------------------------------------------
def one_live_client_per_endpoint(wiring: Sequence[Owned]) -> tuple[Property, ...]:
    """Rule 5: at most one live socket per endpoint (no duplicate clients, StrictMode included)."""
    endpoints = sorted({o.endpoint for o in wiring})
    per = [count(_live(o) for o in wiring if o.endpoint == e) for e in endpoints]
    return (
        always("one-live-client-per-endpoint", all_of(c <= 1 for c in per)),
        sometimes("one-live-client-per-endpoint-witness", any_of(c == 1 for c in per)),
    )


# 6 ------------------------------------------------------------------------------------------
def coherent(o: Owned) -> Expr:
    """The client's state agrees with the readyState of its current socket."""
    c, w = ref(o.client, "state"), ref(o.socket, "ready")
    return all_of(
        implies(c == "Connecting", w == "CONNECTING"),
        implies(c == "Open", w == "OPEN"),
        implies(c == "Closing", w == "CLOSING"),
        implies(is_in(c, "Idle", "Backoff", "Stopped", "Failed"), w == "CLOSED"),
    )


#: what a client holds; an event of an old socket must leave all of it as it was
CLIENT_VARIABLES = ("state", "retries", "verify")


def old_socket_events_change_nothing(wiring: Sequence[Owned]) -> tuple[Property, ...]:
    """Rule 6: delivering an old socket's ``close`` changes nothing in any client (``unchanged``
    compares each client variable with its value before the step), and every client still agrees
    with its current socket."""
    ok = all_of(coherent(o) for o in wiring)
    same = all_of(unchanged(ref(o.client, v) for v in CLIENT_VARIABLES) for o in wiring)
    return (
        on_step("old-socket-events-change-nothing", "old_socket_event", before=ok, after=same & ok),
        sometimes("old-socket-events-change-nothing-witness",
                  any_of(ref(o.socket, "old") & _live(o) for o in wiring)),
    )


# 7 ------------------------------------------------------------------------------------------
def _slug(name: str) -> str:
    out = []
    for ch in name:
        if ch.isupper() and out and out[-1] != "-":
            out.append("-")
        out.append(ch.lower() if ch.isalnum() else "-")
    return "".join(out).strip("-").replace("--", "-")


def recovery(wiring: Sequence[Owned]) -> tuple[Property, ...]:
    """Rule 7, one property per owner: while the owner is mounted and the session is Active and
    stable (token valid, permitted, network up), its client eventually has an open connection."""
    out: list[Property] = []
    for owner in sorted({o.owner for o in wiring}):
        mine = [o for o in wiring if o.owner == owner]
        mounted = ref(owner, "state") == "Mounted"
        is_open = any_of(ref(o.client, "state") == "Open" for o in mine)
        out.append(leads_to(f"recovery-{_slug(owner)}", mounted & _stable(), is_open | ~_stable() | ~mounted))
        out.append(sometimes(f"recovery-{_slug(owner)}-witness", mounted & _stable() & is_open))
    return tuple(out)


def rules(wiring: Sequence[Owned]) -> tuple[Property, ...]:
    """Rules 1 to 7 of issue 3 with their witnesses, for a system wired as *wiring*."""
    return (
        *CONNECT_ONLY_WHEN_ACTIVE, _witness_connect(wiring),
        *no_live_socket_when_not_active(wiring),
        *disconnect_after_invalidation(wiring),
        *NO_RETRY_AFTER_AUTH_FAILURE, _witness_auth_failure(wiring),
        *one_live_client_per_endpoint(wiring),
        *old_socket_events_change_nothing(wiring),
        *recovery(wiring),
    )


_PREFIX = {
    "connect-only-when-active": 1,
    "no-live-socket-when-not-active": 2,
    "disconnect-after-invalidation": 3,
    "no-retry-after-auth-failure": 4,
    "one-live-client-per-endpoint": 5,
    "old-socket-events-change-nothing": 6,
    "recovery": 7,
}


def rule_of(name: str) -> int | None:
    """The issue-3 rule number of the property *name* (witnesses included), or None."""
    for prefix, k in _PREFIX.items():
        if name == prefix or name.startswith(prefix + "-"):
            return k
    return None

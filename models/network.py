"""The server and the network: the environment, with the hidden truth the browser cannot see.

The server knows whether the session's token is still valid (it may expire or be revoked at any
time, unannounced) and whether the user may use the WebSocket service (403 when not); the network
link may go down and come back. All three are *hidden*: an implementation machine (the session,
the clients) that reads them is a model error. The handshake outcomes themselves are transitions
of the browser socket (:mod:`models.socket`), which reads this truth to decide them.
"""

from __future__ import annotations

from collections.abc import Iterable

from statebound.checker import Bool, Enum, Expr, Machine, Ref, Transition, Var, ref

__all__ = ["SERVER", "AUTH_MODES", "server_machine", "token_valid", "permitted", "link_up"]

SERVER = "server"
AUTH_MODES = ("pre-auth", "post-auth")


def token_valid() -> Ref:
    """The hidden truth: the server still accepts the session's token."""
    return ref(SERVER, "token_valid")


def permitted() -> Ref:
    """The hidden truth: the user may use the WebSocket service (otherwise 403 / 4403)."""
    return ref(SERVER, "permitted")


def link_up() -> Expr:
    return ref(SERVER, "link") == "Up"


def server_machine(*, verifying_clients: Iterable[str] = (), online_event: bool = False,
                   revocable_permission: bool = True) -> Machine:
    """The server and the network link.

    Parameters
    ----------
    verifying_clients : iterable of str
        Clients that ask the session boundary to re-verify the session after an ambiguous close
        (1006); the server answers each with ``<client>.verified_ok`` / ``_401`` / ``_403``. The
        answer is an HTTP response, so unlike a failed handshake its status *is* visible.
    online_event : bool
        Emit ``online`` when the link comes back (someone listens for it).
    revocable_permission : bool
        The server may withdraw the user's permission (403 on the next handshake, 4403 on an open
        socket).
    """
    token = Var("token_valid", Bool(), initial=True, hidden=True)
    allowed = Var("permitted", Bool(), initial=True, hidden=True)
    link = Var("link", Enum("Up", "Down"), initial="Up", hidden=True)
    session = ref("session", "state")
    up = link == "Up"
    ts = [
        # the initial probe is answered once the network lets it through
        Transition("answer_probe_200", guard=(session == "Unknown") & up & token, emit="probe_200", fair="strong"),
        Transition("answer_probe_401", guard=(session == "Unknown") & up & ~token, emit="probe_401", fair="strong"),
        # an API call made by the app (not guaranteed to happen) is answered 401
        Transition("answer_api_401", guard=(session == "Active") & up & ~token, emit="api_401"),
        Transition("token_expires", guard=token, updates={token: False}),
        Transition("logout_revokes_token", on="logout", updates={token: False}),
        Transition("login_issues_token", on="login", updates={token: True}),
        Transition("link_down", guard=up, updates={link: "Down"}),
        Transition("link_up", guard=link == "Down", updates={link: "Up"}, emit="online" if online_event else None),
    ]
    if revocable_permission:
        ts.append(Transition("permission_revoked", guard=allowed, updates={allowed: False}))
    for c in sorted(verifying_clients):
        asking = (ref(c, "state") == "Backoff") & ref(c, "verify") & up
        ts += [
            Transition(f"verify_ok[{c}]", guard=asking & token & allowed, emit=f"{c}.verified_ok", fair="strong"),
            Transition(f"verify_401[{c}]", guard=asking & ~token, emit=f"{c}.verified_401", fair="strong"),
            Transition(f"verify_403[{c}]", guard=asking & token & ~allowed, emit=f"{c}.verified_403", fair="strong"),
        ]
    return Machine(name="server", variables=(token, allowed, link), transitions=tuple(ts), implementation=False)



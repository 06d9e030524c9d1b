"""The server and the network: the environment, with the hidden truth the browser cannot see.

Building block of :mod:`models.app` (issue 10). The server knows whether the session's token is
still valid (it may expire or be revoked at any time, unannounced; logout revokes it, login issues
a new one) and whether the user may use the WebSocket service (403 / 4403 when not); the network
link may go down and come back. All three are *hidden*: an implementation machine (the session
store, the clients) that reads them is a model error. The WebSocket handshake and the server's
closes are transitions of the browser socket (:mod:`models.socket`), which reads this truth
through :class:`Server`.

The server also answers the HTTP requests of the browser, whose status *is* visible: the initial
session probe, an API call (401 once the token is invalid), a token refresh, a client's token
request before ``new WebSocket`` and a client's re-verification after an ambiguous close.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from statebound.checker import Bool, Enum, Expr, Machine, Ref, Transition, Var, ref

from ._expr import conj
from .session import SessionStore

__all__ = ["AUTH_MODES", "Server", "server_machine"]

AUTH_MODES = ("pre-auth", "post-auth")


@dataclass(frozen=True, slots=True, kw_only=True)
class Server:
    """The server's instance name, its auth mode and the truth other blocks read."""

    name: str = "server"
    auth_mode: str = "pre-auth"

    def __post_init__(self) -> None:
        if self.auth_mode not in AUTH_MODES:
            raise ValueError(f"auth_mode={self.auth_mode!r}: use one of {', '.join(AUTH_MODES)}")

    @property
    def post_auth(self) -> bool:
        """Accept every handshake, then close 4401/4403 first thing (else: reject it with 401/403)."""
        return self.auth_mode == "post-auth"

    @property
    def token_valid(self) -> Ref:
        """The hidden truth: the server still accepts the session's (current) token."""
        return ref(self.name, "token_valid")

    @property
    def permitted(self) -> Ref:
        """The hidden truth: the user may use the WebSocket service (otherwise 403 / 4403)."""
        return ref(self.name, "permitted")

    @property
    def up(self) -> Expr:
        """The hidden truth: the browser's network link works."""
        return ref(self.name, "link") == "Up"

    @property
    def api_401(self) -> str:
        return f"{self.name}.api_401"

    @property
    def online(self) -> str:
        """The browser's ``online`` event: the link is back."""
        return f"{self.name}.online"


def token_events(client: str) -> tuple[str, str, str]:
    """The answers to *client*'s token request: ``(ok, 401, 403)``."""
    return f"{client}.token_ok", f"{client}.token_401", f"{client}.token_403"


def verify_events(client: str) -> tuple[str, str, str]:
    """The answers to *client*'s re-verification probe: ``(ok, 401, 403)``."""
    return f"{client}.verified_ok", f"{client}.verified_401", f"{client}.verified_403"


def server_machine(server: Server, *, store: SessionStore, token_clients: Sequence[str] = (),
                   verify_clients: Sequence[str] = (), refresh: bool = False, online_event: bool = False,
                   revocable_permission: bool = True, token_checks_permission: bool = True,
                   probe_sees_403: bool = True, token_waits_for_refresh: bool = True) -> Machine:
    """The server *server* and the network link.

    Parameters
    ----------
    server : Server
        Its name and auth mode.
    store : SessionStore
        The session store it answers.
    token_clients : sequence of str
        Clients that request a token before each ``new WebSocket`` (``<client>.fetch`` is a
        request in flight); the answer is ``<client>.token_ok`` / ``_401`` / ``_403``.
    verify_clients : sequence of str
        Clients that ask the session probe to re-verify the session after an ambiguous close
        (``<client>.verify``); the answer is ``<client>.verified_ok`` / ``_401`` / ``_403``.
    refresh : bool
        Answer the store's token refresh (``refreshed``: the token rotates; or ``refresh_401``).
    online_event : bool
        Emit ``online`` when the link comes back (someone listens for it).
    revocable_permission : bool
        The server may withdraw the user's permission (403 on the next handshake, 4403 on an open
        socket).
    token_checks_permission : bool
        The token endpoint applies the WebSocket permission (answers 403 when it is withdrawn).
    probe_sees_403 : bool
        The re-verification probe answers 403 when the WebSocket permission is withdrawn; when
        False it answers 200 (it checks the session only).
    token_waits_for_refresh : bool
        A token request is answered only once a refresh in flight is done.

    Examples
    --------
    >>> m = server_machine(Server(), store=SessionStore(), token_clients=("c",))
    >>> sorted(t.emit for t in m.transitions if t.emit and t.emit.startswith("c."))
    ['c.token_401', 'c.token_403', 'c.token_ok']
    """
    token = Var("token_valid", Bool(), initial=True, hidden=True)
    allowed = Var("permitted", Bool(), initial=True, hidden=True)
    link = Var("link", Enum("Up", "Down"), initial="Up", hidden=True)
    session = store.state
    up = link == "Up"
    ts = [
        # the initial probe is answered once the network lets it through
        Transition("answer_probe_200", guard=(session == "Unknown") & up & token, emit=store.probe_200, fair="strong"),
        Transition("answer_probe_401", guard=(session == "Unknown") & up & ~token, emit=store.probe_401, fair="strong"),
        # an API call made by the app (not guaranteed to happen) is answered 401
        Transition("answer_api_401", guard=(session == "Active") & up & ~token, emit=server.api_401),
        Transition("token_expires", guard=token, updates={token: False}),
        Transition("logout_revokes_token", on=store.logout, updates={token: False}),
        Transition("login_issues_token", on=store.login, updates={token: True}),
        Transition("link_down", guard=up, updates={link: "Down"}),
        Transition("link_up", guard=link == "Down", updates={link: "Up"}, emit=server.online if online_event else None),
    ]
    if revocable_permission:
        ts.append(Transition("permission_revoked", guard=allowed, updates={allowed: False}))
    asking: Expr
    if refresh:
        asking = (session == "Active") & store.refreshing & up
        ts += [
            Transition("answer_refresh", guard=asking & token, emit=store.refreshed, fair="strong"),
            Transition("answer_refresh_401", guard=asking & ~token, emit=store.refresh_401, fair="strong"),
        ]
    ok_403 = allowed if token_checks_permission else True
    for c in token_clients:
        ok, no, forbidden = token_events(c)
        # a token request waits for a refresh in flight (it would get a token about to rotate)
        asking = conj(ref(c, "fetch"), up, ~store.refreshing if refresh and token_waits_for_refresh else True)
        ts += [
            Transition(f"answer_token[{c}]", guard=conj(asking, token, ok_403), emit=ok, fair="strong"),
            Transition(f"answer_token_401[{c}]", guard=asking & ~token, emit=no, fair="strong"),
        ]
        if token_checks_permission and revocable_permission:
            ts.append(Transition(f"answer_token_403[{c}]", guard=asking & token & ~allowed, emit=forbidden,
                                 fair="strong"))
    sees = allowed if probe_sees_403 else True
    for c in verify_clients:
        ok, no, forbidden = verify_events(c)
        asking = ref(c, "verify") & up
        ts += [
            Transition(f"verify_ok[{c}]", guard=conj(asking, token, sees), emit=ok, fair="strong"),
            Transition(f"verify_401[{c}]", guard=asking & ~token, emit=no, fair="strong"),
        ]
        if probe_sees_403 and revocable_permission:
            ts.append(Transition(f"verify_403[{c}]", guard=asking & token & ~allowed, emit=forbidden, fair="strong"))
    return Machine(name="server", variables=(token, allowed, link), transitions=tuple(ts), implementation=False)

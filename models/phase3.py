"""The Phase 3 systems (issues 3 and 10), assembled from the building blocks of :mod:`models.app`.

``statebound check models/phase3.py:before`` / ``:after`` / ``:<variant>``; every parameter is a
keyword with a default that explores in about a second.

- :func:`before`: the current state audited in the plan. useUnifiedAgentChat connects on mount
  whatever the session and only closes on unmount; ChatAssistant opens its own RuntimeClient to the
  same chat endpoint next to the hook's; ExperiencePlaneClient's UnifiedWebSocketClient connects
  whatever the session; these clients retry every close, 401/403 included.
- :func:`after`: the plan, made correct. One client per endpoint, created once by a provider and
  shared by every consumer (each ChatAssistant subscribes to it through useUnifiedAgentChat); the
  client fetches a token before every ``new WebSocket`` from an endpoint that applies the
  WebSocket's own authorization; the session store closes (or cancels) every registered client
  synchronously in its invalidation path (logout, an API 401, a refresh or token request answered
  401, a 4401 for the current token); effect cleanups only unsubscribe.
- Named unsafe variants, each :func:`after` with one choice changed, and the rule that catches it:
  :func:`effect_cleanup_close` (rule 2), :func:`per_hook_clients` (rule 5, ``chats=2``),
  :func:`closing_waits_for_1000` (rule 6), :func:`stale_token_reconnect` (rules 10 and 7) and
  :func:`probe_reverify` (rule 4 when the probe cannot see a 403).
"""

from __future__ import annotations

from dataclasses import replace

from statebound.checker import FALSE, System
from statebound.properties.session_boundary import rules

from .app import Deployment, assemble
from .client import Client, ReconnectPolicy
from .components import Component, component, provider, service
from .network import AUTH_MODES
from .session import SessionStore

__all__ = [
    "before", "after", "effect_cleanup_close", "per_hook_clients", "closing_waits_for_1000",
    "stale_token_reconnect", "probe_reverify", "SAFEGUARDS", "VARIANTS", "POLICIES",
]

POLICIES = ("naive", "reference")

#: safeguards of the ``after`` design that ``without=`` removes, and the rule each protects
SAFEGUARDS = {
    "store-close": 2,            # the store closes registered clients when the session ends
    "session-gate": 1,           # a client starts an attempt only while the store says Active
    "cancel-fetch": 9,           # a cancelled attempt aborts its token request
    "token-permission": 4,       # the token endpoint answers 403 when the WebSocket permission is gone
    "generation-check": 6,       # events of an old socket are ignored
    "closing-on-any-close": 6,   # Closing ends on any close of the current socket, 1006 included
    "online-revival": 7,         # a client that gave up tries again when the browser is back online
    "refcount": 7,               # the shared client closes when the last consumer leaves, not the first
    "idempotent-connect": 5,     # connect() while connecting or open starts no second socket
    "token-generation": 10,      # a 4401 for a token of an older generation is not the end of the session
}

#: the named unsafe variants and the rule each breaks
VARIANTS = {
    "effect_cleanup_close": 2,
    "per_hook_clients": 5,
    "closing_waits_for_1000": 6,
    "stale_token_reconnect": 10,
    "probe_reverify": 4,
}


def _check(*, chats: int, experience: bool, guide: bool, retries: int, logins: int, auth_mode: str,
           policy: str = "reference", without: frozenset[str] = frozenset()) -> None:
    problems = []
    if auth_mode not in AUTH_MODES:
        problems.append(f"auth_mode={auth_mode!r}: use one of {', '.join(AUTH_MODES)}")
    if policy not in POLICIES:
        problems.append(f"policy={policy!r}: use one of {', '.join(POLICIES)}")
    for w in sorted(without - set(SAFEGUARDS)):
        problems.append(f"without={w!r}: not a safeguard; use some of {', '.join(SAFEGUARDS)}")
    if chats < 0:
        problems.append(f"chats={chats}: must be >= 0")
    elif chats == 0 and not experience and not guide:
        problems.append("chats=0 with neither experience nor guide: no component owns a socket; "
                        "keep chats >= 1 or turn on experience or guide")
    if retries < 1:
        problems.append(f"retries={retries}: must be >= 1")
    if logins < 1:
        problems.append(f"logins={logins}: must be >= 1 (a login ends the no-retry rule's ban)")
    if problems:
        raise ValueError("phase3: " + "; ".join(problems))


def _chats(chats: int, *, effect: str, strict_mode: bool, logins: int) -> list[Component]:
    return [component(f"ChatAssistant{'' if chats == 1 else k + 1}", effect=effect, strict_mode=strict_mode,
                      logins=logins) for k in range(chats)]


def _params(**params: object) -> tuple[tuple[str, object], ...]:
    return tuple(params.items())


def before(*, chats: int = 1, experience: bool = False, guide: bool = False, retries: int = 1,
           strict_mode: bool = False, auth_mode: str = "pre-auth", policy: str = "naive", logins: int = 1) -> System:
    """The current state audited in the plan.

    Parameters
    ----------
    chats : int
        How many ChatAssistant components can be mounted side by side (each with its hook).
    experience, guide : bool
        Include ExperiencePlaneClient (UnifiedWebSocketClient) / GuideAgentProvider (RuntimeClient).
    retries : int
        The retry bound of every client.
    strict_mode : bool
        React StrictMode: a mount runs effect, cleanup, effect.
    auth_mode : {"pre-auth", "post-auth"}
        Where the server checks the token: at the handshake (401/403, seen by a browser as 1006) or
        after accepting it (close 4401/4403).
    policy : {"naive", "reference"}
        The retry policy of the clients the audit flags (useUnifiedAgentChat's and ChatAssistant's
        RuntimeClient, UnifiedWebSocketClient). GuideAgentProvider's follows the reference one.
    logins : int
        How many times the user may log in again.
    """
    _check(chats=chats, experience=experience, guide=guide, retries=retries, logins=logins, auth_mode=auth_mode,
           policy=policy)
    # the audited clients authenticate with a cookie: no token request, connect() is synchronous;
    # one socket slot each (an old socket's close event is folded into the next socket's) keeps the
    # state space small, and StrictMode needs the second slot for its first, aborted socket
    slots = 2 if strict_mode else 1
    flagged = ReconnectPolicy.naive() if policy == "naive" else ReconnectPolicy.reference().but(token="none")
    components = _chats(chats, effect="mount", strict_mode=strict_mode, logins=logins)
    clients = []
    for chat in components:
        hook = chat.name.replace("ChatAssistant", "useUnifiedAgentChat")
        # useUnifiedAgentChat's RuntimeClient and ChatAssistant's own, both on the chat endpoint
        clients += [Client(name=f"{hook}.client", endpoint="chat", policy=flagged, subscribers=(chat,), store=False,
                           slots=slots),
                    Client(name=f"{chat.name}.client", endpoint="chat", policy=flagged, subscribers=(chat,),
                           store=False, slots=slots)]
    if experience:
        # a service, created at app start: its UnifiedWebSocketClient connects then, whatever the session
        epc = service("ExperiencePlaneClient")
        components.append(epc)
        clients.append(Client(name="ExperiencePlaneClient.client", endpoint="experience", policy=flagged,
                              subscribers=(epc,), store=False, slots=1, autostart=True))
    if guide:
        # GuideAgentProvider already follows the session: its effect depends on the session
        gap = component("GuideAgentProvider", effect="session", strict_mode=strict_mode, logins=logins)
        components.append(gap)
        clients.append(Client(name="GuideAgentProvider.client", endpoint="guide",
                              policy=ReconnectPolicy.reference().but(token="none"), subscribers=(gap,), store=False,
                              slots=1))
    deployment = Deployment(auth_mode=auth_mode, logins=logins, retries=retries, invalidate_on_4401="never")
    return assemble("phase3.before", components=components, clients=clients, deployment=deployment,
                    properties=rules, params=_params(
                        chats=chats, experience=experience, guide=guide, retries=retries, strict_mode=strict_mode,
                        auth_mode=auth_mode, policy=policy, logins=logins))


def _design(variant: str, *, chats: int, experience: bool, guide: bool, retries: int, strict_mode: bool,
            auth_mode: str, logins: int, refresh: bool, probe_sees_403: bool, without: str = "",
            dispose: bool = True) -> System:
    """``after`` and its variants: one provider-held client per endpoint behind the session store."""
    removed = frozenset(w.strip() for w in without.split(",") if w.strip())
    _check(chats=chats, experience=experience, guide=guide, retries=retries, logins=logins, auth_mode=auth_mode,
           without=removed)
    policy = ReconnectPolicy.reference().but(
        session_gate="session-gate" not in removed,
        cancel_fetch="cancel-fetch" not in removed,
        generation_check="generation-check" not in removed,
        leave_closing_on_any_close="closing-on-any-close" not in removed and variant != "closing_waits_for_1000",
        revive_online="online-revival" not in removed,
        refcount="refcount" not in removed,
        idempotent_connect="idempotent-connect" not in removed,
        stale_token_reconnects="token-generation" not in removed,
    )
    if variant == "stale_token_reconnect":
        policy = policy.but(token="cached")
    if variant == "probe_reverify":
        policy = policy.but(token="none", reverify=True)
    store_close = "store-close" not in removed and variant != "effect_cleanup_close"
    effect = "session" if variant == "effect_cleanup_close" else "mount"
    chat_views = _chats(chats, effect=effect, strict_mode=strict_mode, logins=logins)
    components: list[Component] = list(chat_views)
    clients: list[Client] = []
    if variant == "per_hook_clients":
        for chat in chat_views:
            hook = chat.name.replace("ChatAssistant", "useUnifiedAgentChat")
            # one socket slot per client object keeps two of them small (stale events are folded)
            clients.append(Client(name=f"{hook}.client", endpoint="chat", policy=policy, subscribers=(chat,),
                                  store=store_close, slots=1))
            if not dispose and strict_mode:
                # `new RuntimeClient()` in every effect run and no cleanup: under StrictMode the first
                # run's client object is never disposed of
                leaked = replace(chat, name=f"{chat.name}#1", subscribed=FALSE, subscribe=chat.strict_subscribe or "",
                                 strict_subscribe=None, unsubscribe=None)
                clients.append(Client(name=f"{hook}.client#1", endpoint="chat", policy=policy, subscribers=(leaked,),
                                      store=store_close, slots=1))
    elif chat_views:
        clients.append(replace(provider("ChatProvider", endpoint="chat", consumers=chat_views, policy=policy),
                               store=store_close))
    if experience:
        # a service for the app's whole life; its client is registered with the store like any other
        epc = service("ExperiencePlaneClient")
        components.append(epc)
        clients.append(Client(name="ExperiencePlaneClient.client", endpoint="experience", policy=policy,
                              subscribers=(epc,), store=store_close, slots=1, autostart=not store_close))
    if guide:
        # GuideAgentProvider at the app root: its one client wants a connection for the app's life
        gap = service("GuideAgentProvider")
        components.append(gap)
        clients.append(Client(name="GuideAgentProvider.client", endpoint="guide", policy=policy, subscribers=(gap,),
                              store=store_close, slots=1, autostart=not store_close))
    deployment = Deployment(
        auth_mode=auth_mode, logins=logins, retries=retries,
        refresh=refresh or variant == "stale_token_reconnect", probe_sees_403=probe_sees_403,
        token_checks_permission="token-permission" not in removed,
        invalidate_on_4401="any" if "token-generation" in removed or variant == "stale_token_reconnect" else "current-token",
    )
    params = _params(chats=chats, experience=experience, guide=guide, retries=retries, strict_mode=strict_mode,
                     auth_mode=auth_mode, logins=logins, refresh=refresh, probe_sees_403=probe_sees_403)
    if variant == "after":
        params += (("without", ",".join(sorted(removed))),)
    if variant == "per_hook_clients":
        params += (("dispose", dispose),)
    return assemble(f"phase3.{variant}", components=components, clients=clients, deployment=deployment,
                    store=SessionStore(), properties=rules, params=params)


def after(*, chats: int = 1, experience: bool = False, guide: bool = False, retries: int = 1,
          strict_mode: bool = False, auth_mode: str = "pre-auth", logins: int = 1, refresh: bool = False,
          probe_sees_403: bool = True, without: str = "") -> System:
    """The plan, made correct (parameters as in :func:`before`).

    Parameters
    ----------
    refresh : bool
        The session store renews its token (token generations; a stale token is rejected 401/4401).
    probe_sees_403 : bool
        The session probe answers 403 when the WebSocket permission is withdrawn (``after`` does not
        rely on it: its token endpoint applies the permission; :func:`probe_reverify` does).
    without : str
        Comma-separated :data:`SAFEGUARDS` to remove, e.g. ``without="generation-check"``: each
        breaks the rule it protects.
    """
    return _design("after", chats=chats, experience=experience, guide=guide, retries=retries, strict_mode=strict_mode,
                   auth_mode=auth_mode, logins=logins, refresh=refresh, probe_sees_403=probe_sees_403, without=without)


def effect_cleanup_close(*, chats: int = 1, experience: bool = False, guide: bool = False, retries: int = 1,
                         strict_mode: bool = False, auth_mode: str = "pre-auth", logins: int = 1,
                         refresh: bool = False, probe_sees_403: bool = True) -> System:
    """Unsafe variant: the issue-3 design. The store does not close the clients; each consumer's
    effect depends on ``[isActive, gen]`` and its cleanup unsubscribes (closing the socket), in a
    later step than the session change: a live socket while the session is not Active (rule 2)."""
    return _design("effect_cleanup_close", chats=chats, experience=experience, guide=guide, retries=retries,
                   strict_mode=strict_mode, auth_mode=auth_mode, logins=logins, refresh=refresh,
                   probe_sees_403=probe_sees_403)


def per_hook_clients(*, chats: int = 2, experience: bool = False, guide: bool = False, retries: int = 1,
                     strict_mode: bool = False, auth_mode: str = "pre-auth", logins: int = 1, refresh: bool = False,
                     probe_sees_403: bool = True, dispose: bool = True) -> System:
    """Unsafe variant: "ChatAssistant uses useUnifiedAgentChat" with one client per hook. Two
    ChatAssistants (``chats=2``, the default here) are two clients on one endpoint (rule 5). With
    ``dispose=False`` each effect run creates a client object and never disposes of it: under
    StrictMode one ChatAssistant is enough (rule 5)."""
    return _design("per_hook_clients", chats=chats, experience=experience, guide=guide, retries=retries,
                   strict_mode=strict_mode, auth_mode=auth_mode, logins=logins, refresh=refresh,
                   probe_sees_403=probe_sees_403, dispose=dispose)


def closing_waits_for_1000(*, chats: int = 1, experience: bool = False, guide: bool = False, retries: int = 1,
                           strict_mode: bool = False, auth_mode: str = "pre-auth", logins: int = 1,
                           refresh: bool = False, probe_sees_403: bool = True) -> System:
    """Unsafe variant: the issue-3 client, which leaves ``Closing`` only on a close 1000. A
    ``close()`` while CONNECTING ends with 1006 in a browser: the client waits for ever (rule 6)."""
    return _design("closing_waits_for_1000", chats=chats, experience=experience, guide=guide, retries=retries,
                   strict_mode=strict_mode, auth_mode=auth_mode, logins=logins, refresh=refresh,
                   probe_sees_403=probe_sees_403)


def stale_token_reconnect(*, chats: int = 1, experience: bool = False, guide: bool = False, retries: int = 1,
                          strict_mode: bool = False, auth_mode: str = "post-auth", logins: int = 1,
                          probe_sees_403: bool = True) -> System:
    """Unsafe variant: the client requests a token once and reconnects with it, and the store ends
    the session on any 4401. After a refresh the reconnect uses the old token: a wrongful logout
    with a post-auth server (rule 10), a 401 loop with a pre-auth one (rule 7)."""
    return _design("stale_token_reconnect", chats=chats, experience=experience, guide=guide, retries=retries,
                   strict_mode=strict_mode, auth_mode=auth_mode, logins=logins, refresh=True,
                   probe_sees_403=probe_sees_403)


def probe_reverify(*, chats: int = 1, experience: bool = False, guide: bool = False, retries: int = 1,
                   strict_mode: bool = False, auth_mode: str = "pre-auth", logins: int = 1, refresh: bool = False,
                   probe_sees_403: bool = True) -> System:
    """Variant: the issue-3 client. No token request (a cookie); after an ambiguous 1006 it asks
    the session probe before retrying. Safe only if the probe sees a WebSocket-level 403
    (``probe_sees_403=False`` breaks rule 4)."""
    return _design("probe_reverify", chats=chats, experience=experience, guide=guide, retries=retries,
                   strict_mode=strict_mode, auth_mode=auth_mode, logins=logins, refresh=refresh,
                   probe_sees_403=probe_sees_403)

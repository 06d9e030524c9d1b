"""Assemble a session-bound web app from the building blocks: the entry point of the library.

:func:`assemble` takes components (:func:`models.components.component`), clients
(:class:`models.client.Client`, or :func:`models.components.provider` for a shared one) and a
:class:`Deployment` (the server's auth mode, token refresh, logins, retries...), builds the session
store, the server, each client and its socket slots, wires every event between them (the store's
invalidation path reaches every registered client and socket in the same step) and returns a
:class:`statebound.checker.System` with the properties built from its :class:`Wiring` (the rules of
:mod:`properties.session_boundary`, say). :mod:`models.phase3` and ``examples/graphql_ws_provider.py`` are built with it.

Examples
--------
>>> from statebound.models.components import component, provider
>>> views = [component("Feed"), component("Inbox")]
>>> system = assemble("two-views", components=views,
...                   clients=[provider("Live", endpoint="live", consumers=views)])
>>> [i.name for i in system.instances]
['session', 'server', 'Feed', 'Inbox', 'Live.client', 'Live.client.ws1', 'Live.client.ws2']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from statebound.checker import TRUE, Instance, Property, System, ref

from .client import Client, client_machine
from .components import Component
from .network import AUTH_MODES, Server, server_machine, token_events, verify_events
from .session import Invalidation, SessionStore, session_store
from .socket import socket_machine

__all__ = ["Deployment", "Wiring", "assemble", "INVALIDATE_ON_4401"]

#: when the session store treats a WebSocket close 4401 as the end of the session
INVALIDATE_ON_4401 = ("never", "any", "current-token")


@dataclass(frozen=True, slots=True, kw_only=True)
class Deployment:
    """How the app is deployed: the server, the store's token handling, the bounds.

    Parameters
    ----------
    auth_mode : {"pre-auth", "post-auth"}
        The server checks the token at the handshake (401/403, seen by a browser as 1006) or
        accepts it and closes 4401/4403 first thing.
    logins : int
        How many times the user may log in again (>= 1).
    retries : int
        Each client's retry bound (>= 1).
    refresh : bool
        The store renews its token; each renewal makes every token handed out before it old.
    probe_sees_403 : bool
        The re-verification probe answers 403 when the WebSocket permission is withdrawn.
    token_checks_permission : bool
        The token endpoint answers 403 when the WebSocket permission is withdrawn.
    invalidate_on_4401 : {"never", "any", "current-token"}
        When the store ends the session on a close 4401 reported by a client that understands it:
        never, on any 4401, or only on one for a token of the current generation.
    revocable_permission : bool
        The server may withdraw the WebSocket permission.
    token_waits_for_refresh : bool
        A token request waits for a refresh in flight (else it gets the token about to rotate).
    """

    auth_mode: str = "pre-auth"
    logins: int = 1
    retries: int = 1
    refresh: bool = False
    probe_sees_403: bool = True
    token_checks_permission: bool = True
    invalidate_on_4401: str = "current-token"
    revocable_permission: bool = True
    token_waits_for_refresh: bool = True

    def __post_init__(self) -> None:
        problems = []
        if self.logins < 1:
            problems.append(f"logins={self.logins}: must be >= 1 (a login ends the no-retry rule's ban)")
        if self.retries < 1:
            problems.append(f"retries={self.retries}: must be >= 1")
        if self.invalidate_on_4401 not in INVALIDATE_ON_4401:
            problems.append(f"invalidate_on_4401={self.invalidate_on_4401!r}: use one of {', '.join(INVALIDATE_ON_4401)}")
        if self.auth_mode not in AUTH_MODES:
            problems.append(f"auth_mode={self.auth_mode!r}: use one of {', '.join(AUTH_MODES)}")
        if problems:
            raise ValueError("; ".join(problems))


@dataclass(frozen=True, slots=True, kw_only=True)
class Wiring:
    """What the rules need to know about an assembled app."""

    store: SessionStore
    server: Server
    components: tuple[Component, ...]
    clients: tuple[Client, ...]
    deployment: Deployment
    #: each client's variables (what an old socket's event must leave unchanged)
    client_variables: Mapping[str, tuple[str, ...]]


def invalidations(clients: Sequence[Client], *, store: SessionStore, server: Server,
                  deployment: Deployment) -> tuple[Invalidation, ...]:
    """The store's invalidation path, logout aside: every HTTP 401 and every close 4401 it ends
    the session on (with the condition, for a 4401 of the current token generation only)."""
    out = [Invalidation(event=server.api_401)]
    if deployment.refresh:
        out.append(Invalidation(event=store.refresh_401))
    for c in clients:
        if c.policy.token != "none":
            out.append(Invalidation(event=token_events(c.name)[1]))
        if c.policy.reverify:
            out.append(Invalidation(event=verify_events(c.name)[1]))
        if deployment.invalidate_on_4401 == "never" or c.policy.retry != "ambiguous":
            continue
        for ws in c.sockets:
            current_only = deployment.invalidate_on_4401 == "current-token" and deployment.refresh \
                and c.policy.token != "none"
            out.append(Invalidation(event=f"{ws}.close_4401", condition=~ref(ws, "stale") if current_only else TRUE))
    return tuple(out)


def assemble(name: str, *, components: Sequence[Component], clients: Sequence[Client],
             deployment: Deployment | None = None, store: SessionStore | None = None, server_name: str = "server",
             properties: Callable[[Wiring], tuple[Property, ...]] | None = None,
             params: tuple[tuple[str, object], ...] = ()) -> System:
    """Build the system *name*.

    Parameters
    ----------
    name : str
        The system's name.
    components : sequence of Component
        Every component (each client's subscribers among them).
    clients : sequence of Client
        Every client object.
    deployment : Deployment, optional
        Server and store options (default ``Deployment()``).
    store : SessionStore, optional
        The store's instance name (default ``session``).
    server_name : str
        The server's instance name.
    properties : callable, optional
        Builds the properties from the :class:`Wiring`, e.g.
        :func:`statebound.properties.session_boundary.rules` (default: none).
    params : tuple of (name, value)
        The parameters to record in reports.
    """
    deployment = deployment or Deployment()
    server = Server(name=server_name, auth_mode=deployment.auth_mode)
    store = store or SessionStore(server=server_name)
    invs = invalidations(clients, store=store, server=server, deployment=deployment)
    instances = [
        Instance(store.name, session_store(store, logins=deployment.logins, refresh=deployment.refresh,
                                           invalidations=[i for i in invs if i.event != store.refresh_401])),
        Instance(server.name, server_machine(
            server, store=store, token_clients=[c.name for c in clients if c.policy.token != "none"],
            verify_clients=[c.name for c in clients if c.policy.reverify], refresh=deployment.refresh,
            online_event=any(c.policy.revive_online for c in clients),
            revocable_permission=deployment.revocable_permission,
            token_checks_permission=deployment.token_checks_permission, probe_sees_403=deployment.probe_sees_403,
            token_waits_for_refresh=deployment.token_waits_for_refresh)),
        *(Instance(c.name, c.machine) for c in components if c.machine is not None),
    ]
    sockets: list[Instance] = []
    variables: dict[str, tuple[str, ...]] = {}
    for c in clients:
        parts = client_machine(c, store=store, server=server, retries=deployment.retries, refresh=deployment.refresh,
                               invalidations=invs,
                               token_403=deployment.token_checks_permission and deployment.revocable_permission,
                               verify_403=deployment.probe_sees_403 and deployment.revocable_permission)
        instances.append(Instance(c.name, parts.machine))
        variables[c.name] = tuple(v.name for v in parts.machine.variables)
        tracks = deployment.refresh and c.policy.token != "none"
        for ws in c.sockets:
            sockets.append(Instance(ws, socket_machine(
                ws, client=c.name, server=server, refresh=tracks, close_orders=parts.close_orders[ws],
                stale_token=parts.stale_token, strict_creations=parts.strict_orders.get(ws, ()),
                commanded_close=parts.closes_itself)))
    wiring = Wiring(store=store, server=server, components=tuple(components), clients=tuple(clients),
                    deployment=deployment, client_variables=variables)
    props = properties(wiring) if properties is not None else ()
    return System(name=name, instances=(*instances, *sockets), properties=props, params=params)


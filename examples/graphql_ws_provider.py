"""A graphql-ws-style lazy client behind a provider, with token refresh and 4401/4403 handling.

One client per endpoint, created once by ``<GraphQLProvider>``; each ``useSubscription`` view
subscribes to it (the socket opens with the first subscription, closes with the last); the token
comes from ``connectionParams: async () => ({ token: await getToken() })`` before every connect; the
server is post-auth (it accepts, then closes 4401 for a bad token, 4403 without permission) and
the store renews the token. ``statebound check examples/graphql_ws_provider.py:graphql_ws``: every
rule holds; ``--param policy=stale-token`` (reconnect with the first token) violates the recovery.
"""

from __future__ import annotations

from statebound.checker import Property, System, any_of, on_step, ref, sometimes, unchanged
from statebound.models.app import Deployment, Wiring, assemble
from statebound.models.client import ReconnectPolicy
from statebound.models.components import component, provider
from statebound.properties.session_boundary import rules


def graphql_ws(*, views: int = 2, strict_mode: bool = False, refresh: bool = True, retries: int = 1,
               policy: str = "reference") -> System:
    """The app with *views* subscription components; ``policy="stale-token"`` reconnects with the
    token it got first (the classic bug: a 4401 loop, or a logout, after each refresh)."""
    subscriptions = [component(f"Subscription{k + 1}", strict_mode=strict_mode) for k in range(views)]
    client_policy = ReconnectPolicy.reference()
    if policy == "stale-token":
        client_policy = client_policy.but(token="cached", stale_token_reconnects=False)
    elif policy != "reference":
        raise ValueError(f"policy={policy!r}: use 'reference' or 'stale-token'")
    client = provider("GraphQLProvider", endpoint="graphql", consumers=subscriptions, policy=client_policy)
    deployment = Deployment(auth_mode="post-auth", refresh=refresh, retries=retries)
    return assemble("graphql-ws-provider", components=subscriptions, clients=[client], deployment=deployment,
                    properties=lambda w: rules(w) + own_rules(w),
                    params=(("views", views), ("strict_mode", strict_mode), ("refresh", refresh),
                            ("retries", retries), ("policy", policy)))


def own_rules(w: Wiring) -> tuple[Property, ...]:
    """What this client promises besides the session-boundary rules."""
    sockets = w.clients[0].sockets
    out: list[Property] = [
        # 4403 (no permission) stops the client; it is not a logout
        on_step("forbidden-4403-keeps-the-session", "forbidden", after=unchanged(w.store.state)),
    ]
    if w.deployment.refresh:
        # a 4401 for a token that rotated meanwhile is not the end of the session: no logout, a reconnect
        out += [on_step("rotated-token-4401-keeps-the-session", "stale_token", after=w.store.active),
                sometimes("rotated-token-4401-keeps-the-session-witness",
                          w.store.active & any_of(ref(ws, "stale") & (ref(ws, "ready") == "OPEN") for ws in sockets))]
    return tuple(out)

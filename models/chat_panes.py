"""N chat panes as one declared family (issue 14): the Phase-3-like system whose rules the symbolic
engine proves for every N.

One session (the client's belief: ``Unknown``, ``Active``, ``Invalid``) and a family of N
interchangeable chat panes. A pane is the component, its client and the browser socket the client
holds, as one machine (so a pane's own events, mount -> connect -> new socket, are one step): it
connects when mounted while the session is Active, its socket opens, is rejected (the client stops
retrying), drops (the client backs off and retries while Active) or is closed (unmount). The
session's invalidation (a logout, an API call answered 401) is a broadcast every pane receives in
the same step: its client closes or cancels, its socket starts closing. That is the ``after``
design's synchronous cascade, with any number of panes.

``system(n=...)`` builds it; ``LEMMAS`` are the auxiliary invariants its step rule needs (each
pane's client agrees with its socket), written once with a quantifier over the family::

    from statebound.checker.engines.symbolic import InductionEngine
    InductionEngine(parametric=True, lemmas=LEMMAS).check(system(n=3))   # every N >= 1
"""

from __future__ import annotations

from statebound.checker import (
    Always,
    Bool,
    Enum,
    Expr,
    Family,
    Instance,
    Machine,
    System,
    Transition,
    Var,
    all_of,
    always,
    exists,
    forall,
    implies,
    is_in,
    ite,
    on_step,
    ref,
    sometimes,
)

__all__ = ["system", "LEMMAS", "SESSION", "CLIENT", "READY", "PANES"]

SESSION = Enum("Unknown", "Active", "Invalid")
CLIENT = Enum("Idle", "Connecting", "Open", "Closing", "Backoff")
READY = Enum("CLOSED", "CONNECTING", "OPEN", "CLOSING")
#: the family's name: its members are ``pane[0]`` .. ``pane[N-1]``
PANES = "pane"


def _session() -> Machine:
    s = Var("state", SESSION)
    return Machine(name="session", variables=(s,), transitions=(
        Transition("probe_ok", guard=s == "Unknown", updates={s: "Active"}),
        Transition("logout", guard=s == "Active", updates={s: "Invalid"}, emit="invalidated", tags="invalidate"),
        Transition("api_401", guard=s == "Active", updates={s: "Invalid"}, emit="invalidated", tags="invalidate"),
        Transition("login", guard=s == "Invalid", updates={s: "Active"}),
    ))


def _pane() -> Machine:
    mounted = Var("mounted", Bool())
    client = Var("state", CLIENT)
    blocked = Var("blocked", Bool())  # an auth failure: no retry until the session is renewed
    ready = Var("ready", READY)
    active = ref("session", "state") == "Active"
    live = is_in(ready, "CONNECTING", "OPEN")
    return Machine(name="pane", variables=(mounted, client, blocked, ready), implementation=True, transitions=(
        # mount -> the effect connects an idle client -> new WebSocket (one step: the pane's own events)
        Transition("mount_connect", guard=~mounted & active & (client == "Idle"),
                   updates={mounted: True, client: "Connecting", ready: "CONNECTING"}, tags="new_socket"),
        Transition("mount", guard=~mounted & active & (client != "Idle"), updates={mounted: True}),
        Transition("unmount", guard=mounted, updates={
            mounted: False,
            client: ite(is_in(client, "Connecting", "Open"), "Closing", ite(client == "Backoff", "Idle", client)),
            ready: ite(live, "CLOSING", ready),
        }),
        # the server and the network, as the browser sees them
        Transition("accepted", guard=ready == "CONNECTING", updates={
            ready: "OPEN", client: ite(client == "Connecting", "Open", client)}),
        Transition("rejected", guard=ready == "CONNECTING", updates={
            ready: "CLOSED", client: ite(client == "Connecting", "Idle", client),
            blocked: ite(client == "Connecting", True, blocked)}),
        Transition("dropped", guard=live, updates={
            ready: "CLOSED", client: ite(is_in(client, "Connecting", "Open"), "Backoff", client)}),
        Transition("closed", guard=ready == "CLOSING", updates={
            ready: "CLOSED", client: ite(client == "Closing", "Idle", client)}),
        Transition("retry", guard=(client == "Backoff") & active & ~blocked & mounted,
                   updates={client: "Connecting", ready: "CONNECTING"}, tags=("retry", "new_socket")),
        # the session store's invalidation path reaches every pane synchronously
        Transition("invalidated", on="invalidated", updates={
            client: ite(is_in(client, "Connecting", "Open"), "Closing", ite(client == "Backoff", "Idle", client)),
            blocked: False,
            ready: ite(live, "CLOSING", ready),
        }),
    ))


def _coherent(j: Expr) -> Expr:
    c, w = ref(PANES, "state", j), ref(PANES, "ready", j)
    return all_of((c == "Connecting") == (w == "CONNECTING"), (c == "Open") == (w == "OPEN"),
                  (c == "Closing") == (w == "CLOSING"))


#: each pane's client agrees with its socket (what the step rule needs)
LEMMAS: tuple[Always, ...] = (always("every-client-agrees-with-its-socket", forall(PANES, _coherent)),)


def system(*, n: int = 3) -> System:
    """The session and *n* chat panes (a family declared symmetric), with their rules."""
    active = ref("session", "state") == "Active"
    return System(
        name=f"chat-panes-{n}",
        instances=(Instance("session", _session()), Family(PANES, _pane(), n=n, symmetric=True)),
        params=(("n", n),),
        properties=(
            always("no-live-socket-when-not-active", implies(
                exists(PANES, lambda j: is_in(ref(PANES, "ready", j), "CONNECTING", "OPEN")), active)),
            on_step("connect-only-when-active", "new_socket", before=active),
            # a new socket replaces none: the socket of a connecting client was closed (its proof for
            # every N needs the lemma below: --lemma every-client-agrees-with-its-socket)
            on_step("new-socket-only-when-closed", "new_socket", before=Var("ready", READY) == "CLOSED"),
            on_step("no-retry-when-blocked", "retry", before=~Var("blocked", Bool())),
            always("no-socket-for-unmounted-idle-client", forall(PANES, lambda j: implies(
                ref(PANES, "state", j) == "Idle", ref(PANES, "ready", j) != "OPEN"))),
            sometimes("a-socket-opens", exists(PANES, lambda j: ref(PANES, "ready", j) == "OPEN")),
            *LEMMAS,
        ),
    )

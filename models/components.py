"""The React side: components that subscribe to clients, and providers that share one client.

Building blocks of :mod:`models.app` (issue 10). A component mounts and unmounts when the user
navigates (never forced: not fair). Its effect subscribes to a client and its cleanup
unsubscribes; what the client then does (connect, close when the last subscriber leaves) is the
client's (:mod:`models.client`). Two kinds of effect:

- ``effect="mount"``: subscribe on mount, unsubscribe on unmount (deps ``[]``). The session is
  the client's business (the ``after`` design: the session store resumes and closes it).
- ``effect="session"``: the effect depends on ``[isActive, gen]``: it subscribes only while the
  session is Active, and a session change runs the old effect's cleanup *after* the session
  changed, in a later step (fair: React always commits), then the new effect (the issue-3 design,
  whose cleanup closes the socket, and the ``effect-cleanup`` variant of :mod:`models.phase3`).

Under React StrictMode (development) a mount runs effect, cleanup, effect back to back, in one
step (the script does not yield in between): the component emits ``strict_subscribe`` instead of
``subscribe``, so that a client that connects synchronously can create and abort its first socket.

A *provider* (GuideAgentProvider, a graphql-ws client in context) holds one client per endpoint,
created once, and every consumer below it subscribes to that client: :func:`provider`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from statebound.checker import TRUE, Bool, Enum, Expr, Int, Machine, Transition, Var, ref

from .client import Client, ReconnectPolicy
from .session import SessionStore

__all__ = ["MOUNT", "EFFECTS", "Component", "component", "service", "provider"]

MOUNT = Enum("Unmounted", "Mounted")
EFFECTS = ("mount", "session")


@dataclass(frozen=True, slots=True, kw_only=True)
class Component:
    """A built component: its machine (None for a service) and what its clients read and listen to."""

    name: str
    machine: Machine | None
    subscribed: Expr
    mounted: Expr
    subscribe: str | None
    strict_subscribe: str | None
    unsubscribe: str | None


def component(name: str, *, effect: str = "mount", strict_mode: bool = False, store: SessionStore | None = None,
              logins: int = 1) -> Component:
    """The component *name*.

    Parameters
    ----------
    name : str
        Instance name; it emits ``<name>.subscribe`` (``<name>.strict_subscribe`` for a StrictMode
        mount; ``subscribe`` is None when nothing else subscribes) and ``<name>.unsubscribe``.
    effect : {"mount", "session"}
        What the subscribing effect depends on: nothing (``[]``) or ``[isActive, gen]``.
    strict_mode : bool
        React StrictMode: a mount runs effect, cleanup, effect.
    store : SessionStore, optional
        The session store a ``session`` effect reads (default ``SessionStore()``).
    logins : int
        The bound of the store's login counter (a ``session`` effect remembers the one it ran with).

    Examples
    --------
    >>> c = component("ChatAssistant", effect="session")
    >>> sorted(t.name for t in c.machine.transitions)
    ['cleanup_on_session_change', 'effect_on_active', 'mount', 'mount_waiting', 'unmount', 'unmount_waiting']
    """
    if effect not in EFFECTS:
        raise ValueError(f"{name}: effect={effect!r}: use one of {', '.join(EFFECTS)}")
    store = store or SessionStore()
    state = Var("state", MOUNT, initial="Unmounted")
    sub_event, unsub_event = f"{name}.subscribe", f"{name}.unsubscribe"
    strict_event = f"{name}.strict_subscribe" if strict_mode else None
    mount_event = strict_event or sub_event
    mounted = ref(name, "state") == "Mounted"
    ts: tuple[Transition, ...]
    if effect == "mount":
        ts = (
            Transition("mount", guard=state == "Unmounted", updates={state: "Mounted"}, emit=mount_event, tags=("mount",)),
            Transition("unmount", guard=state == "Mounted", updates={state: "Unmounted"}, emit=unsub_event,
                       tags=("unmount",)),
        )
        machine = Machine(name="component", variables=(state,), transitions=ts, control="state")
        return Component(name=name, machine=machine, subscribed=mounted, mounted=mounted,
                         subscribe=None if strict_mode else sub_event, strict_subscribe=strict_event,
                         unsubscribe=unsub_event)
    # the committed effect subscribed (it ran while Active), with the session generation it saw
    sub = Var("sub", Bool(), initial=False)
    gen = Var("gen", Int(0, logins), initial=0)
    active = store.active
    ts = (
        Transition("mount", guard=(state == "Unmounted") & active, updates={state: "Mounted", sub: True, gen: store.gen},
                   emit=mount_event, tags=("mount",)),
        # an effect that does nothing while not Active (StrictMode's second run of it is invisible)
        Transition("mount_waiting", guard=(state == "Unmounted") & ~active, updates={state: "Mounted"}, tags=("mount",)),
        Transition("unmount", guard=(state == "Mounted") & sub, updates={state: "Unmounted", sub: False, gen: 0},
                   emit=unsub_event, tags=("unmount",)),
        Transition("unmount_waiting", guard=(state == "Mounted") & ~sub, updates={state: "Unmounted"},
                   tags=("unmount",)),
        Transition("effect_on_active", guard=(state == "Mounted") & ~sub & active, updates={sub: True, gen: store.gen},
                   emit=sub_event, fair="weak"),
        # React runs the old effect's cleanup when the deps changed; the new effect follows as
        # effect_on_active (two steps: nothing is lost by letting other events in between)
        Transition("cleanup_on_session_change", guard=(state == "Mounted") & sub & (~active | (gen != store.gen)),
                   updates={sub: False, gen: 0}, emit=unsub_event, fair="weak"),
    )
    machine = Machine(name="component", variables=(state, sub, gen), transitions=ts, control="state")
    return Component(name=name, machine=machine, subscribed=ref(name, "sub"), mounted=mounted, subscribe=sub_event,
                     strict_subscribe=strict_event, unsubscribe=unsub_event)


def service(name: str) -> Component:
    """A subscriber that is not a component: a service created at app start that wants a
    connection for the app's whole life (ExperiencePlaneClient). It has no machine; a client it
    subscribes to is started by the store (or ``autostart``).

    Examples
    --------
    >>> service("ExperiencePlaneClient").machine is None
    True
    """
    return Component(name=name, machine=None, subscribed=TRUE, mounted=TRUE, subscribe=None, strict_subscribe=None,
                     unsubscribe=None)


def provider(name: str, *, endpoint: str, consumers: Sequence[Component], policy: ReconnectPolicy | None = None,
             slots: int = 2) -> Client:
    """The one client a provider at the app root shares with every consumer of *endpoint*.

    The provider creates the client once (``useRef``), registers it with the session store and
    never closes it itself: the client connects while some consumer holds a subscription and the
    session is Active, the store closes it when the session ends, and it closes when the last
    consumer unsubscribes (``lazy``, as graphql-ws clients do).

    Examples
    --------
    >>> views = [component(f"View{k}") for k in (1, 2)]
    >>> shared = provider("Provider", endpoint="chat", consumers=views)
    >>> shared.name, shared.sockets, [s.name for s in shared.subscribers]
    ('Provider.client', ('Provider.client.ws1', 'Provider.client.ws2'), ['View1', 'View2'])
    """
    return Client(name=f"{name}.client", endpoint=endpoint, policy=policy or ReconnectPolicy.reference(),
                  subscribers=tuple(consumers), slots=slots, store=True)

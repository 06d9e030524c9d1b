"""The React side: components (and the ExperiencePlaneClient service) that own the clients.

A component mounts and unmounts when the user navigates (never forced: not fair). Its effect
connects its clients and its cleanup disconnects them. Under React StrictMode (development) a mount
runs effect, cleanup, effect back to back (one step: the script does not yield in between).

Two kinds of effect (issue 3):

- ``gated`` (GuideAgentProvider today, every owner in the ``after`` design): the effect depends on
  ``SessionStatus === Active``; it connects only when Active. A session change re-renders the
  component and React runs the old effect's cleanup (disconnect) and the new effect *after* the
  session changed, in a later step (fair: React always commits).
- ``ungated`` (useUnifiedAgentChat, ChatAssistant's own RuntimeClient, ExperiencePlaneClient in
  the ``before`` audit): connects on mount whatever the session, disconnects only on unmount.

``sees`` is the value of ``isActive`` the committed effect ran with: ``Active`` means an effect
that connected is committed and its cleanup will run on the next change (``none``: no effect
tracks the session).
"""

from __future__ import annotations

from dataclasses import dataclass

from statebound.checker import Enum, Int, Machine, Transition, Var, ref

__all__ = ["MOUNT", "SEES", "Owned", "component_machine", "connect_events"]

MOUNT = Enum("Unmounted", "Mounted")
SEES = Enum("none", "Active", "NotActive")


def component_machine(name: str, *, gated: bool, strict_mode: bool, logins: int,
                      cleanup_on_session_change: bool = True) -> Machine:
    """The component *name*; it emits ``<name>.connect`` (or ``.strict_connect``) and ``<name>.disconnect``."""
    state = Var("state", MOUNT, initial="Unmounted")
    sees = Var("sees", SEES, initial="none")
    # the session generation the committed effect ran with: the effect depends on [isActive, gen],
    # so a logout + login that React renders as one change (Active, Invalid, Active) still re-runs it
    gen = Var("gen", Int(0, logins), initial=0)
    active = ref("session", "state") == "Active"
    session_gen = ref("session", "gen")
    connect = f"{name}.strict_connect" if strict_mode else f"{name}.connect"
    if not gated:
        ts = (
            Transition("mount", guard=state == "Unmounted", updates={state: "Mounted"}, emit=connect, tags=("mount",)),
            Transition("unmount", guard=state == "Mounted", updates={state: "Unmounted"}, emit=f"{name}.disconnect",
                       tags=("unmount",)),
        )
        return Machine(name="component", variables=(state, sees, gen), transitions=ts, control="state")
    ts_list = [
        Transition("mount", guard=(state == "Unmounted") & active, updates={state: "Mounted", sees: "Active", gen: session_gen},
                   emit=connect, tags=("mount",)),
        # StrictMode's second run of an effect that does nothing is invisible
        Transition("mount_waiting", guard=(state == "Unmounted") & ~active, updates={state: "Mounted", sees: "NotActive"},
                   tags=("mount",)),
        # the cleanup of the committed effect runs on unmount (disconnect is a no-op if never connected)
        Transition("unmount", guard=state == "Mounted", updates={state: "Unmounted", sees: "none", gen: 0},
                   emit=f"{name}.disconnect", tags=("unmount",)),
        Transition("effect_on_active", guard=(state == "Mounted") & (sees == "NotActive") & active,
                   updates={sees: "Active", gen: session_gen}, emit=f"{name}.connect", fair="weak"),
    ]
    if cleanup_on_session_change:
        # React runs the old effect's cleanup when the deps changed; the new effect follows as
        # effect_on_active (two steps: nothing is lost by letting other events in between)
        ts_list.append(Transition("cleanup_on_session_change",
                                  guard=(state == "Mounted") & (sees == "Active") & (~active | (gen != session_gen)),
                                  updates={sees: "NotActive", gen: 0}, emit=f"{name}.disconnect", fair="weak"))
    return Machine(name="component", variables=(state, sees, gen), transitions=tuple(ts_list), control="state")


def connect_events(name: str, *, gated: bool, strict_mode: bool) -> tuple[str, ...]:
    """The events by which component *name* tells its clients to connect."""
    if gated:
        return (f"{name}.connect", f"{name}.strict_connect") if strict_mode else (f"{name}.connect",)
    return (f"{name}.strict_connect",) if strict_mode else (f"{name}.connect",)


@dataclass(frozen=True, slots=True, kw_only=True)
class Owned:
    """One client as the rules see it: its owner component, the client, its socket, its endpoint."""

    owner: str
    client: str
    socket: str
    endpoint: str

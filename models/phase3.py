"""The Phase 3 system (issue 3): ``before`` (the current-state audit) and ``after`` (the plan).

``statebound check models/phase3.py:before`` / ``:after``; every parameter is a keyword with a
default that explores in about a second.

- ``before``: useUnifiedAgentChat connects on mount whatever the session and only disconnects on
  unmount; ChatAssistant opens its own RuntimeClient to the same chat endpoint next to the hook's;
  ExperiencePlaneClient's UnifiedWebSocketClient connects whatever the session; these clients
  retry every close, 401/403 included (``policy="naive"``).
- ``after``: every owner goes through the session boundary (connect when Active, disconnect in the
  effect cleanup when not); ChatAssistant uses useUnifiedAgentChat; every client follows the
  reference policy.
"""

from __future__ import annotations

from statebound.checker import Instance, System

from statebound.properties.session_boundary import rules

from .client import POLICIES, client_machine
from .components import Owned, component_machine, connect_events
from .network import AUTH_MODES, server_machine
from .session import session_machine
from .socket import socket_machine

__all__ = ["before", "after", "SAFEGUARDS", "build"]

#: safeguards of the ``after`` design that ``without=`` can remove (the mutation tests of issue 3)
SAFEGUARDS = (
    "mount-gate",           # owners connect on mount whatever the session (rule 1)
    "retry-gate",           # the reference client retries while the session is not Active (rule 1)
    "session-cleanup",      # no effect cleanup when the session leaves Active (rules 2, 3)
    "verify-before-retry",  # an ambiguous 1006 is retried without asking the session boundary (rule 4)
    "consolidation",        # ChatAssistant keeps its own RuntimeClient next to the hook's (rule 5)
    "generation-check",     # handlers of an old socket act on the client (rule 6)
    "online-revival",       # a client that gave up stays Failed when the network is back (rule 7)
)


def before(
    *,
    chats: int = 1,
    experience: bool = False,
    guide: bool = False,
    retries: int = 1,
    strict_mode: bool = False,
    auth_mode: str = "pre-auth",
    policy: str = "naive",
    logins: int = 1,
) -> System:
    """The current state audited in the plan.

    Parameters
    ----------
    chats : int
        How many ChatAssistant components are mounted side by side (each with its hook).
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
        RuntimeClient, UnifiedWebSocketClient); GuideAgentProvider's follows the reference one.
        ``after`` defaults to ``reference``.
    logins : int
        How many times the user may log in again.
    """
    return build("before", chats=chats, experience=experience, guide=guide, retries=retries,
                 strict_mode=strict_mode, auth_mode=auth_mode, policy=policy, logins=logins)


def after(
    *,
    chats: int = 1,
    experience: bool = False,
    guide: bool = False,
    retries: int = 1,
    strict_mode: bool = False,
    auth_mode: str = "pre-auth",
    policy: str = "reference",
    logins: int = 1,
    without: str = "",
) -> System:
    """The plan: everything behind the session boundary (parameters as in :func:`before`).

    ``without`` is a comma-separated list of :data:`SAFEGUARDS` to remove, e.g.
    ``without="generation-check"``: each makes one rule fail.
    """
    return build("after", chats=chats, experience=experience, guide=guide, retries=retries,
                 strict_mode=strict_mode, auth_mode=auth_mode, policy=policy, logins=logins, without=without)


def build(
    variant: str,
    *,
    chats: int,
    experience: bool,
    guide: bool,
    retries: int,
    strict_mode: bool,
    auth_mode: str,
    policy: str,
    logins: int,
    without: str = "",
) -> System:
    """Compose the session, the server, and each owner with its clients and their sockets."""
    removed = frozenset(w.strip() for w in without.split(",") if w.strip())
    problems = []
    if variant not in ("before", "after"):
        problems.append(f"variant={variant!r}: use 'before' or 'after'")
    if auth_mode not in AUTH_MODES:
        problems.append(f"auth_mode={auth_mode!r}: use one of {', '.join(AUTH_MODES)}")
    if policy not in POLICIES:
        problems.append(f"policy={policy!r}: use one of {', '.join(POLICIES)}")
    for w in sorted(removed - set(SAFEGUARDS)):
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
    after_design = variant == "after"

    # (owner, gated, [(client, endpoint, client policy)])
    owners: list[tuple[str, bool, list[tuple[str, str, str]]]] = []
    for k in range(chats):
        tag = "" if chats == 1 else str(k + 1)
        chat, hook = f"ChatAssistant{tag}", f"useUnifiedAgentChat{tag}.client"
        if after_design:
            clients = [(hook, "chat", policy)]
            if "consolidation" in removed:
                clients.append((f"{chat}.client", "chat", policy))
            owners.append((chat, "mount-gate" not in removed, clients))
        else:
            # the audit's Task 1: the hook's RuntimeClient still retries 401/403 (policy)
            owners.append((chat, False, [(hook, "chat", policy), (f"{chat}.client", "chat", policy)]))
    if experience:
        owners.append(("ExperiencePlaneClient", after_design and "mount-gate" not in removed,
                       [("ExperiencePlaneClient.client", "experience", policy)]))
    if guide:
        owners.append(("GuideAgentProvider", True, [("GuideAgentProvider.client", "guide", "reference")]))

    components: list[Instance] = []
    clients: list[Instance] = []
    sockets: list[Instance] = []
    wiring: list[Owned] = []
    verifying: list[str] = []
    invalidating: list[str] = []
    online = False
    for owner, gated, owned in owners:
        components.append(Instance(owner, component_machine(
            owner, gated=gated, strict_mode=strict_mode, logins=logins,
            cleanup_on_session_change="session-cleanup" not in removed)))
        connects = connect_events(owner, gated=gated, strict_mode=strict_mode)
        for client, endpoint, pol in owned:
            ws = client.removesuffix(".client") + ".ws"
            reference = pol == "reference"
            verify = reference and "verify-before-retry" not in removed
            revive = reference and "online-revival" not in removed
            clients.append(Instance(client, client_machine(
                client, socket=ws, connects=connects, disconnects=(f"{owner}.disconnect",), policy=pol,
                retries=retries, generation_check="generation-check" not in removed,
                session_gate="retry-gate" not in removed, verify_before_retry=verify, revive_online=revive)))
            sockets.append(Instance(ws, socket_machine(
                ws, client=client, connects=connects, disconnects=(f"{owner}.disconnect",), auth_mode=auth_mode)))
            wiring.append(Owned(owner=owner, client=client, socket=ws, endpoint=endpoint))
            if verify:
                verifying.append(client)
                invalidating.append(f"{client}.verified_401")
            if reference:
                invalidating.append(f"{ws}.close_4401")
            online = online or revive
    instances = (
        Instance("session", session_machine(logins=logins, invalidated_by=invalidating)),
        Instance("server", server_machine(verifying_clients=verifying, online_event=online)),
        *components, *clients, *sockets,
    )
    params = (("chats", chats), ("experience", experience), ("guide", guide), ("retries", retries),
              ("strict_mode", strict_mode), ("auth_mode", auth_mode), ("policy", policy), ("logins", logins))
    if after_design:
        params += (("without", ",".join(sorted(removed))),)
    return System(name=f"phase3.{variant}", instances=instances, properties=rules(wiring), params=params)

"""The session boundary: what the browser believes about its session (Phase 3, issue 3).

The belief (``Unknown``, ``Active``, ``Invalid``) changes only on what the browser observes:
the answer to the initial probe, an API call answered 401, the user's logout and login, and (with
the session-boundary integration of the ``after`` design) a WebSocket close 4401 or a failed
re-verification. Whether the token is really still valid is the server's hidden truth, in
:mod:`models.network`; this machine may not read it.
"""

from __future__ import annotations

from collections.abc import Iterable

from statebound.checker import Enum, Int, Machine, Transition, Var

__all__ = ["SESSION", "STATUS", "session_machine"]

SESSION = "session"
STATUS = Enum("Unknown", "Active", "Invalid")


def session_machine(*, logins: int = 1, invalidated_by: Iterable[str] = ()) -> Machine:
    """The session belief; ``gen`` counts logins (bounded by *logins* to keep the model finite).

    Parameters
    ----------
    logins : int
        How many times the user may log in again after an invalidation.
    invalidated_by : iterable of str
        Extra events after which an Active session becomes Invalid: a WebSocket close 4401 or a
        re-verification answered 401 (the session-boundary integration of the ``after`` design).
    """
    state = Var("state", STATUS, initial="Unknown")
    gen = Var("gen", Int(0, logins), initial=0)
    transitions = [
        Transition("probe_ok", on="probe_200", guard=state == "Unknown", updates={state: "Active"}),
        Transition("probe_401", on="probe_401", guard=state == "Unknown", updates={state: "Invalid"}),
        Transition("api_401", on="api_401", guard=state == "Active", updates={state: "Invalid"},
                   tags=("invalidate",)),
        # the user's click; the server revokes the token in the same step (models.network)
        Transition("logout", guard=state == "Active", updates={state: "Invalid"}, emit="logout",
                   tags=("invalidate",)),
        # a new session: a new token, valid on the server (and a reset for the no-retry rule)
        Transition("login", guard=(state == "Invalid") & (gen < logins), updates={state: "Active", gen: gen + 1},
                   emit="login", tags=("login",)),
    ]
    for event in sorted(set(invalidated_by)):
        transitions.append(Transition(f"invalidate_on[{event}]", on=event, guard=state == "Active",
                                      updates={state: "Invalid"}, tags=("invalidate",)))
    return Machine(name="session", variables=(state, gen), transitions=tuple(transitions),
                   implementation=True, control="state")

"""The session store: what the browser believes about its session, and the token it hands out.

Building block of :mod:`models.app` (issue 10). The belief (``Unknown``, ``Active``, ``Invalid``)
changes only on what the browser observes: the answer to the initial probe, the user's logout
and login, and each *invalidation* the store is told about (an API answered 401, a refresh
answered 401, a token request answered 401, a WebSocket closed 4401, a re-verification answered
401). Whether the token is really still valid is the server's hidden truth
(:mod:`models.network`); this machine may not read it.

With ``refresh=True`` the store also renews its access token: ``refresh_start`` sends the
request (a timer of the app, never forced), the server's answer rotates the token (every token
handed out before is now of an older *generation*) or says 401. Generations are relative: what a
holder (a socket, a client with a token in hand) records is whether its token is older than the
store's current one, which is all the server can tell apart (it accepts the current generation
only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from statebound.checker import TRUE, Bool, Enum, Expr, Int, Machine, Ref, Transition, Var, ref

from ._expr import conj

__all__ = ["STATUS", "Invalidation", "SessionStore", "session_store"]

STATUS = Enum("Unknown", "Active", "Invalid")


@dataclass(frozen=True, slots=True, kw_only=True)
class Invalidation:
    """An event after which the store declares an Active session Invalid (when *condition* held
    before the step): one entry of the store's invalidation path.

    ``evidence`` is False only for the user's logout: every other invalidation claims the server
    rejected the session, which the rule ``valid-session-never-invalidated`` checks.
    """

    event: str
    condition: Expr = TRUE
    evidence: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionStore:
    """The names other building blocks read and listen to (``store.state``, ``store.logout``...)."""

    name: str = "session"
    server: str = "server"

    @property
    def state(self) -> Ref:
        return ref(self.name, "state")

    @property
    def active(self) -> Expr:
        return ref(self.name, "state") == "Active"

    @property
    def gen(self) -> Ref:
        """The login counter (a new session each login)."""
        return ref(self.name, "gen")

    @property
    def refreshing(self) -> Ref:
        return ref(self.name, "refreshing")

    @property
    def logout(self) -> str:
        return f"{self.name}.logout"

    @property
    def login(self) -> str:
        return f"{self.name}.login"

    @property
    def probe_200(self) -> str:
        return f"{self.server}.probe_200"

    @property
    def probe_401(self) -> str:
        return f"{self.server}.probe_401"

    @property
    def refreshed(self) -> str:
        """The server's answer to a refresh: the token rotated."""
        return f"{self.server}.refreshed"

    @property
    def refresh_401(self) -> str:
        return f"{self.server}.refresh_401"

    @property
    def activations(self) -> tuple[str, ...]:
        """The events after which the session is Active again (a registered client resumes)."""
        return (self.probe_200, self.login)


def session_store(store: SessionStore = SessionStore(), *, logins: int = 1, refresh: bool = False,
                  invalidations: Sequence[Invalidation] = ()) -> Machine:
    """The session store *store*.

    Parameters
    ----------
    store : SessionStore
        Its instance name and the server's.
    logins : int
        How many times the user may log in again after an invalidation (``gen`` counts them).
    refresh : bool
        Renew the access token (``refreshing`` is a request in flight).
    invalidations : sequence of Invalidation
        The store's invalidation path besides the user's logout (which is always in it) and, with
        *refresh*, a refresh answered 401.

    Examples
    --------
    >>> m = session_store(logins=1, refresh=True)
    >>> [v.name for v in m.variables]
    ['state', 'gen', 'refreshing']
    >>> sorted(t.name for t in m.transitions if "declare_invalid" in t.tags)
    ['refresh_401']
    """
    state = Var("state", STATUS, initial="Unknown")
    gen = Var("gen", Int(0, logins), initial=0)
    variables: list[Var] = [state, gen]
    # an invalidation drops a refresh in flight (its answer no longer matters)
    drop: dict[Var, Expr | str | bool] = {}
    ts = [
        Transition("probe_ok", on=store.probe_200, guard=state == "Unknown", updates={state: "Active"}),
        Transition("probe_401", on=store.probe_401, guard=state == "Unknown", updates={state: "Invalid"}),
    ]
    if refresh:
        refreshing = Var("refreshing", Bool(), initial=False)
        variables.append(refreshing)
        drop = {refreshing: False}
        ts += [
            # the app's refresh timer: not fair (a model need not refresh to be correct)
            Transition("refresh_start", guard=(state == "Active") & ~refreshing, updates={refreshing: True}),
            Transition("refreshed", on=store.refreshed, guard=refreshing, updates={refreshing: False}),
            Transition("refresh_401", on=store.refresh_401, guard=(state == "Active") & refreshing,
                       updates={state: "Invalid", refreshing: False}, tags=("invalidate", "declare_invalid")),
        ]
    ts += [
        # the user's click; the server revokes the token in the same step (models.network)
        Transition("logout", guard=state == "Active", updates={state: "Invalid", **drop}, emit=store.logout,
                   tags=("invalidate", "logout")),
        # a new session: a new token, valid on the server (and a reset for the no-retry rule)
        Transition("login", guard=(state == "Invalid") & (gen < logins), updates={state: "Active", gen: gen + 1},
                   emit=store.login, tags=("login", "new_session")),
    ]
    for inv in invalidations:
        tags = ("invalidate", "declare_invalid") if inv.evidence else ("invalidate",)
        ts.append(Transition(f"invalidate_on[{inv.event}]", on=inv.event, guard=conj(state == "Active", inv.condition),
                             updates={state: "Invalid", **drop}, tags=tags))
    return Machine(name="session", variables=tuple(variables), transitions=tuple(ts), implementation=True,
                   control="state")

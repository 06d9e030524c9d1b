"""A browser WebSocket client that reconnects with exponential backoff, and its rules.

The client (``implementation=True``: it cannot read the hidden truth of the environment) opens a
socket, and on an abnormal close (1006) waits in ``Backoff`` with a delay that doubles up to a cap,
then tries again, at most ``attempts`` times before it stays ``Failed`` until the browser says it is
online again. A close with 4401 (the server rejected the token) stops it until the user logs in.
The environment (the link and the server's view of the token) is modelled too, so every source of
nondeterminism shows up in traces; the user and the network are never forced to act (no fairness),
only the client's own reactions and the server's answer to a handshake are.

Check it::

    statebound check examples/reconnecting_client.py:reconnecting_client            # all hold
    statebound check examples/reconnecting_client.py:reconnecting_client --param policy=naive
        # no-retry-after-auth-failure is violated: the naive client retries after a 4401

Rules: no reconnect after an auth failure until a new login (an observer), the delay doubles on
every failure (a step rule with ``prev``), a successful open resets the backoff (an invariant), and
a client in backoff on a healthy network gets connected again (liveness under fairness); each has
a witness (``sometimes``) so that none passes vacuously.
"""

from statebound import (
    Bool,
    Enum,
    Instance,
    Int,
    Machine,
    System,
    Transition,
    Var,
    always,
    implies,
    is_in,
    ite,
    leads_to,
    never_after,
    on_step,
    prev,
    ref,
    sometimes,
)

#: the longest backoff delay (the client doubles it from 1 up to this)
CAP = 8
#: the client's backoff delay; in a step rule a plain Var means the firing instance's variable
DELAY = Var("delay", Int(1, CAP), initial=1)


def _client(attempts: int, policy: str) -> Machine:
    state = Var("state", Enum("Idle", "Connecting", "Open", "Backoff", "Failed", "Stopped"))
    attempt = Var("attempt", Int(0, attempts), initial=0)
    delay = DELAY
    doubled = ite(delay * 2 > CAP, CAP, delay * 2)
    on_4401 = ({state: "Stopped", attempt: 0, delay: 1} if policy == "reference"
               else {state: "Backoff", attempt: ite(attempt < attempts, attempt + 1, attempt), delay: doubled})
    return Machine(name="client", implementation=True, variables=(state, attempt, delay), transitions=(
        Transition("connect", guard=state == "Idle", updates={state: "Connecting"}, tags="connect"),
        Transition("opened", on="open", guard=state == "Connecting", updates={state: "Open", attempt: 0, delay: 1}),
        Transition("closed_1006", on="close_1006", guard=is_in(state, "Connecting", "Open") & (attempt < attempts),
                   updates={state: "Backoff", attempt: attempt + 1, delay: doubled}, tags="backoff"),
        Transition("give_up", on="close_1006", guard=is_in(state, "Connecting", "Open") & (attempt == attempts),
                   updates={state: "Failed"}),
        Transition("closed_4401", on="close_4401", guard=is_in(state, "Connecting", "Open"), updates=on_4401,
                   tags=("auth_failure",) + (("backoff",) if policy != "reference" else ())),
        Transition("retry", guard=state == "Backoff", updates={state: "Connecting"}, tags=("connect", "retry"),
                   fair="weak"),
        Transition("online", on="link_up", guard=state == "Failed", updates={state: "Backoff", attempt: 0, delay: 1}),
        Transition("logged_in", on="login", guard=state == "Stopped", updates={state: "Idle"}),
    ))


def _environment() -> Machine:
    link = Var("link", Enum("Up", "Down"), hidden=True)
    token = Var("token_valid", Bool(), initial=True, hidden=True)
    client = ref("client", "state")
    return Machine(name="environment", variables=(link, token), transitions=(
        # the server answers a handshake eventually (strong fairness), the rest may never happen
        Transition("accept", guard=(client == "Connecting") & (link == "Up") & token, emit="open", fair="strong"),
        Transition("refuse", guard=(client == "Connecting") & (link == "Down"), emit="close_1006", fair="strong"),
        Transition("drop", guard=(client == "Open") & (link == "Down"), emit="close_1006", fair="strong"),
        Transition("reject_4401", guard=is_in(client, "Connecting", "Open") & (link == "Up") & ~token,
                   emit="close_4401", fair="strong"),
        Transition("link_down", guard=link == "Up", updates={link: "Down"}),
        Transition("link_up", guard=link == "Down", updates={link: "Up"}, emit="link_up"),
        Transition("token_expires", guard=token, updates={token: False}),
        Transition("login", guard=~token, updates={token: True}, emit="login", tags="login"),
    ))


def reconnecting_client(attempts: int = 2, policy: str = "reference") -> System:
    """The client and its environment; ``policy="naive"`` retries after a 4401 as after a 1006."""
    if policy not in ("reference", "naive"):
        raise ValueError(f"policy={policy!r}: use 'reference' or 'naive'")
    state, attempt, delay = ref("client", "state"), ref("client", "attempt"), ref("client", "delay")
    healthy = (ref("environment", "link") == "Up") & ref("environment", "token_valid")
    return System(name="reconnecting-client", instances=(
        Instance("client", _client(attempts, policy)), Instance("environment", _environment()),
    ), properties=(
        never_after("no-retry-after-auth-failure", trigger="auth_failure", forbidden="connect", until="login"),
        sometimes("a-token-is-rejected", is_in(state, "Stopped", "Backoff") & ~ref("environment", "token_valid")),
        on_step("backoff-doubles", "backoff", after=(DELAY == 2 * prev(DELAY)) | (DELAY == CAP)),
        always("open-resets-backoff", implies(state == "Open", (attempt == 0) & (delay == 1))),
        leads_to("backoff-recovers", (state == "Backoff") & healthy, (state == "Open") | ~healthy),
        sometimes("a-retry-happens", (state == "Connecting") & (attempt > 0)),
    ))

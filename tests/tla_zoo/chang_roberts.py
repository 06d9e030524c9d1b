"""Chang and Roberts' leader election in a unidirectional ring (the PlusCal algorithm): each
initiator sends its id around the ring; a node forwards the ids greater than its own (here, as
in the spec's comparison, smaller ones win) and the node whose own id comes back has won.

Source: tlaplus/Examples, ``specifications/chang_roberts/ChangRoberts.tla`` instantiated by
``MCChangRoberts.tla`` with ``MCChangRoberts.cfg`` (``N = 3``, ``Id = <<1, 2, 3>>``,
``INVARIANTS TypeOK Correctness``, ``PROPERTY Liveness``, ``CHECK_DEADLOCK FALSE``). Published
(``manifest.json``): 137 distinct states, result "success".

The nodes are a family (node ``k`` has id ``k + 1``); ``msgs`` (a set of ids per node) is a
shared boolean array indexed ``node * N + (id - 1)``, since a node writes its successor's set.
``\\E id \\in msgs[self]`` becomes one transition per id. ``Spec`` has ``WF_vars(node(self))``
for each node: a fairness group per node. ``Liveness`` is ``(\\E n : state[n] = "cand") =>
<>(\\E n : state[n] = "won")`` on the initial state; since a node is a candidate initially
exactly when it is an initiator, and ``initiator`` never changes, it is
``<>(~(\\E n : initiator[n]) \\/ \\E n : state[n] = "won")``: an ``eventually``.
"""

from __future__ import annotations

from statebound import (
    SELF,
    Array,
    Bool,
    Enum,
    Fairness,
    Family,
    Machine,
    System,
    Transition,
    Var,
    always,
    eventually,
    exists,
    forall,
    implies,
    ite,
    ref,
    shared,
)

SOURCE = "specifications/chang_roberts/ChangRoberts.tla"
CONFIG = "specifications/chang_roberts/MCChangRoberts.cfg"
TLC_RESULT = "success"
TLC_STATES: int | None = 137
TLC_DEPTH = 10  # states on the longest shortest path, as TLC counts depth
STATES = 137
DEPTH = 10
VERDICTS = {"correctness": ("holds", None), "liveness": ("holds", None)}

N = 3


def system(n: int = N) -> System:
    msgs = shared("msgs", Array(Bool(), size=n * n), initial=(False,) * (n * n))
    initiator = Var("initiator", Bool(), initial={False, True})
    state = Var("state", Enum("cand", "lost", "won"), initial={"cand", "lost"})
    pc = Var("pc", Enum("n0", "n1", "Done"))
    my_id = SELF + 1
    succ = (SELF + 1) % n

    def receive(k: int) -> Transition:
        """n1 with id = k + 1 taken from msgs[self]."""
        forward = (state == "lost") | (k + 1 < my_id)
        return Transition(
            f"n1_{k + 1}", guard=(pc == "n1") & msgs[SELF * n + k],
            updates={msgs[SELF * n + k]: False,
                     msgs[succ * n + k]: forward | msgs[succ * n + k],
                     state: ite(state == "lost", "lost", ite(k + 1 < my_id, "lost", ite(k + 1 == my_id, "won", state)))})

    node = Machine(name="node", control="pc", variables=(initiator, state, pc), transitions=(
        Transition("n0", guard=pc == "n0", updates={msgs[succ * n + SELF]: initiator | msgs[succ * n + SELF], pc: "n1"}),
        *(receive(k) for k in range(n)),
    ))
    # WF_vars(node(self)) for each node
    fair = tuple(Fairness("weak", tuple((f"node[{i}]", t.name) for t in node.transitions), name=f"node-{i + 1}")
                 for i in range(n))

    correctness = forall("node", lambda i: implies(
        ref("node", "state", i) == "won",
        ref("node", "initiator", i)
        & forall("node", lambda j: (j == i) | ((ref("node", "state", j) == "lost")
                                             & implies(ref("node", "initiator", j), j > i)))))
    return System(name="chang-roberts", instances=(Family("node", node, n=n),), shared=(msgs,), fairness=fair,
                  check_deadlock=False,
                  # state = IF initiator[self] THEN "cand" ELSE "lost"
                  initial=forall("node", lambda i: (ref("node", "state", i) == "cand") == ref("node", "initiator", i)),
                  properties=(
        always("correctness", correctness),
        eventually("liveness", ~exists("node", lambda i: ref("node", "initiator", i))
                   | exists("node", lambda i: ref("node", "state", i) == "won")),
    ))

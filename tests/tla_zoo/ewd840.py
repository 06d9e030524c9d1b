"""EWD840: Dijkstra, Feijen and van Gasteren's termination detection in a ring (EWD 840): a token
travels from node N-1 down to node 0 and comes back white only if no node was active since.

Source: tlaplus/Examples, ``specifications/ewd840/EWD840.tla`` with ``EWD840.cfg`` (``N = 3``,
``CHECK_DEADLOCK FALSE``, ``INVARIANTS TypeOK TerminationDetection Inv``,
``PROPERTIES Liveness TDSpec``). Published (``manifest.json``): 302 distinct states, result
"success".

The nodes are a family; ``active`` is a shared array, since a message activates another node;
the token's position and colour are shared. ``Spec`` has ``WF_vars(System)``, fairness of the
token's moves as a whole: a fairness group of ``InitiateProbe`` and every ``PassToken(i)``.
``Liveness`` is ``terminated ~> terminationDetected``; ``TDSpec`` (the refinement of
``SyncTerminationDetection``) is not checked here.

The counts agree; the depths do not quite: the manifest's ``stateDepth`` is 10 where the
breadth-first depth is 9 states (192 initial states, then at most 8 steps). TLC's depth is the
level at which its workers first met a state, and several workers in parallel do not search
strictly breadth-first, so it can exceed the breadth-first depth; every other model here has
its published depth.
"""

from __future__ import annotations

import itertools

from statebound import (
    SELF,
    Array,
    Bool,
    Enum,
    Fairness,
    Family,
    Int,
    Machine,
    System,
    Transition,
    Var,
    always,
    exists,
    forall,
    implies,
    ite,
    leads_to,
    ref,
    shared,
)

SOURCE = "specifications/ewd840/EWD840.tla"
CONFIG = "specifications/ewd840/EWD840.cfg"
TLC_RESULT = "success"
TLC_STATES: int | None = 302
TLC_DEPTH = 10  # states on the longest shortest path, as TLC counts depth
STATES = 302
DEPTH = 9
VERDICTS = {"termination-detection": ("holds", None), "inv": ("holds", None), "liveness": ("holds", None)}

N = 3


def system(n: int = N) -> System:
    every = frozenset(itertools.product((False, True), repeat=n))
    active = shared("active", Array(Bool(), size=n), initial=every)   # Init: active \in [Node -> BOOLEAN]
    tpos = shared("tpos", Int(0, n - 1), initial=range(n))
    tcolor = shared("tcolor", Enum("white", "black"), initial="black")
    color = Var("color", Enum("white", "black"), initial={"white", "black"})
    node = Machine(name="node", variables=(color,), transitions=(
        Transition("initiate_probe", guard=(SELF == 0) & (tpos == 0) & ((tcolor == "black") | (color == "black")),
                   updates={tpos: n - 1, tcolor: "white", color: "white"}),
        Transition("pass_token", guard=(SELF != 0) & (tpos == SELF)
                   & (~active[SELF] | (color == "black") | (tcolor == "black")),
                   updates={tpos: SELF - 1, tcolor: ite(color == "black", "black", tcolor), color: "white"}),
        # SendMsg(i): to each j # i, one transition per distance around the ring
        *(Transition(f"send_msg_{d}", guard=active[SELF],
                     updates={active[(SELF + d) % n]: True, color: ite((SELF + d) % n > SELF, "black", color)})
          for d in range(1, n)),
        Transition("deactivate", guard=active[SELF], updates={active[SELF]: False}),
    ))
    token_moves = Fairness("weak", tuple((f"node[{i}]", "initiate_probe" if i == 0 else "pass_token") for i in range(n)),
                           name="system")
    t_pos, t_color, act = ref("shared", "tpos"), ref("shared", "tcolor"), ref("shared", "active")
    terminated = forall(range(n), lambda i: ~act[i])
    detected = (t_pos == 0) & (t_color == "white") & (ref("node", "color", 0) == "white") & ~act[0]
    return System(name="ewd840", instances=(Family("node", node, n=n),), shared=(active, tpos, tcolor),
                  fairness=(token_moves,), check_deadlock=False, properties=(
        always("termination-detection", implies(detected, terminated)),
        always("inv", forall(range(n), lambda i: implies(t_pos < i, ~act[i]))
               | exists(range(n), lambda j: (j <= t_pos) & (ref("node", "color", j) == "black"))
               | (t_color == "black")),
        leads_to("liveness", terminated, detected),
    ))

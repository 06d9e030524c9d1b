"""Dijkstra's self-stabilizing token ring (EWD 426, the K-state algorithm): from any state, the
ring converges to one where exactly one node holds the token, and stays there.

Source: tlaplus/Examples, ``specifications/ewd426/TokenRing.tla`` with ``TokenRing.cfg``
(``N = 6``, ``M = 6``, ``CHECK_DEADLOCK FALSE``, ``INVARIANT TypeOK``, ``PROPERTIES Stab``).
Published (``manifest.json``): 46656 distinct states (every one of the 6^6 initial states),
result "success".

The nodes are a family, each with its counter ``c``; node 0 creates a token, the others pass it.
``Spec`` has ``WF_vars(Next)``: a fairness group of every transition. ``Stab`` is
``<>[]UniqueToken``, an ``eventually_always``.
"""

from __future__ import annotations

from statebound import SELF, Expr, Fairness, Family, Int, Machine, System, Transition, Var, eventually_always, exists, forall, ref

SOURCE = "specifications/ewd426/TokenRing.tla"
CONFIG = "specifications/ewd426/TokenRing.cfg"
TLC_RESULT = "success"
TLC_STATES: int | None = 46656
TLC_DEPTH = 1
STATES = 46656
DEPTH = 1
VERDICTS = {"stab": ("holds", None)}

N, M = 6, 6


def system(n: int = N, m: int = M) -> System:
    c = Var("c", Int(0, m - 1), initial=range(m))
    before = ref("node", "c", (SELF + n - 1) % n)       # c[i-1]
    node = Machine(name="node", variables=(c,), transitions=(
        Transition("create_token", guard=(SELF == 0) & (c == ref("node", "c", n - 1)), updates={c: (c + 1) % m}),
        Transition("pass_token", guard=(SELF != 0) & (c != before), updates={c: before}),
    ))

    def cv(j: Expr | int) -> Expr:
        return ref("node", "c", j)

    # \E i \in 0..N : (\A j \in 0..i-1 : c[j] = c[0]) /\ (\A j \in i..N-1 : c[j] = (c[0] - 1) % M)
    unique_token = exists(range(n + 1), lambda i: forall("node", lambda j: (
        ((j < i) & (cv(j) == cv(0))) | ((j >= i) & (cv(j) == (cv(0) + m - 1) % m)))))
    return System(name="token-ring", instances=(Family("node", node, n=n),), check_deadlock=False,
                  fairness=(Fairness("weak", tuple((f"node[{i}]", t) for i in range(n) for t in ("create_token", "pass_token")),
                                     name="next"),),
                  properties=(eventually_always("stab", unique_token),))

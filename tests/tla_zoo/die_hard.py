"""DieHard: measure 4 gallons with a 3- and a 5-gallon jug (the film's puzzle), as TLA+ states it.

Source: tlaplus/Examples, ``specifications/DieHard/DieHard.tla`` with ``DieHard.cfg``
(``INVARIANTS TypeOK NotSolved``). Published (``manifest.json``): result "safety failure"
(``NotSolved``, ``big # 4``, is the invariant meant to fail: its counterexample is the solution).
TLC publishes no distinct-state count for a model it stops at a violation; the whole space has 16
states (every pair the pours can make), which is what statebound counts, since it explores
everything before it reports.
"""

from __future__ import annotations

from statebound import Instance, Int, Machine, System, Transition, Var, always, min_of, ref

SOURCE = "specifications/DieHard/DieHard.tla"
CONFIG = "specifications/DieHard/DieHard.cfg"
TLC_RESULT = "safety failure"
TLC_STATES: int | None = None  # not published for a failing model
STATES = 16
#: property -> (verdict, length of the shortest counterexample or None)
VERDICTS = {"type-ok": ("holds", None), "not-solved": ("violated", 6), "deadlock-free": ("holds", None)}


def system() -> System:
    big = Var("big", Int(0, 5), initial=0)
    small = Var("small", Int(0, 3), initial=0)
    poured_to_big = min_of(big + small, 5)
    poured_to_small = min_of(big + small, 3)
    jugs = Machine(name="jugs", variables=(big, small), transitions=(
        # no guards, as in the spec: filling a full jug is a step that changes nothing
        Transition("fill_small", updates={small: 3}),
        Transition("fill_big", updates={big: 5}),
        Transition("empty_small", updates={small: 0}),
        Transition("empty_big", updates={big: 0}),
        Transition("small_to_big", updates={big: poured_to_big, small: small - (poured_to_big - big)}),
        Transition("big_to_small", updates={small: poured_to_small, big: big - (poured_to_small - small)}),
    ))
    b, s = ref("jugs", "big"), ref("jugs", "small")
    return System(name="die-hard", instances=(Instance("jugs", jugs),), properties=(
        always("type-ok", (0 <= s) & (s <= 3) & (0 <= b) & (b <= 5)),
        always("not-solved", b != 4),
    ))

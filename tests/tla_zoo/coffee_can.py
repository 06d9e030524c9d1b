"""The coffee can problem (Gries, after Scholten): pick two beans; same colour, put back a black
one; different colours, put back the white one. Which colour is the last bean?

Source: tlaplus/Examples, ``specifications/CoffeeCan/CoffeeCan.tla`` with ``CoffeeCan100Beans.cfg``
(``MaxBeanCount = 100``, ``PROPERTY EventuallyTerminates MonotonicDecrease LoopInvariant
TerminationHypothesis``, ``INVARIANTS TypeInvariant``). Published (``manifest.json``): 5150
distinct states, result "success".

``Init`` is a predicate over the product of the counts (``System(initial=...)``); ``Spec`` has
``WF_can(Next)``, a fairness group of every action, ``Termination`` included: that one changes
nothing (``BeanCount = 1 /\\ UNCHANGED can``), so under TLA+'s fairness it is never enabled and
the group asks only for the picks. The step properties ``[][...]_can`` are ``on_every_step``
rules (a step that changes nothing is exempt, as in TLA+), ``EventuallyTerminates``
(``<>(ENABLED Termination)``) an ``eventually``; ``TerminationHypothesis`` (on the initial
state's parity of white beans, which every step keeps) is an ``eventually`` of the matching end.
"""

from __future__ import annotations

from statebound import Fairness, Instance, Int, Machine, System, Transition, Var, eventually, on_every_step, prev, ref

SOURCE = "specifications/CoffeeCan/CoffeeCan.tla"
CONFIG = "specifications/CoffeeCan/CoffeeCan100Beans.cfg"
TLC_RESULT = "success"
TLC_STATES: int | None = 5150
TLC_DEPTH = 1  # states on the longest shortest path, as TLC counts depth
STATES = 5150
DEPTH = 1
VERDICTS = {"eventually-terminates": ("holds", None), "monotonic-decrease": ("holds", None),
            "loop-invariant": ("holds", None), "termination-hypothesis": ("holds", None),
            "deadlock-free": ("holds", None)}

MAX_BEANS = 100


def system(max_beans: int = MAX_BEANS) -> System:
    black = Var("black", Int(0, max_beans), initial=range(max_beans + 1))
    white = Var("white", Int(0, max_beans), initial=range(max_beans + 1))
    beans = black + white
    can = Machine(name="can", variables=(black, white), transitions=(
        Transition("pick_same_color_white", guard=(beans > 1) & (white >= 2), updates={black: black + 1, white: white - 2}),
        Transition("pick_same_color_black", guard=(beans > 1) & (black >= 2), updates={black: black - 1}),
        Transition("pick_different_color", guard=(beans > 1) & (black >= 1) & (white >= 1), updates={black: black - 1}),
        Transition("termination", guard=beans == 1),   # UNCHANGED can
    ))
    b, w = ref("can", "black"), ref("can", "white")
    count = b + w
    return System(name="coffee-can", instances=(Instance("can", can),),
                  initial=(count >= 1) & (count <= max_beans),
                  fairness=(Fairness("weak", tuple(("can", t.name) for t in can.transitions), name="next"),),
                  properties=(
        eventually("eventually-terminates", count == 1),
        on_every_step("monotonic-decrease", count < prev(count)),
        on_every_step("loop-invariant", (prev(w) % 2 == 0) == (w % 2 == 0)),
        eventually("termination-hypothesis", ((w % 2 == 0) & (b == 1) & (w == 0)) | ((w % 2 == 1) & (b == 0) & (w == 1))),
    ))

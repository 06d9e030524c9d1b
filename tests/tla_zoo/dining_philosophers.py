"""The dining philosophers, with Chandy and Misra's hygienic forks (the PlusCal algorithm): a
philosopher gives away a dirty fork she holds, eats with two clean ones, and dirties them.

Source: tlaplus/Examples, ``specifications/DiningPhilosophers/DiningPhilosophers.tla`` with
``DiningPhilosophers.cfg`` (``NP = 5``, ``INVARIANT TypeOK ExclusiveAccess``,
``PROPERTY NobodyStarves``). Published (``manifest.json``): 67 distinct states, result "success".

The philosophers are a family; the forks' holders and cleanliness are shared arrays (a
philosopher hands a fork to a neighbour). ``Loop`` is one transition whose updates are the
spec's IF/ELSE: when she holds no dirty fork and cannot eat, it changes nothing, and under TLA+'s
``WF_vars(Philosopher(self))`` (a fairness group per philosopher) such a step neither takes nor
enables anything. ``NobodyStarves`` (``\\A p : []<>(~hungry[p])``) is ``infinitely_often`` per
philosopher.
"""

from __future__ import annotations

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
    forall,
    infinitely_often,
    ite,
    ref,
    shared,
)

SOURCE = "specifications/DiningPhilosophers/DiningPhilosophers.tla"
CONFIG = "specifications/DiningPhilosophers/DiningPhilosophers.cfg"
TLC_RESULT = "success"
TLC_STATES: int | None = 67
TLC_DEPTH = 29  # states on the longest shortest path, as TLC counts depth
STATES = 67
DEPTH = 29
NP = 5
VERDICTS = {"exclusive-access": ("holds", None),
            **{f"p{p + 1}-never-starves": ("holds", None) for p in range(NP)},
            "deadlock-free": ("holds", None)}


def system(np_: int = NP) -> System:
    # fork 2 starts with philosopher 1, every other fork f with philosopher f (0-indexed here)
    holder = shared("holder", Array(Int(0, np_ - 1), size=np_), initial=tuple(0 if f == 1 else f for f in range(np_)))
    clean = shared("clean", Array(Bool(), size=np_), initial=(False,) * np_)
    pc = Var("pc", Enum("Loop", "Eat", "Think"))
    hungry = Var("hungry", Bool(), initial=True)
    left, right = SELF, (SELF + 1) % np_                     # LeftFork(self), RightFork(self)
    left_phil, right_phil = (SELF + np_ - 1) % np_, (SELF + 1) % np_
    give_left = (holder[left] == SELF) & ~clean[left]
    give_right = ~give_left & (holder[right] == SELF) & ~clean[right]
    can_eat = (holder[left] == SELF) & (holder[right] == SELF) & clean[left] & clean[right]
    philosopher = Machine(name="philosopher", control="pc", variables=(pc, hungry), transitions=(
        Transition("loop", guard=pc == "Loop", updates={
            holder[left]: ite(give_left, left_phil, holder[left]), clean[left]: give_left | clean[left],
            holder[right]: ite(give_right, right_phil, holder[right]), clean[right]: give_right | clean[right],
            pc: ite(hungry, ite(can_eat, "Eat", "Loop"), "Think"),
        }),
        Transition("think", guard=pc == "Think", updates={hungry: True, pc: "Loop"}),
        Transition("eat", guard=pc == "Eat", updates={hungry: False, clean[left]: False, clean[right]: False, pc: "Loop"}),
    ))
    fair = tuple(Fairness("weak", tuple((f"philosopher[{p}]", t) for t in ("loop", "think", "eat")), name=f"p{p + 1}")
                 for p in range(np_))
    return System(name="dining-philosophers", instances=(Family("philosopher", philosopher, n=np_),),
                  shared=(holder, clean), fairness=fair, properties=(
        # ShareFork(p, q) for p # q holds exactly for neighbours
        always("exclusive-access", forall("philosopher", lambda p: ~(
            (ref("philosopher", "pc", p) == "Eat") & (ref("philosopher", "pc", (p + 1) % np_) == "Eat")))),
        *(infinitely_often(f"p{p + 1}-never-starves", ~ref("philosopher", "hungry", p)) for p in range(np_)),
    ))

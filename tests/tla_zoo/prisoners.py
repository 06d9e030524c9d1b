"""The prisoners and the two switches (the "100 prisoners and a light bulb" variant with two
switches): one prisoner counts, the others each flip switch A up twice; when the counter has
counted 2 * (n - 1) ups, everyone has been in the room.

Source: tlaplus/Examples, ``specifications/Prisoners/Prisoners.tla`` with ``Prisoners.cfg``
(``Prisoner = {p1, p2, p3, p4}``, ``Counter = p1``, ``INVARIANT TypeOK CountInvariant``,
``PROPERTIES Safety Liveness``). Published (``manifest.json``): 214 distinct states, result
"success".

The switches are shared variables; the non-counting prisoners are a family with their
``timesSwitched``. Each of ``NonCounterStep(i)`` and ``CounterStep`` is an IF/ELSE, written here
as two transitions, one per branch, and the spec's ``WF_vars`` of each as a fairness group of the
two: splitting an action keeps its fairness. ``Liveness`` (``<>Done``) is an ``eventually``.
"""

from __future__ import annotations

from statebound import (
    Bool,
    Fairness,
    Family,
    Instance,
    Int,
    Machine,
    System,
    Transition,
    Var,
    always,
    eventually,
    forall,
    implies,
    ite,
    ref,
    shared,
)

SOURCE = "specifications/Prisoners/Prisoners.tla"
CONFIG = "specifications/Prisoners/Prisoners.cfg"
TLC_RESULT = "success"
TLC_STATES: int | None = 214
TLC_DEPTH = 14
STATES = 214
DEPTH = 14
PRISONERS = 4
VERDICTS = {"count-invariant": ("holds", None), "safety": ("holds", None), "liveness": ("holds", None),
            "deadlock-free": ("holds", None)}


def system(prisoners: int = PRISONERS) -> System:
    others = prisoners - 1
    switch_a = shared("switch_a_up", Bool(), initial={False, True})
    switch_b = shared("switch_b_up", Bool(), initial={False, True})
    times = Var("times_switched", Int(0, 2), initial=0)
    count = Var("count", Int(0, 2 * prisoners - 1), initial=0)
    may_flip_a = ~switch_a & (times < 2)
    prisoner = Machine(name="prisoner", variables=(times,), transitions=(
        Transition("switch_a_up", guard=may_flip_a, updates={switch_a: True, times: times + 1}),
        Transition("flip_b", guard=~may_flip_a, updates={switch_b: ~switch_b}),
    ))
    counter = Machine(name="counter", variables=(count,), transitions=(
        Transition("switch_a_down", guard=switch_a, updates={switch_a: False, count: count + 1}),
        Transition("flip_b", guard=~switch_a, updates={switch_b: ~switch_b}),
    ))
    fair = (Fairness("weak", (("counter", "switch_a_down"), ("counter", "flip_b")), name="counter-step"),
            *(Fairness("weak", ((f"prisoner[{i}]", "switch_a_up"), (f"prisoner[{i}]", "flip_b")), name=f"p{i + 2}-step")
              for i in range(others)))
    total = sum((ref("prisoner", "times_switched", i) for i in range(1, others)), ref("prisoner", "times_switched", 0))
    one_if_up = ite(ref("shared", "switch_a_up"), 1, 0)
    count_now = ref("counter", "count")
    done = count_now == 2 * (prisoners - 1)
    return System(name="prisoners", instances=(Instance("counter", counter), Family("prisoner", prisoner, n=others)),
                  shared=(switch_a, switch_b), fairness=fair, properties=(
        always("count-invariant", (count_now == total - one_if_up) | (count_now == total - one_if_up + 1)),
        always("safety", implies(done, forall("prisoner", lambda i: ref("prisoner", "times_switched", i) > 0))),
        eventually("liveness", done),
    ))

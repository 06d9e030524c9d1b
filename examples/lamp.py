"""The README's lamp: one machine, one witness. The smallest model worth copying.

Check it::

    statebound check examples/lamp.py:lamp_and_switch       # every property holds (exit 0)
    statebound diagram examples/lamp.py:lamp_and_switch --format png

``sometimes`` asks for a witness: a reachable state where the lamp is on (statebound prints the
trace that reaches it). Deadlock freedom is checked by default: the lamp can always be switched.
"""

from statebound import Enum, Instance, Machine, System, Transition, Var, always, implies, ref, sometimes


def lamp_and_switch() -> System:
    state = Var("state", Enum("Off", "On"))
    lamp = Machine(name="lamp", variables=(state,), transitions=(
        Transition("turn_on", guard=state == "Off", updates={state: "On"}, tags="on"),
        Transition("turn_off", guard=state == "On", updates={state: "Off"}, fair="weak"),
    ))
    return System(name="lamp", instances=(Instance("lamp", lamp),), properties=(
        sometimes("can-turn-on", ref("lamp", "state") == "On"),
        always("on-or-off", implies(ref("lamp", "state") != "On", ref("lamp", "state") == "Off")),
    ))

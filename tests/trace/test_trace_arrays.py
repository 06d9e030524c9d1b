"""Observed values of Array variables in a recorded log: a JSON array of the elements, checked
element by element; anything else is a clear error that names the line."""

from __future__ import annotations

import pytest

from statebound.checker import Array, InputError, Instance, Int, Machine, System, Transition, Var, always, ref
from statebound.checker.engines.trace import check_trace, parse_log


def _system() -> System:
    slots = Var("slots", Array(Int(0, 2), size=2))
    m = Machine(name="m", variables=(slots,), transitions=(
        Transition("fill", guard=slots[0] < 2, updates={slots[0]: slots[0] + 1}),
    ))
    return System(name="arrays", instances=(Instance("m", m),), check_deadlock=False,
                  properties=(always("below-2", ref("m", "slots")[0] < 2),))


def _line(observed: str) -> str:
    return '{"ts": 1, "instance": "m", "event": "fill", "observed": {"slots": ' + observed + "}}\n"


def test_an_observed_array_is_read_as_the_models_tuple() -> None:
    log = parse_log(_line("[1, 0]"), _system())
    assert log.events[0].observed == ((("m", "slots"), (1, 0)),)


@pytest.mark.parametrize(("observed", "message"), [
    ("[1]", "observed m.slots is [1]: not an array of 2 elements"),
    ("[1, 7]", "observed m.slots is [1, 7]: element 1 is outside Int(0, 2)"),
    ('"(1, 0)"', "observed m.slots is \"(1, 0)\": not an array of 2 elements"),
])
def test_a_malformed_array_names_the_line(observed: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        parse_log(_line(observed), _system(), path="run.jsonl")
    assert str(err.value).startswith("run.jsonl:1: " + message)


def test_a_run_over_arrays_is_judged() -> None:
    result = check_trace(_system(), parse_log(_line("[1, 0]") + _line("[2, 0]"), _system()))
    assert result.report.outcome("below-2").verdict.value == "violated"

"""Array values in the JSON report and the ITF trace: JSON arrays (ITF sequences), read back as
the tuples the model uses, so a counterexample over arrays replays from its file."""

from __future__ import annotations

import json

from statebound.checker import Array, Bool, Family, Int, Machine, System, Transition, Var, always, check, shared
from statebound.checker.output import report_to_json, to_itf
from statebound.checker.replay import replay, trace_from_itf


def _bumps() -> System:
    done = Var("done", Bool())
    b = shared("b", Array(Int(0, 3), size=2))
    m = Machine(name="m", variables=(done,), transitions=(
        Transition("bump", guard=~done, updates={b[0]: b[0] + 1, done: True}),
    ))
    return System(name="bumps", instances=(Family("m", m, n=2),), shared=(b,), check_deadlock=False,
                  properties=(always("b0-below-2", b[0] < 2),))


def test_array_values_are_json_arrays_and_replay_from_itf() -> None:
    system = _bumps()
    o = check(system).outcome("b0-below-2")
    assert o.trace is not None
    doc = json.loads(json.dumps(to_itf(o.trace, system=system.name, prop=o.property)))
    b = next(n for n in doc["vars"] if n.endswith(".b"))
    assert [s[b] for s in doc["states"]] == [[0, 0], [1, 0], [2, 0]]
    again = replay(system, trace_from_itf(doc), o.property)
    assert again.is_violated("b0-below-2")
    report = report_to_json(check(system))
    (trace,) = [x["trace"] for x in report["properties"] if x["trace"] is not None]
    assert [c["after"] for s in trace["steps"] for c in s["changes"] if c["variable"].endswith(".b")] == [[1, 0], [2, 0]]

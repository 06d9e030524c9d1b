"""The language, second edition (issue 9): fairness groups, cascades, shared variables, families,
arrays and quantifiers, initial predicates, state constraints, arithmetic, deriving variants.

Each construct has targeted tests with exact messages here; the random-system tests against the
independent interpreter are in ``test_engine_against_reference.py``.
"""

from __future__ import annotations

import pytest

from statebound.checker import Enum, Fairness, Instance, Machine, ModelError, System, Transition, Var

STATE = Var("state", Enum("Idle", "Busy"))


def _worker() -> Machine:
    return Machine(name="worker", variables=(STATE,), transitions=(
        Transition("start", guard=STATE == "Idle", updates={STATE: "Busy"}),
        Transition("stop", guard=STATE == "Busy", updates={STATE: "Idle"}),
        Transition("poke", on="ping"),
    ))


def _pinger() -> Machine:
    return Machine(name="pinger", variables=(STATE,), transitions=(Transition("ping", emit="ping"),))


# --------------------------------------------------------------------------- fairness groups


def test_a_fairness_group_names_instances_and_transitions() -> None:
    group = Fairness("weak", (("w", "start"), ("w", "stop")), name="worker-progress")
    s = System(name="s", instances=(Instance("w", _worker()), Instance("p", _pinger())), fairness=(group,))
    assert s.fairness == (group,)
    assert Fairness("strong", [["w", "start"]]).transitions == (("w", "start"),)


def test_a_fairness_group_with_unknown_names_is_a_model_error() -> None:
    with pytest.raises(ModelError) as err:
        System(name="s", instances=(Instance("w", _worker()), Instance("p", _pinger())), fairness=(
            Fairness("weak", (("v", "start"), ("w", "strat"), ("w", "poke"), ("w", "stop"), ("w", "stop"))),
            Fairness("fair", (), name="g"),  # type: ignore[arg-type]
        ))
    assert err.value.lines == (
        "s/fairness #0: there is no instance 'v'; instances: w, p",
        "s/fairness #0: instance 'w' has no transition 'strat'; did you mean 'start'?",
        "s/fairness #0: w.poke is a receiving transition, which cannot be fair; "
        "make the emitting transitions fair instead",
        "s/fairness #0: lists w.stop twice; list each transition once",
        "s/fairness 'g': kind 'fair' is not a fairness; use 'weak' or 'strong'",
        "s/fairness 'g': names no transition; list at least one (instance, transition)",
    )

"""The Phase 3 models through the symbolic engines. The models are reworked as the plan evolves
(issue 10), so every expectation is derived from the reference engine at test time:

- ``before``: every invariant, step rule and observer rule the explicit engine finds violated,
  bmc finds violated too, with a counterexample of the same (shortest) length;
- ``after``: every invariant, step rule and observer rule the explicit engine says holds (and
  deadlock freedom), induction proves; nothing it decides contradicts the explicit engine.
"""

from __future__ import annotations

from functools import cache

import pytest
from symbolic_checks import replay

from statebound.checker import Budget, Report, Verdict, check
from statebound.checker._compile import compile_system
from statebound.checker.engines.symbolic import BmcEngine, InductionEngine
from statebound.models import phase3

SAFETY = ("always", "step", "never-after", "deadlock")


@cache
def _reference(variant: str) -> Report:
    return check(getattr(phase3, variant)())


def test_bmc_finds_every_safety_violation_of_before_at_the_explicit_engines_length() -> None:
    system = phase3.before()
    ref = _reference("before")
    violated = {o.property: len(o.trace) for o in ref.outcomes
                if o.kind in SAFETY and o.verdict is Verdict.VIOLATED and o.trace is not None}
    assert violated, "the audit's design is expected to break some safety rule"
    report = BmcEngine().check(system, properties=sorted(violated), budget=Budget(max_depth=max(violated.values())))
    c = compile_system(system)
    for o in report.outcomes:
        assert o.verdict is Verdict.VIOLATED, o.property
        assert o.trace is not None and len(o.trace) == violated[o.property], o.property
        replay(c, o.trace, from_initial=True)


@pytest.fixture(scope="module")
def after_report() -> Report:
    return InductionEngine().check(phase3.after())


def test_induction_proves_every_safety_rule_of_after_that_holds(after_report: Report) -> None:
    ref = _reference("after")
    for o in after_report.outcomes:
        theirs = ref.outcome(o.property)
        if o.verdict is not Verdict.INCONCLUSIVE:
            assert o.verdict is theirs.verdict, o.property
        if o.kind in SAFETY and theirs.verdict is Verdict.HOLDS:
            assert o.verdict is Verdict.HOLDS, f"{o.property}: {o.message}"
            assert o.message.startswith("proved by ")
            assert not o.warnings, o.warnings


def test_liveness_is_left_to_the_explicit_engine(after_report: Report) -> None:
    for o in after_report.outcomes:
        if o.kind == "leads-to":
            assert o.verdict is Verdict.INCONCLUSIVE and "--engine explicit" in o.message

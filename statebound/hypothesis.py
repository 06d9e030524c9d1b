"""statebound's models as Hypothesis state machines (issue 11).

``machine_for(system)`` generates a ``hypothesis.stateful.RuleBasedStateMachine`` from any
system: one rule per transition, guards as preconditions, every property checked on every step.
Run it with your own settings::

    from hypothesis import settings
    from statebound.hypothesis import machine_for

    TestAfter = machine_for(after()).TestCase
    TestAfter.settings = settings(max_examples=200, stateful_step_count=50)

A broken property fails the run with a :class:`PropertyViolation` whose text is the shrunk
counterexample, printed like ``statebound check`` prints one.
"""

from .checker.engines.random import PropertyViolation as PropertyViolation
from .checker.engines.random import machine_for as machine_for

__all__ = ["PropertyViolation", "machine_for"]

"""The random engine: runs of the model driven by Hypothesis (issue 11).

``holds`` here means only that a ``sometimes`` was witnessed by some run. Everything else a run
did not break is ``inconclusive`` ("no violation found in N runs of M steps", with the coverage:
distinct states visited, transitions fired and never fired); a violation comes with the run that
shows it, shrunk. It cannot see what its runs did not reach, and it finds a ``leads_to`` violation
only when a run shows its lasso. It is for models too large to explore, and it is where the model
meets Hypothesis' stateful testing: :func:`machine_for` turns any system into a
``RuleBasedStateMachine``.

Hypothesis is imported only when a check runs or a machine is built.
"""

from ._engine import ENGINE as ENGINE
from ._engine import RandomEngine as RandomEngine
from ._engine import simulate as simulate
from ._machine import PropertyViolation as PropertyViolation
from ._machine import machine_for as machine_for

__all__ = ["ENGINE", "PropertyViolation", "RandomEngine", "machine_for", "simulate"]

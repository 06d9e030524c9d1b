"""The symbolic engines on z3 (issue 14): bounded model checking and k-induction.

Both read the model through one translation (:mod:`._encode`) of the same expression trees every
engine interprets. z3 is imported only when one of these engines is asked for.

``bmc`` (:class:`BmcEngine`): shortest counterexamples by increasing depth; never ``holds`` for an
invariant, only "no violation up to depth k". ``induction`` (:class:`InductionEngine`):
k-induction; ``holds`` means proved for every reachable state; otherwise ``inconclusive`` with a
counterexample to induction. ``InductionEngine(parametric=True)`` proves properties for every size
of a family declared ``symmetric=True`` (quantified 1-induction, :mod:`._param`), else checks the
sizes 1..``max_n`` one by one and says so. See each engine's docstring for its exact claims.
"""

from .bmc import BmcEngine as BmcEngine
from .induction import InductionEngine as InductionEngine

__all__ = ["BmcEngine", "InductionEngine"]

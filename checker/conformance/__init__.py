"""Conformance: a real implementation driven in lockstep with its model (issue 12).

Layout, from the outside in:

- :mod:`.adapter`: the protocol a user implements for their own code (:class:`Adapter`), the
  :class:`Step` it is given and the :class:`Mismatch` it raises;
- :mod:`._run`: :func:`conform` (Hypothesis runs, the report, the divergence), :func:`conform_steps`
  (one given run), :func:`assert_conforms` for pytest, and the text and JSON outputs of
  ``statebound conform``;
- :mod:`._lockstep`: the machine the random engine generates from the model
  (:func:`statebound.checker.engines.random.build_machine`), with hooks that perform each step on
  the implementation and compare what it looks like afterwards.

Hypothesis is imported only when a check runs. ``docs/conformance.md`` is the user's guide; the
worked example is ``examples/conformance/`` (a real WebSocket server and clients for Phase 3).
"""

from ._lockstep import Divergence as Divergence
from ._lockstep import DivergenceError as DivergenceError
from ._run import ENGINE as ENGINE
from ._run import ConformanceResult as ConformanceResult
from ._run import assert_conforms as assert_conforms
from ._run import conform as conform
from ._run import conform_steps as conform_steps
from ._run import format_result as format_result
from ._run import result_to_json as result_to_json
from .adapter import Adapter as Adapter
from .adapter import Mismatch as Mismatch
from .adapter import Step as Step

__all__ = [
    "ENGINE", "Adapter", "ConformanceResult", "Divergence", "DivergenceError", "Mismatch", "Step", "assert_conforms",
    "conform", "conform_steps", "format_result", "result_to_json",
]

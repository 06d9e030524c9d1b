"""Set-up of the conformance tests (issue 12): the example's real server, browser and clients
(``examples/conformance``) are importable as ``conformance``."""

from __future__ import annotations

import sys

from leftovers import ROOT

EXAMPLES = ROOT / "examples"
if str(EXAMPLES) not in sys.path:
    sys.path.insert(0, str(EXAMPLES))

"""The reference engine imports networkx only for a ``leads_to`` analysis it actually runs (issue 13:
the import costs 0.09-0.14 s of a 0.4 s check of Phase 3 ``before``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

_CHECK = """
import sys
from statebound.checker.engines.base import Budget
from statebound.checker.engines.reference import check
from statebound.models import phase3
report = check(phase3.before(), properties={properties!r}, budget=Budget(max_states={max_states!r}))
print(sorted(o.verdict.value for o in report.outcomes))
print("networkx" in sys.modules)
"""


def _imports_networkx(properties: list[str], max_states: int | None) -> tuple[str, bool]:
    code = textwrap.dedent(_CHECK.format(properties=properties, max_states=max_states))
    out = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True, check=True).stdout
    verdicts, imported = out.splitlines()
    return verdicts, imported == "True"


@pytest.mark.parametrize(("properties", "max_states"), [
    (["no-live-socket-when-not-active", "connect-only-when-active"], None),  # no liveness property
    (["recovery-chat-assistant"], 50),  # a partial exploration: leads_to is not analysed
])
def test_networkx_is_not_imported_without_a_leads_to_analysis(properties: list[str], max_states: int | None) -> None:
    _, imported = _imports_networkx(properties, max_states)
    assert not imported


def test_networkx_is_imported_for_a_leads_to_analysis() -> None:
    verdicts, imported = _imports_networkx(["recovery-chat-assistant"], None)
    assert verdicts == "['violated']"
    assert imported

"""The guide's examples run (issue 16), and the README points only at files of the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide.md"


def _examples() -> list[tuple[str, str]]:
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)
    return [(b.splitlines()[0].removeprefix("# example:").strip(), b) for b in blocks if b.startswith("# example:")]


def test_the_guide_has_a_runnable_example_of_every_property_kind_and_knob() -> None:
    names = [n for n, _ in _examples()]
    for kind in ("always", "sometimes", "on_step", "never_after", "leads_to", "deadlock freedom",
                 "control and params"):
        assert kind in names


def test_the_guide_examples_run_in_order() -> None:
    """Each block runs in one namespace, after the blocks before it (the property examples share
    the system of the block that defines it)."""
    namespace: dict[str, object] = {"__name__": "guide"}
    for name, code in _examples():
        try:
            exec(compile(code, f"{GUIDE.name}: {name}", "exec"), namespace)  # noqa: S102 - our own docs
        except Exception as err:  # pragma: no cover - the message says which example failed
            pytest.fail(f"the guide's example {name!r} fails: {type(err).__name__}: {err}")


def test_the_readme_links_only_files_of_the_repository() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for link in re.findall(r"\]\(([^)\s]+)\)", readme):
        if link.startswith(("#", "http://", "https://")):
            continue
        target = (ROOT / link.split("#")[0]).resolve()
        assert target.is_relative_to(ROOT) and target.exists(), link
    for path in re.findall(r"`((?:docs|examples|models|properties|tests|benchmarks)/[^`\s]*)`", readme):
        file = path.split(":")[0].rstrip("/")  # models/phase3.py:after names a function of a file
        assert (ROOT / file).exists() or "*" in file or "<" in file, path

"""The type check and the lint are part of the test suite: mypy --strict (configured in
pyproject.toml) over the shipped package, ruff over the repository, and the README's model
example type-checks as a user's file would."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # mypy does not follow the editable install's import hook: point it at the package tree
    env = {**os.environ, "MYPYPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", *args], cwd=cwd, capture_output=True, text=True, env=env)


def test_mypy_strict_passes_on_the_package() -> None:
    run = _run("mypy")
    assert run.returncode == 0, run.stdout + run.stderr


def test_ruff_passes() -> None:
    run = _run("ruff", "check", ".")
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_readme_model_example_type_checks(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "from statebound import" in b]
    assert blocks, "the README has no model example"
    example = tmp_path / "lamp.py"
    example.write_text(blocks[0], encoding="utf-8")
    run = _run("mypy", "--strict", "--no-incremental", "--follow-imports=silent", str(example), cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.mark.parametrize("name", ["checker", "diagrams", "models", "properties"])
def test_the_package_tree_links_each_folder(name: str) -> None:
    link = ROOT / "statebound" / name
    assert link.is_symlink() and link.resolve() == (ROOT / name).resolve()

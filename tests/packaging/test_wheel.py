"""The built wheel installs one top-level name, ``statebound``, and works outside the checkout.

The wheel is built once per session (``pip wheel --no-build-isolation``, no network) and installed
without dependencies into a fresh virtualenv that borrows the test environment's dependencies
through a ``.pth`` line (a plain path: the editable install in that folder is not activated).
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # build from a copy of the tracked tree: a build/ folder left in the checkout by an earlier
    # build would otherwise leak files that no longer exist into the wheel
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, check=True, capture_output=True, text=True).stdout.split("\n")
    src = tmp_path_factory.mktemp("src")
    for name in filter(None, tracked):
        here, there = ROOT / name, src / name
        there.parent.mkdir(parents=True, exist_ok=True)
        if here.is_symlink():
            there.symlink_to(os.readlink(here))
        elif here.is_file():
            shutil.copy2(here, there)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(src)],
        check=True, capture_output=True, text=True,
    )
    (built,) = out.glob("statebound-*.whl")
    return built


@pytest.fixture(scope="session")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with the wheel installed (not editable); returns its bin folder."""
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    purelib = subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             check=True, capture_output=True, text=True).stdout.strip()
    deps = [p for p in site.getsitepackages() if Path(p).is_dir()]
    Path(purelib, "borrowed-deps.pth").write_text("\n".join(deps) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True, text=True)
    return env_dir / "bin"


def test_the_wheel_holds_one_top_level_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        tops = {name.split("/")[0] for name in z.namelist() if not name.split("/")[0].endswith(".dist-info")}
        assert tops == {"statebound"}
        names = set(z.namelist())
    assert "statebound/py.typed" in names
    assert {"statebound/checker/__init__.py", "statebound/models/phase3.py", "statebound/diagrams/__init__.py",
            "statebound/properties/session_boundary.py", "statebound/cli.py"} <= names


def test_installed_statebound_checks_the_phase3_model_from_the_checkout(installed: Path) -> None:
    run = subprocess.run([installed / "statebound", "check", "models/phase3.py:after", "--no-out"],
                         cwd=ROOT, capture_output=True, text=True, env=_clean_env())
    assert run.returncode == 0, run.stdout + run.stderr
    assert "holds" in run.stdout


@pytest.mark.parametrize("name", ["checker", "diagrams", "models", "properties"])
def test_only_statebound_is_importable(installed: Path, tmp_path: Path, name: str) -> None:
    # from a user's own project folder: statebound's folders are not top-level names
    ok = subprocess.run([installed / "python", "-c", "import statebound; print(statebound.__file__)"],
                        cwd=tmp_path, capture_output=True, text=True, env=_clean_env())
    assert ok.returncode == 0, ok.stderr
    assert "site-packages" in ok.stdout  # the wheel's copy, not the checkout
    bad = subprocess.run([installed / "python", "-c", f"import {name}"], cwd=tmp_path, capture_output=True,
                         text=True, env=_clean_env())
    assert bad.returncode == 1
    assert f"ModuleNotFoundError: No module named '{name}'" in bad.stderr


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}

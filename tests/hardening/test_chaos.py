"""Chaos test of ``check --out`` (issue 8): checks interrupted with SIGINT and SIGTERM at random
points of their run, and checks on a tiny, full file system, never leave an invalid report.json, a
truncated trace or diagram, a temporary file, or a file outside the manifest.

Design: a small model whose run spends comparable time loading, checking and writing (five
counterexamples, each drawn as DOT, SVG and Mermaid). One uninterrupted run measures its duration
D; then a seeded generator picks one moment in each of ten equal slices of D (so interruptions
land in every phase: start-up, building the model, checking and writing) and alternates SIGINT and SIGTERM. Every run writes
into the same folder, so each also has to clean up after the previous, interrupted one; a final
uninterrupted run must leave exactly the files of a run into an empty folder. The file-system part
mounts a small tmpfs (root only; skipped otherwise), fills it to a few free pages and checks again
at several sizes, so writing fails at different files. About 15 child processes: ~10-20 s.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

MANIFEST = ".statebound-files"
LOCK = ".statebound-lock"
SEED = 20260808

MODEL = '''
import time
from statebound.checker import Enum, Instance, Machine, System, Transition, Var, always, ref, sometimes


def lamp():
    s = Var("state", Enum("Off", "On"))
    return Machine(name="lamp", variables=(s,), transitions=(
        Transition("switch_on", guard=s == "Off", updates={s: "On"}),
        Transition("switch_off", guard=s == "On", updates={s: "Off"}),
    ))


def lamps(n=5):
    time.sleep(0.2)  # a model that takes a while to build: interruptions land there too
    names = [f"lamp{i}" for i in range(n)]
    on = lambda i: ref(names[i], "state") == "On"
    return System(name="lamps", instances=tuple(Instance(x, lamp()) for x in names), properties=(
        *(always(f"not-{i}-and-{i + 1}", ~(on(i) & on(i + 1))) for i in range(n - 1)),
        always("not-all", ~(on(0) & on(1) & on(2) & on(3) & on(4))),
        sometimes("first-on", on(0)),
    ))
'''


def start(model: Path, out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "statebound", "check", f"{model}:lamps", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def check_folder(out: Path) -> set[str]:
    """The invariants; returns the names of the files statebound wrote."""
    if not out.exists():
        return set()
    names = {p.name for p in out.iterdir()}
    files = names - {MANIFEST, LOCK}
    assert not [n for n in names if n.endswith(".tmp")], f"temporary files left: {sorted(names)}"
    if files:
        listed = set((out / MANIFEST).read_text(encoding="utf-8").split())
        assert files <= listed, f"outside the manifest: {sorted(files - listed)}"
    for name in files:
        data = (out / name).read_bytes()
        assert data, f"{name} is empty"
        if name.endswith(".json"):
            json.loads(data)  # report.json and every ITF trace: complete JSON
        elif name.endswith(".svg"):
            ET.fromstring(data)  # a complete XML document
        elif name.endswith(".dot"):
            assert data.rstrip().endswith(b"}"), f"{name} is truncated"
    return files


def test_interrupted_checks_never_leave_broken_or_unlisted_files(tmp_path: Path) -> None:
    model = tmp_path / "model.py"
    model.write_text(textwrap.dedent(MODEL), encoding="utf-8")
    fresh = tmp_path / "fresh"
    began = time.monotonic()
    proc = start(model, fresh)
    proc.communicate(timeout=60)
    duration = time.monotonic() - began
    assert proc.returncode == 1
    expected = check_folder(fresh)
    assert "report.json" in expected and len(expected) > 20

    out = tmp_path / "out"
    rng = random.Random(SEED)
    slices = 10
    outcomes = []
    for k in range(slices):
        at = duration * (k + rng.random()) / slices
        sig = signal.SIGINT if k % 2 == 0 else signal.SIGTERM
        child = start(model, out)
        time.sleep(at)
        child.send_signal(sig)
        _, err = child.communicate(timeout=60)
        outcomes.append((round(at, 2), sig.name, child.returncode))
        # 130: handled; 1: it finished first; -sig: Python was still starting (a KeyboardInterrupt
        # traceback from the interpreter's own imports), before statebound's handlers were installed
        assert child.returncode in (130, 1, -sig), (at, sig, child.returncode, err)
        assert child.returncode == -sig or "Traceback" not in err, err
        check_folder(out)
    proc = start(model, out)
    proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert check_folder(out) == expected, outcomes


def _mount_tmpfs(where: Path, size_kib: int) -> bool:
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kib}k", "tmpfs", str(where)],
                          capture_output=True)
    return done.returncode == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="mounting a tmpfs needs root")
@pytest.mark.parametrize("free_pages", [0, 1, 3, 6, 10])
def test_a_check_on_a_tiny_full_file_system_leaves_consistent_files(tmp_path: Path, free_pages: int) -> None:
    model = tmp_path / "model.py"
    model.write_text(textwrap.dedent(MODEL), encoding="utf-8")
    disk = tmp_path / "disk"
    if not _mount_tmpfs(disk, 256):
        pytest.skip("cannot mount a tmpfs here")
    try:
        page = os.sysconf("SC_PAGE_SIZE")
        filler = disk / "filler"
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:  # fill the file system, then give back what the test wants free
            while os.write(fd, b"\0" * page):
                pass
        except OSError:
            pass
        finally:
            os.close(fd)
        os.truncate(filler, max(filler.stat().st_size - free_pages * page, 0))
        out = disk / "out"
        proc = start(model, out)
        stdout, err = proc.communicate(timeout=60)
        assert proc.returncode in (1, 2), err
        assert "Traceback" not in err, err
        if proc.returncode == 2:
            assert "No space left on device" in err, err
        if "cannot write there" not in err:  # (a full disk found before the check: nothing to report)
            assert "FAIL not-0-and-1" in stdout, err  # the verdicts, whatever happened to the files
        files = check_folder(out)
        if "report.json" in files:
            assert json.loads((out / "report.json").read_text())["exit_code"] == proc.returncode
    finally:
        subprocess.run(["umount", str(disk)], check=False)

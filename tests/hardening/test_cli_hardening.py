"""Hardening of the command line against hostile input, interrupted and concurrent runs (issue 8):
one test per defect, each named after it and citing its number.

Models are written into each test's folder (hostile models cannot share a module). Tests that
need a signal, a file-size limit or a second process run the CLI in a child process; the rest
call :func:`statebound.cli.main` in this one.
"""

from __future__ import annotations

import fcntl
import json
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from statebound.cli import main

HEADER = '''\
import sys, time
from statebound.checker import Enum, Instance, Int, Machine, System, Transition, Var, always, ref, sometimes


def lamp(name="lamp"):
    s = Var("state", Enum("Off", "On"))
    return Machine(name=name, variables=(s,), transitions=(
        Transition("switch_on", guard=s == "Off", updates={s: "On"}),
        Transition("switch_off", guard=s == "On", updates={s: "Off"}),
    ))


def pair(holds=False):
    """Two lamps; 'not-both-on' is violated unless *holds*."""
    bad = ~((ref("a", "state") == "On") & (ref("b", "state") == "On"))
    return System(name="pair", instances=(Instance("a", lamp()), Instance("b", lamp())), properties=(
        always("not-both-on", bad | holds),
        sometimes("a-on", ref("a", "state") == "On"),
    ))

'''

MANIFEST = ".statebound-files"
LOCK = ".statebound-lock"


def write_model(folder: Path, body: str = "", *, name: str = "model.py", header: bool = True) -> Path:
    path = folder / name
    path.write_text((HEADER if header else "") + textwrap.dedent(body), encoding="utf-8")
    return path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run_child(*args: str, driver: str = "", limit_bytes: int | None = None, timeout: float = 60,
              cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``statebound ARGS`` in a child process; *driver* is Python run first (to patch the CLI)."""
    code = textwrap.dedent(driver) + "\nimport sys\nfrom statebound.cli import main\nsys.exit(main(sys.argv[1:]))\n"

    def limit() -> None:  # a file-size limit: writes past it fail with EFBIG, as on a full disk
        if limit_bytes is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, preexec_fn=limit, cwd=cwd)


def listed(out: Path) -> set[str]:
    return set((out / MANIFEST).read_text(encoding="utf-8").split())


def assert_out_is_consistent(out: Path) -> None:
    """No invalid JSON, no empty file, and every file statebound wrote is in the manifest."""
    files = {p.name for p in out.iterdir()} - {MANIFEST, LOCK}
    if files:
        assert (out / MANIFEST).exists(), f"no manifest beside {sorted(files)}"
        assert files <= listed(out), f"outside the manifest: {sorted(files - listed(out))}"
    for name in files:
        data = (out / name).read_bytes()
        assert data, f"{name} is empty"
        if name.endswith(".json"):
            json.loads(data)


# --------------------------------------------------------------------------- defect 4


@pytest.mark.parametrize("where", ["function", "import"])
def test_4_sys_exit_in_model_code_is_a_model_error(capsys, tmp_path, where):
    """sys.exit(0) in the model function or at import made statebound exit 0, "holds", silently."""
    body = "def exits():\n    sys.exit(0)\n" if where == "function" else "sys.exit(0)\n\ndef exits():\n    return pair()\n"
    model = write_model(tmp_path, body)
    code, out, err = run(capsys, "check", f"{model}:exits", "--format", "json", "--no-out")
    assert code == 2
    doc = json.loads(out)
    assert doc["exit_code"] == 2 and doc["properties"] == []
    assert len(doc["errors"]) == 1
    line = len(HEADER.splitlines()) + (2 if where == "function" else 1)
    assert doc["errors"][0].startswith(f"{model}:{line}: the model called sys.exit(0) while ")
    assert "Traceback" not in err and err.startswith("statebound: error: ")


# --------------------------------------------------------------------------- defect 5


@pytest.mark.parametrize("where", ["function", "import"])
def test_5_timeout_covers_loading_and_building_the_model(capsys, tmp_path, where):
    """A model that sleeps 30 s answered after 30 s with --timeout 2."""
    if where == "function":
        body = "def slow():\n    time.sleep(30)\n    return pair()\n"
    else:
        body = "time.sleep(30)\n\ndef slow():\n    return pair()\n"
    model = write_model(tmp_path, body)
    started = time.monotonic()
    code, out, err = run(capsys, "check", f"{model}:slow", "--timeout", "0.5", "--format", "json",
                         "--out", tmp_path / "out")
    assert time.monotonic() - started < 5
    assert code == 3
    doc = json.loads(out)
    assert doc["exit_code"] == 3 and doc["properties"] == []
    assert doc["coverage"]["complete"] is False
    assert doc["coverage"]["stopped"] == "timeout (0.5 s) reached while loading and building the model"
    assert err == ("statebound: inconclusive: --timeout 0.5: the time ran out while loading and building the model "
                   f"{model}:slow, before any property was checked; allow more time or make the model faster\n")
    assert json.loads((tmp_path / "out" / "report.json").read_text())["exit_code"] == 3


# --------------------------------------------------------------------------- defect 6


NEEDS_DOT = pytest.mark.skipif(shutil.which("dot") is None, reason="the later failures need SVG files (Graphviz)")


@pytest.mark.parametrize("limit", [600, pytest.param(3000, marks=NEEDS_DOT), pytest.param(5000, marks=NEEDS_DOT)])
def test_6_outputs_are_written_atomically_and_verdicts_survive_a_failed_write(tmp_path, limit):
    """On a full disk report.json was left truncated, a trace empty, no manifest written, and the
    verdicts were not printed. Here every file is capped at *limit* bytes (writes past it fail
    with EFBIG, as they would with ENOSPC): at report.json (600), at the first SVG (3000) or at
    the last one (5000)."""
    model = write_model(tmp_path)
    out = tmp_path / "out"
    proc = run_child("check", f"{model}:pair", "--out", out, limit_bytes=limit)
    assert "FAIL not-both-on  violated" in proc.stdout  # the verdicts, whatever happened to the files
    assert proc.returncode == 2, proc.stderr
    assert f"statebound: error: --out {str(out)!r}: cannot write " in proc.stderr
    assert "File too large" in proc.stderr and "Traceback" not in proc.stderr
    assert_out_is_consistent(out)
    if (out / "report.json").exists():  # it says what happened, or is not there at all
        assert json.loads((out / "report.json").read_text())["exit_code"] == 2


# --------------------------------------------------------------------------- defect 7

STOP_AT_NTH_MERMAID = """
import os, signal
import statebound.diagrams.write as w
_real, _calls = w.to_mermaid, [0]
def _to_mermaid(diagram):
    _calls[0] += 1
    if _calls[0] == 2:
        os.kill(os.getpid(), signal.{sig})
    return _real(diagram)
w.to_mermaid = _to_mermaid
"""


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_7_an_interrupted_write_leaves_no_stale_files(capsys, tmp_path, sig):
    """Ctrl-C while writing left diagrams outside the manifest, SIGTERM left no manifest, and a
    later run where everything holds kept the old counterexample diagrams."""
    model = write_model(tmp_path, "def holds():\n    return pair(holds=True)\n")
    out = tmp_path / "out"
    proc = run_child("check", f"{model}:pair", "--out", out, driver=STOP_AT_NTH_MERMAID.format(sig=sig))
    assert proc.returncode == 130, proc.stderr
    assert "FAIL not-both-on  violated" in proc.stdout
    assert proc.stderr.startswith("statebound: error: interrupted while writing the outputs")
    assert_out_is_consistent(out)
    assert json.loads((out / "report.json").read_text())["exit_code"] == 130
    code, _, _ = run(capsys, "check", f"{model}:holds", "--out", out)
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([MANIFEST, LOCK, "report.json"])
    assert json.loads((out / "report.json").read_text())["exit_code"] == 0


# --------------------------------------------------------------------------- defect 8

COLLIDING = '''
def colliding():
    """Instance and machine names that sanitise alike (x/y, x_y; zähler, zöhler as ASCII), differ
    only in case (Lamp, lamp), or join alike (p + q-sequence against p-q + sequence)."""
    names = ("x/y", "x_y", "zähler", "zöhler", "Lamp", "lamp", "q-sequence")
    on = lambda i: ref(i, "state") == "On"
    return System(name="colliding", instances=tuple(Instance(n, lamp(n)) for n in names), properties=(
        always("p", ~on("q-sequence")), always("p-q", ~on("x_y")),
        always("both-x", ~(on("x/y") & on("x_y"))), always("both-z", ~(on("zähler") & on("zöhler"))),
        always("both-case", ~(on("Lamp") & on("lamp"))),
    ))
'''


def test_8_names_that_sanitise_alike_get_distinct_files(capsys, tmp_path):
    """zähler/zöhler, machines x/y and x_y, and instance q-sequence of p against p-q's sequence
    diagram were written to one file, silently losing diagrams."""
    model = write_model(tmp_path, COLLIDING)
    out = tmp_path / "out"
    code, stdout, _ = run(capsys, "check", f"{model}:colliding", "--out", out)
    assert code == 1
    report = json.loads((out / "report.json").read_text())
    violated = [p for p in report["properties"] if p["verdict"] == "violated"]
    assert len(violated) == 5
    # per counterexample: one diagram per instance its trace touches, and its sequence diagram
    expected = sum(1 + len({s["instance"] for s in p["trace"]["steps"]}) for p in violated)
    dots = [p for p in out.iterdir() if p.suffix == ".dot"]
    assert len(dots) == expected == 13
    assert len(list(out.glob("*.itf.json"))) == 5
    names = [p.name for p in out.iterdir()]
    assert len({n.casefold() for n in names}) == len(names)  # distinct on case-insensitive file systems too
    assert "wrote report.json, 5 ITF traces and 13 diagrams" in stdout
    assert_out_is_consistent(out)
    # the diagram command: one file per distinct machine
    code, stdout, _ = run(capsys, "diagram", f"{model}:colliding", "--view", "machine", "--format", "dot",
                          "--out", tmp_path / "machines")
    assert code == 0
    files = stdout.split()
    assert len({f.casefold() for f in files}) == 7 and all(Path(f).exists() for f in files)


def test_8_a_name_too_long_for_a_file_name_is_shortened(capsys, tmp_path):
    model = write_model(tmp_path, '''
        def long_names():
            names = ("l" * 300, "l" * 299 + "m")
            on = lambda i: ref(i, "state") == "On"
            return System(name="long", instances=tuple(Instance(n, lamp()) for n in names), properties=(
                always("p" * 200, ~(on(names[0]) & on(names[1]))),))
        ''')
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "check", f"{model}:long_names", "--out", out)
    assert code == 1, err
    assert len([p for p in out.iterdir() if p.suffix == ".dot"]) == 3
    assert all(len(p.name.encode()) < 255 for p in out.iterdir())
    assert_out_is_consistent(out)


# --------------------------------------------------------------------------- defect 9


def test_9_a_user_property_named_deadlock_free_is_a_model_error(capsys, tmp_path):
    """It clashed with the built-in property: two outcomes under one name, one trace file."""
    model = write_model(tmp_path, 'def clash():\n    return System(name="s", instances=(Instance("l", lamp()),),'
                                  ' properties=(always("deadlock-free", ref("l", "state") == "On"),))\n')
    code, out, err = run(capsys, "check", f"{model}:clash", "--no-out")
    assert code == 2 and out == ""
    assert err == ("statebound: error: s/property 'deadlock-free': is the name of the built-in deadlock-freedom "
                   "check; rename the property, or build the System with check_deadlock=False\n")


# --------------------------------------------------------------------------- defect 10


@pytest.mark.parametrize("command", ["check", "list"])
def test_10_model_output_does_not_corrupt_json(capsys, tmp_path, command):
    """A model printing to stdout corrupted --format json of check and list."""
    model = write_model(tmp_path, 'print("hello at import")\n\ndef chatty():\n    print("hello from the model")\n'
                                  '    return pair(holds=True)\n')
    code, out, err = run(capsys, command, f"{model}:chatty", "--format", "json",
                         *(["--no-out"] if command == "check" else []))
    assert code == 0
    json.loads(out)
    assert "hello at import" in err and "hello from the model" in err


# --------------------------------------------------------------------------- defect 11


def test_11_errors_found_while_exploring_and_internal_errors_still_print_json(capsys, tmp_path, monkeypatch):
    """A model error found while exploring printed no JSON document with --format json;
    report.json had no trace although the message says it is shown, and its coverage said
    complete: true, states: 0. Internal errors (exit 4) printed no JSON either."""
    model = write_model(tmp_path, '''
        def deep(limit=60):
            x = Var("x", Int(0, limit))
            m = Machine(name="c", variables=(x,), transitions=(Transition("tick", updates={x: x + 1}),))
            return System(name="deep", instances=(Instance("c", m),))
        ''')
    out = tmp_path / "out"
    code, stdout, err = run(capsys, "check", f"{model}:deep", "--format", "json", "--out", out)
    assert code == 2
    for doc in (json.loads(stdout), json.loads((out / "report.json").read_text())):
        assert doc["exit_code"] == 2 and doc["system"] == "deep"
        assert doc["errors"][0].startswith("c/transition 'tick': update x := 61 is outside Int(0, 60) after 60 steps")
        assert doc["trace"]["length"] == 60
        assert doc["coverage"] is None  # nothing was measured to the end
    assert "the execution that reaches it:" in err

    import statebound.checker.load
    from statebound import cli

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(statebound.checker.load, "load_system", boom)  # _session imports it when it loads a model
    code, stdout, err = run(capsys, "check", f"{model}:deep", "--format", "json", "--no-out")
    assert code == 4
    doc = json.loads(stdout)
    assert doc["exit_code"] == 4 and doc["errors"] == ["internal error: RuntimeError: kaboom"]
    assert "Traceback" not in err
    # after the check, an internal error keeps the verdicts, in the JSON document and in report.json
    monkeypatch.undo()
    monkeypatch.setattr(cli, "_write_outputs", boom)
    lamps = write_model(tmp_path, name="lamps.py")
    code, stdout, err = run(capsys, "check", f"{lamps}:pair", "--format", "json", "--out", out)
    assert code == 4
    for doc in (json.loads(stdout), json.loads((out / "report.json").read_text())):
        assert doc["exit_code"] == 4 and doc["errors"] == ["internal error: RuntimeError: kaboom"]
        assert {p["name"]: p["verdict"] for p in doc["properties"]}["not-both-on"] == "violated"


# --------------------------------------------------------------------------- defect 12


@pytest.mark.parametrize(("option", "value"), [
    ("--timeout", "nan"), ("--timeout", "inf"), ("--timeout", "-1"), ("--timeout", "0"), ("--timeout", "soon"),
    ("--max-states", "0"), ("--max-states", "-5"), ("--max-states", "1.5"), ("--max-depth", "-1"),
])
def test_12_budget_values_must_be_finite_and_positive(capsys, tmp_path, option, value):
    """--timeout nan was accepted and disabled the timeout."""
    model = write_model(tmp_path)
    code, out, err = run(capsys, "check", f"{model}:pair", option, value, "--no-out")
    assert code == 2 and out == ""
    what = {"--timeout": "a positive number of seconds, e.g. --timeout 60 (leave it out for no limit)",
            "--max-states": "a whole number of states, at least 1, e.g. --max-states 100000",
            "--max-depth": "a whole number of steps, at least 0, e.g. --max-depth 20"}[option]
    assert err == f"statebound: error: {option} {value}: not {what}\n"


def test_12_a_huge_but_finite_timeout_is_accepted(capsys, tmp_path):
    model = write_model(tmp_path)
    code, out, err = run(capsys, "check", f"{model}:pair", "--timeout", "1e308", "--no-out")
    assert code == 1 and err == "" and "FAIL not-both-on" in out


# --------------------------------------------------------------------------- defect 13


def test_13_an_unwritable_out_is_found_before_exploring(capsys, tmp_path):
    """An unwritable --out was found only after the whole search, and the verdicts were lost."""
    marker = tmp_path / "built"
    model = write_model(tmp_path, f'def marked():\n    open({str(marker)!r}, "w").close()\n    return pair()\n')
    (tmp_path / "a-file").write_text("not a folder")
    out = tmp_path / "a-file" / "out"
    code, stdout, err = run(capsys, "check", f"{model}:marked", "--out", out)
    assert not marker.exists()  # nothing was built or checked
    assert code == 2 and stdout == ""
    assert err.startswith(f"statebound: error: --out {str(out)!r}: cannot create the folder: ")
    assert err.endswith("; choose a writable folder with --out, or --no-out\n")


# --------------------------------------------------------------------------- defect 14


def test_14_two_checks_cannot_write_the_same_out_at_once(capsys, tmp_path, monkeypatch):
    """Two checks writing one --out at once mixed their files without a warning."""
    from statebound import _outputs

    monkeypatch.setattr(_outputs, "LOCK_WAIT", 0.3)
    model = write_model(tmp_path, "def slow():\n    time.sleep(2)\n    return pair()\n")
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "statebound", "check", f"{model}:slow", "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not _held(out / LOCK):
            time.sleep(0.05)
        code, stdout, err = run(capsys, "check", f"{model}:pair", "--out", out)
        assert code == 2 and stdout == ""
        assert err == (f"statebound: error: --out {str(out)!r}: another statebound check (pid {first.pid}) is writing "
                       "there; wait for it to finish, or give each check its own --out\n")
    finally:
        first_out, _ = first.communicate(timeout=30)
    assert first.returncode == 1 and "FAIL not-both-on" in first_out
    assert json.loads((out / "report.json").read_text())["target"] == f"{model}:slow"
    assert_out_is_consistent(out)


def _held(lock: Path) -> bool:
    if not lock.exists():
        return False
    with open(lock, "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(f, fcntl.LOCK_UN)
        return False


# --------------------------------------------------------------------------- defect 15


def test_15_diagram_property_takes_the_check_budget(capsys, tmp_path):
    """diagram --property ran an unbounded check."""
    model = write_model(tmp_path, '''
        def counter(limit=100000):
            x = Var("x", Int(0, limit))
            m = Machine(name="c", variables=(x,), transitions=(
                Transition("tick", guard=x < limit, updates={x: x + 1}),))
            return System(name="counter", instances=(Instance("c", m),), properties=(
                always("small", ref("c", "x") < limit),), check_deadlock=False)
        ''')
    started = time.monotonic()
    code, out, err = run(capsys, "diagram", f"{model}:counter", "--view", "sequence", "--property", "small",
                         "--max-states", "50", "--format", "dot", "--out", tmp_path / "d")
    assert time.monotonic() - started < 5
    assert code == 3 and out == ""
    assert err == ("statebound: inconclusive: --property small: not decided within the budget "
                   "(state budget (50) reached), so there is no trace to draw; raise --max-states, --max-depth "
                   "or --timeout\n")
    code, out, _ = run(capsys, "diagram", f"{model}:counter", "--view", "sequence", "--property", "small",
                       "-p", "limit=5", "--max-depth", "10", "--format", "dot", "--out", tmp_path / "d")
    assert code == 0 and Path(out.split()[0]).exists()


# --------------------------------------------------------------------------- defect 16


def test_16_the_readme_says_what_a_budget_can_and_cannot_change():
    """'A run that hits its budget never says holds' is not literally true."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert 'never says "holds"' not in readme
    budgets = readme.split("### Budgets", 1)[1].split("\n## ", 1)[0]
    for claim in ("witness", "counterexample", "inconclusive", "exit code 3", "leads_to", "never_after"):
        assert claim in budgets, claim


# --------------------------------------------------------------------------- defect 18


def test_18_a_directory_named_like_a_python_file_is_named_as_such(capsys, tmp_path):
    (tmp_path / "d.py").mkdir()
    code, out, err = run(capsys, "check", f"{tmp_path / 'd.py'}:f")
    assert code == 2 and out == ""
    assert err == (f"statebound: error: TARGET '{tmp_path / 'd.py'}:f': {str(tmp_path / 'd.py')!r} is a folder, "
                   "not a Python file; give path/to/file.py:function\n")


@pytest.mark.parametrize("prefix", ["", "./"])
def test_18_a_target_that_is_not_a_python_file_says_so(capsys, tmp_path, monkeypatch, prefix):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "notes.txt").write_text("x = 1\n")
    code, out, err = run(capsys, "check", f"{prefix}notes.txt:f")
    assert code == 2 and out == ""
    assert err == (f"statebound: error: TARGET '{prefix}notes.txt:f': 'notes.txt' is not a Python file; "
                   "give path/to/file.py:function\n")


def test_18_a_memory_error_has_a_message(capsys, tmp_path):
    model = write_model(tmp_path, "def hungry():\n    raise MemoryError()\n")
    code, out, err = run(capsys, "check", f"{model}:hungry", "--no-out")
    assert code == 3 and out == ""
    assert err == (f"statebound: inconclusive: out of memory while loading and building the model {model}:hungry; "
                   "check a smaller configuration (fewer instances, smaller domains) or bound the search with "
                   "--max-states\n")


def test_18_the_interrupt_message_is_one_line_and_exit_130_is_documented(tmp_path):
    model = write_model(tmp_path, "def slow():\n    time.sleep(30)\n    return pair()\n")
    child = subprocess.Popen([sys.executable, "-m", "statebound", "check", f"{model}:slow", "--no-out"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.0)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=10)
    assert child.returncode == 130
    assert err == "statebound: error: interrupted while loading and building the model; nothing was checked\n"
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "`130`" in readme
    proc = subprocess.run([sys.executable, "-m", "statebound", "--help"], capture_output=True, text=True)
    assert "130 interrupted" in proc.stdout


def test_18_a_repeated_param_is_an_error(capsys, tmp_path):
    model = write_model(tmp_path, "def sized(n=1):\n    return pair()\n")
    code, out, err = run(capsys, "check", f"{model}:sized", "-p", "n=1", "--param", "n=2", "--no-out")
    assert code == 2 and out == ""
    assert err == "statebound: error: --param n=2: n is already given (n=1); give each parameter once\n"

"""Mermaid's own parser reads every ``.mmd`` file statebound writes (issue 8, defect 19).

The golden tests pin the text but cannot tell whether it is Mermaid: a second ``:`` in a state
diagram's note made Mermaid 11 reject every machine view, counterexample and state graph
while the golden files agreed with them. Here ``mermaid.parse`` (the npm package, run by
``tests/diagrams/mermaid_parse.mjs`` under Node with jsdom) reads the files statebound writes for
the Phase 3 models, the ones in ``docs/diagrams`` and the golden files, all in one Node process.

``.ci/setup`` installs the parser into ``.ci/node``. Without Node or that install the tests skip,
except under CI (``CI`` set), where they fail: CI must not pass without having parsed anything.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from statebound.cli import main
from statebound.diagrams import Cluster, Edge, Graph, Lifeline, Mark, Message, Node, Sequence, to_mermaid

REPO = Path(__file__).resolve().parents[2]
NODE_DIR = REPO / ".ci" / "node"
SCRIPT = Path(__file__).with_name("mermaid_parse.mjs")
DOCS = REPO / "docs" / "diagrams"
GOLDEN = Path(__file__).with_name("golden")
PHASE3 = REPO / "models" / "phase3.py"

# what the parser must reject, so that a parser which accepts everything cannot pass these tests:
# the note statebound wrote before the fix
REJECTED = "stateDiagram-v2\n  state \"Off\" as n0\n  note left of n0 : variables: tok\n"

# text with Mermaid's syntax in it: every label, state name, note and title must survive these
NASTY = (
    'a: b :: c ::: d', "x; y", "#1 #quot; &amp;", "{ } [ ] ( )", "< > << >> <<fork>> [[choice]] [[join]]",
    '"quoted" \'single\' `tick`', "a --> b -> c ->> d -- e", "%% not a comment %%{init: {}}%%",
    "direction TB", "left DIRECTION  rl", "note left of n0 : x", "end note", "state x as y", "[*]",
    "classDef x fill:red", "class n0 visited", "style n0 fill:#f00;", "default", "as", "end", "loop",
    "back\\slash", "line\nbreak", "cr\rlf\r\n", "ls\u2028ps", "tab\there", "<br/>", "x := x + 1", "a & b | ~c", "«login»",
    "wrap: it", "nowrap:", ":", "-", "#", ";", " ", "",
)


def _nasty_graph(direction: str) -> Graph:
    nodes = [Node(id=f"s{i}", label=t, details=(t, "detail: " + t), cluster="k" if i % 2 else None,
                  marks=frozenset({Mark.INITIAL}) if i == 0 else frozenset({Mark.VISITED}))
             for i, t in enumerate(NASTY)]
    edges = [Edge(source=f"s{i}", target=f"s{(i + 1) % len(NASTY)}", name=t, tags=(t,), event=t or None,
                  guard=(f"[{t}]",), actions=(f"/ {t}",), steps=(i,) if i % 3 else ())
             for i, t in enumerate(NASTY)]
    nodes += [Node(id="blank", label=""), Node(id="blank-in-cluster", label="", cluster="blank")]
    edges += [Edge(source="s1", target="s3", name="broadcast: x", marks=frozenset({Mark.BROADCAST})),
              Edge(source="s0", target="s0"), Edge(source="s1", target="s3"),
              Edge(source="blank", target="blank-in-cluster", name=":")]
    clusters = (Cluster(id="k", label="cluster: " + " ".join(NASTY[:8])), Cluster(id="blank", label=""))
    return Graph(name="nasty", title="title: " + " ".join(NASTY), nodes=tuple(nodes), edges=tuple(edges),
                 clusters=clusters, direction=direction, notes=NASTY)


def _nasty_sequence(loop: int | None) -> Sequence:
    lifelines = tuple(Lifeline(id=f"l{i}", label=t, machine=t, start=t, end=t) for i, t in enumerate(NASTY))
    messages = tuple(Message(step=i + 1, source=f"l{i}", target=f"l{(i + 1) % len(NASTY)}", name=t,
                             event=t or None, changes=(t, f"{t} := {t}"),
                             marks=frozenset({Mark.BROADCAST}) if i % 2 else frozenset())
                     for i, t in enumerate(NASTY))
    return Sequence(name="nasty", title="title: " + " ".join(NASTY), lifelines=lifelines, messages=messages,
                    steps=len(messages), loop=loop, verdict="violates: " + " ".join(NASTY))


def _parser_or_skip() -> str:
    """The ``node`` executable, once the parser is installed; skip (fail under CI) otherwise."""
    node = shutil.which("node")
    missing = [p for p in ("mermaid", "jsdom") if not (NODE_DIR / "node_modules" / p / "package.json").is_file()]
    why = ("node is not on PATH; install Node.js 20 or later with npm, then run bash .ci/setup" if node is None
           else f"{' and '.join(missing)} not installed in {NODE_DIR}; run bash .ci/setup (npm ci)" if missing else "")
    if not why:
        assert node is not None
        return node
    message = f"Mermaid's parser is unavailable: {why}"
    if os.environ.get("CI", "").lower() not in ("", "0", "false"):
        pytest.fail(message + " (CI must parse the Mermaid files, so this is an error under CI)")
    pytest.skip(message)


def parse(files: list[Path]) -> dict[Path, str | None]:
    """Mermaid's verdict on each file: None when it parses, else Mermaid's error message."""
    node = _parser_or_skip()
    proc = subprocess.run([node, str(SCRIPT)], input="\n".join(map(str, files)), capture_output=True,
                          text=True, timeout=300, check=False)
    if proc.returncode not in (0, 1):
        pytest.fail(f"{SCRIPT.name} exited {proc.returncode}: {proc.stderr.strip()}")
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]
    got = {Path(r["file"]): (None if r["ok"] else r["error"]) for r in results}
    assert set(got) == set(files), f"{SCRIPT.name} did not answer for every file"
    return got


def _cli(*args: str) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        return main(list(args))


def _phase3_outputs(root: Path) -> tuple[list[Path], list[Path]]:
    """(files `check --out` wrote, files the `diagram` views wrote) for phase3 before and after."""
    checked: list[Path] = []
    drawn: list[Path] = []
    for variant, expected in (("before", 1), ("after", 0)):
        target = f"{PHASE3}:{variant}"
        out = root / "check" / variant
        assert _cli("check", target, "--out", str(out)) == expected
        checked += sorted(out.rglob("*.mmd"))
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        for view in ("machine", "system", "graph"):
            where = root / "diagram" / variant / view
            assert _cli("diagram", target, "--view", view, "--format", "mermaid", "--out", str(where)) == 0
            drawn += sorted(where.rglob("*.mmd"))
        for prop in (p["name"] for p in report["properties"] if p.get("trace")):
            # check --out already drew before's counterexamples on its machines; after has none
            for view in ("sequence", "machine") if variant == "after" else ("sequence",):
                where = root / "diagram" / variant / f"{view}-{prop}"
                assert _cli("diagram", target, "--view", view, "--format", "mermaid", "--property", prop,
                            "--out", str(where)) == 0
                drawn += sorted(where.rglob("*.mmd"))
    return checked, drawn


def _nasty_outputs(root: Path) -> list[Path]:
    root.mkdir(parents=True)
    files = []
    for name, diagram in (("graph-lr", _nasty_graph("LR")), ("graph-tb", _nasty_graph("TB")),
                          ("sequence", _nasty_sequence(None)), ("sequence-lasso", _nasty_sequence(3)),
                          ("sequence-loop-at-end", _nasty_sequence(len(NASTY)))):
        path = root / f"{name}.mmd"
        path.write_text(to_mermaid(diagram), encoding="utf-8")
        files.append(path)
    return files


class Parsed:
    """Mermaid's verdicts on every group of files, from one Node process."""

    def __init__(self, root: Path) -> None:
        self.checked, self.drawn = _phase3_outputs(root / "phase3")
        self.docs = sorted(DOCS.rglob("*.mmd"))
        self.golden = sorted(GOLDEN.glob("*.mmd"))
        self.nasty = _nasty_outputs(root / "nasty")
        self.rejected = root / "rejected.mmd"
        self.rejected.write_text(REJECTED, encoding="utf-8")
        self.errors = parse(self.checked + self.drawn + self.docs + self.golden + self.nasty + [self.rejected])

    def failures(self, files: list[Path]) -> list[str]:
        return [f"{f}: {self.errors[f]}" for f in files if self.errors[f] is not None]


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parsed]:
    _parser_or_skip()
    yield Parsed(tmp_path_factory.mktemp("mermaid"))


def _report(what: str, failures: list[str], total: int) -> str:
    return f"Mermaid rejects {len(failures)} of {total} {what}:\n" + "\n\n".join(failures)


def test_mermaids_parser_rejects_a_second_colon_in_a_note(parsed: Parsed) -> None:
    error = parsed.errors[parsed.rejected]
    assert error is not None and "Parse error" in error


def test_mermaid_parses_every_file_check_writes_for_phase3(parsed: Parsed) -> None:
    assert len(parsed.checked) >= 30  # before's counterexamples: a sequence and each machine they touch
    failures = parsed.failures(parsed.checked)
    assert not failures, _report("files of check --out", failures, len(parsed.checked))


def test_mermaid_parses_every_view_diagram_draws_for_phase3(parsed: Parsed) -> None:
    names = {p.name for p in parsed.drawn}
    assert {"system.mmd", "graph.mmd", "machine-session.mmd"} <= names
    assert any(n.endswith("-sequence.mmd") or n == "sequence.mmd" for n in names), sorted(names)
    failures = parsed.failures(parsed.drawn)
    assert not failures, _report("files of statebound diagram", failures, len(parsed.drawn))


def test_mermaid_parses_every_file_in_docs_diagrams(parsed: Parsed) -> None:
    assert parsed.docs, f"no .mmd files under {DOCS}"
    failures = parsed.failures(parsed.docs)
    assert not failures, _report("files in docs/diagrams", failures, len(parsed.docs))


def test_mermaid_parses_every_golden_file(parsed: Parsed) -> None:
    assert parsed.golden
    failures = parsed.failures(parsed.golden)
    assert not failures, _report("golden files", failures, len(parsed.golden))


def test_mermaid_parses_labels_that_contain_mermaid_syntax(parsed: Parsed) -> None:
    failures = parsed.failures(parsed.nasty)
    assert not failures, _report("diagrams with Mermaid syntax in their text", failures, len(parsed.nasty))


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_no_text_in_a_state_diagram_looks_like_a_line_mermaid_matches_anywhere(direction: str) -> None:
    # these parse, so Mermaid cannot catch them: it would set the direction or make a pseudo-state
    # and silently drop the state or transition on that line
    lines = to_mermaid(_nasty_graph(direction)).splitlines()
    header = lines.index("stateDiagram-v2") + 1
    assert lines[header] == f"  direction {direction}"
    for line in lines[header + 1:]:
        assert not re.search(r"(?i)direction\s+(tb|bt|rl|lr)|<<(fork|join|choice)>>|\[\[(fork|join|choice)\]\]", line), line

"""check --watch: a change saved while a check is running was missed (the files were snapshotted
only after the check ended), so the watcher kept waiting with a stale verdict on screen."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from statebound.watch import watch


def test_a_change_made_while_the_check_runs_starts_another_check(tmp_path: Path) -> None:
    model = tmp_path / "model.py"
    model.write_text("x = 1\n", encoding="utf-8")
    marker = tmp_path / "ran-once"
    # the "check": the first run edits the model (as a user saving during a long check), the second does not
    child = ("import pathlib, sys\n"
             f"m, marker = pathlib.Path({str(model)!r}), pathlib.Path({str(marker)!r})\n"
             "if not marker.exists():\n"
             "    marker.write_text('')\n"
             "    m.write_text('x = 22\\n')\n")
    said: list[str] = []
    result: list[int] = []
    runner = threading.Thread(target=lambda: result.append(watch([sys.executable, "-c", child], lambda: [model],
                                                                  interval=0.01, runs=2, say=said.append)),
                              daemon=True)
    runner.start()
    runner.join(timeout=30)  # a guard against hanging: without the fix the watcher waits forever
    assert result == [0], said
    assert said[-1].endswith("changed; checking again")


def test_the_files_a_check_writes_are_not_watched(tmp_path: Path) -> None:
    # --emit-pytest DIR beside the model writes .py files at every check: they must not start the next one
    import click

    from statebound.cli import check_cmd
    from statebound.watch import watched_files_of

    model = tmp_path / "model.py"
    model.write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "helper.py").write_text("y = 1\n", encoding="utf-8")
    emitted = tmp_path / "regressions"
    emitted.mkdir()
    (emitted / "test_rule.py").write_text("z = 1\n", encoding="utf-8")
    ctx = click.Context(check_cmd, info_name="check")
    ctx.params.update({"target": f"{model}:m", "emit_pytest": emitted})
    assert watched_files_of(ctx, f"{model}:m") == [model.resolve(), tmp_path / "helper.py"]

"""``check --watch``: check again whenever a model file changes (issue 16).

Each check runs in a fresh ``python -m statebound check ...`` process, so that every module of the
model is imported anew (a long-lived process would keep the old version of every file the model
imports). Between checks the watcher polls the modification times of the model file and of the
Python files beside it (its folder and the folders below, skipping hidden folders and installed
packages); it never imports the model itself. Ctrl-C ends it (exit code 130).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from ._guard import Interrupted
from .checker.result import ExitCode

__all__ = ["watched_files", "watched_files_of", "snapshot", "watch", "child_args", "MAX_FILES"]

#: at most this many files are watched (a model in a huge folder still starts at once)
MAX_FILES = 2000
_SKIP = {"__pycache__", "node_modules", "site-packages", "build", "dist"}
#: the options that configure watching, left out of each check's own command line
WATCH_PARAMS = ("watch", "watch_runs", "watch_interval")


def watched_files(target: str) -> list[Path]:
    """The model file of *target* first, then the other ``.py`` files of its folder tree."""
    module_part = target.rpartition(":")[0]
    path = Path(module_part)
    if not (module_part.endswith(".py") or "/" in module_part or path.is_file()):
        import importlib.util

        try:
            spec = importlib.util.find_spec(module_part)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.origin or not os.path.isfile(spec.origin):
            return []
        path = Path(spec.origin)
    if not path.is_file():
        return [path]  # watch for it to appear
    files = [path.resolve()]
    for folder, dirs, names in os.walk(path.resolve().parent):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIP)
        for name in sorted(names):
            if name.endswith(".py"):
                p = Path(folder, name)
                if p != files[0]:
                    files.append(p)
            if len(files) >= MAX_FILES:
                return files
    return files


def snapshot(files: Sequence[Path]) -> dict[Path, int | None]:
    """Each file's modification time in nanoseconds (None: it does not exist)."""
    out: dict[Path, int | None] = {}
    for f in files:
        try:
            out[f] = f.stat().st_mtime_ns
        except OSError:
            out[f] = None
    return out


def child_args(ctx: click.Context) -> list[str]:
    """The ``check`` command line of *ctx* without the watch options: what each check runs."""
    args: list[str] = [ctx.info_name or "check"]
    positional: list[str] = []
    for param in ctx.command.params:
        name = param.name
        if name is None or name in WATCH_PARAMS:
            continue
        source = ctx.get_parameter_source(name)
        value = ctx.params.get(name)
        if isinstance(param, click.Argument):
            positional += [str(v) for v in (value if isinstance(value, (list, tuple)) else [value]) if v is not None]
            continue
        if source not in (click.core.ParameterSource.COMMANDLINE, click.core.ParameterSource.ENVIRONMENT):
            continue
        assert isinstance(param, click.Option)
        flag = param.opts[0]
        if param.is_flag:
            if value:
                args.append(flag)
        elif param.multiple:
            for v in value or ():
                args += [flag, str(v)]
        elif value is not None:
            args += [flag, str(value)]
    return args[:1] + positional + args[1:]


def _say(message: str) -> None:
    click.echo(f"statebound: {message}", err=True)


def watch(command: Sequence[str], files: Callable[[], list[Path]], *, interval: float = 0.5,
          runs: int | None = None, say: Callable[[str], None] = _say) -> int:
    """Run *command* (one check), then again each time one of *files* changes.

    *files* is called before each wait, so a file that appears is watched too. Stops after *runs*
    checks when given (tests), otherwise at Ctrl-C or SIGTERM (exit code 130).
    """
    proc: subprocess.Popen[bytes] | None = None

    def check() -> int:
        nonlocal proc
        proc = subprocess.Popen(list(command))
        try:
            return proc.wait()
        finally:
            proc = None

    try:
        before = snapshot(files())  # before the check: a change saved while it runs is a change
        code = check()
        done = 1
        while runs is None or done < runs:
            watched = files()  # a file that appeared during the check did not exist before it
            before = {f: before.get(f) for f in watched}
            say(f"watching {len(watched)} file{'' if len(watched) == 1 else 's'} for changes; Ctrl-C stops")
            while True:
                now = snapshot(watched)
                changed = [f for f in watched if now[f] != before[f]]
                if changed:
                    break
                time.sleep(interval)
            say(f"{_show(changed[0])} changed; checking again")
            before = snapshot(files())
            code = check()
            done += 1
        return code
    except (Interrupted, KeyboardInterrupt):
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
        return int(ExitCode.INTERRUPTED)


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def watched_files_of(ctx: click.Context, target: str) -> list[Path]:
    """:func:`watched_files` of *target* but those the check of *ctx* writes itself (the Python
    files of ``--emit-pytest DIR``), which would otherwise start the next check every time."""
    written = ctx.params.get("emit_pytest")
    if not isinstance(written, Path):
        return watched_files(target)
    folder = written.resolve()
    return [f for f in watched_files(target) if not f.resolve().is_relative_to(folder)]


def watch_check(ctx: click.Context, *, target: str, runs: int | None, interval: float) -> int:
    """``check --watch``: the command of *ctx* in a loop (see :func:`watch`)."""
    command = [sys.executable, "-m", "statebound", *child_args(ctx)]
    return watch(command, lambda: watched_files_of(ctx, target), interval=interval, runs=runs)

"""The one place that runs Graphviz: DOT text to SVG or PNG, with a timeout.

Graphviz is found through the ``graphviz`` pip package, which runs the ``dot`` binary on PATH
(Debian's ``graphviz`` package). When it is missing the callers still write DOT and Mermaid and
pass on :data:`MISSING_HINT` as a one-line note.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from ..checker import InputError
from ..checker.files import write_atomically

__all__ = ["MISSING_HINT", "TIMEOUT", "has_graphviz", "render", "render_bytes", "write_atomically"]

#: one line for the user when ``dot`` is not installed
MISSING_HINT = (
    "Graphviz 'dot' was not found, so only DOT and Mermaid files were written; "
    "for SVG and PNG install it (apt-get install graphviz) and run again"
)

#: seconds one layout may take; dot can take minutes on a few hundred labelled edges
TIMEOUT = 60.0


def has_graphviz() -> bool:
    """True when the ``dot`` binary can be run."""
    return shutil.which("dot") is not None


def render(dot_source: str, path: Path, *, fmt: str, timeout: float = TIMEOUT) -> Path:
    """Lay out *dot_source* with ``dot`` and write it to *path* as *fmt* (``svg`` or ``png``).

    The file is written atomically (:func:`write_atomically`): all of it or nothing.

    Raises
    ------
    InputError
        When ``dot`` is missing, fails, or takes longer than *timeout* seconds.
    """
    data = render_bytes(dot_source, fmt=fmt, timeout=timeout, where=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)
    return path


def render_bytes(dot_source: str, *, fmt: str, timeout: float = TIMEOUT, where: str = "dot") -> bytes:
    """*dot_source* laid out by ``dot`` as *fmt* (``svg`` or ``png``); *where* starts error messages.

    Raises
    ------
    InputError
        As :func:`render`.
    """
    import graphviz  # imported lazily: CLI start-up matters (DESIGN section 8)
    from graphviz.backend import dot_command, execute

    if fmt not in ("svg", "png"):
        raise InputError(f"{where}: cannot render format {fmt!r}; use 'svg' or 'png'")
    cmd = dot_command.command("dot", fmt)
    try:
        proc = execute.run_check(cmd, input=dot_source.encode("utf-8"), capture_output=True, quiet=True,
                                 timeout=timeout)
    except graphviz.ExecutableNotFound as err:
        raise InputError(f"{where}: {MISSING_HINT}") from err
    except subprocess.TimeoutExpired as err:
        raise InputError(
            f"{where}: Graphviz took longer than {timeout:g} s to lay out this diagram; "
            "draw a smaller configuration or use --format dot"
        ) from err
    except graphviz.CalledProcessError as err:
        detail = (err.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise InputError(f"{where}: Graphviz failed: {detail[-1] if detail else err}") from err
    data: bytes = proc.stdout
    return data



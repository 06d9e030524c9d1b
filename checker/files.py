"""Writing files so that no reader, interruption or full disk ever leaves a truncated one.

Shared by the command line's ``--out`` folder and the diagrams (issue 8, defect 6).
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["temp_name", "write_atomically"]


def temp_name(name: str) -> str:
    """Where *name* is written before it is renamed into place."""
    return f".{name}.tmp"


def write_atomically(path: Path, data: bytes) -> None:
    """Write *data* to *path* through a temporary file and a rename: all of it or nothing.

    This guards against interruptions and full disks (a failed ``write`` or ``close``), not
    against a power cut: there is no ``fsync``, which would cost more than the check on a run
    with many diagrams.
    """
    tmp = path.with_name(temp_name(path.name))
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as err:
        tmp.unlink(missing_ok=True)
        if isinstance(err, OSError):
            err.filename = str(path)  # name the file meant, not its temporary (os.write names none)
        raise

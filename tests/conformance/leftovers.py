"""Helpers of the conformance tests (issue 12): where the repository is, and how many sockets this
process holds, so that a test can assert that nothing is left behind."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def open_sockets() -> int:
    """How many sockets this process holds (Linux: the ``socket:`` entries of /proc/self/fd)."""
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:  # the directory's own descriptor, closed meanwhile
            pass
    return count

"""The ``--out`` folder of one check: locked, written atomically, every file listed before it exists.

Issue 8 (defects 6, 7, 13, 14). Under an exclusive lock on ``DIR/.statebound-lock``:

1. :meth:`OutputDir.open` creates the folder, takes the lock (a second check waits
   :data:`LOCK_WAIT` seconds, then fails) and proves the folder writable, before anything is
   loaded or explored;
2. the first :meth:`OutputDir.write` deletes what the previous check listed in the manifest
   ``DIR/.statebound-files`` (and any of its temporary files), and nothing else;
3. each file is added to the manifest (itself replaced atomically) *before* it is created, then
   written to ``DIR/.NAME.tmp`` and renamed over ``NAME``: a reader never sees a truncated file,
   and every file statebound wrote is in the manifest even when the process is killed;
4. :meth:`OutputDir.close` releases the lock. The lock file itself stays (deleting it would let two
   checks lock two different files).
"""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # not on POSIX: checks run unlocked
    fcntl = None  # type: ignore[assignment]

from .checker.errors import InputError
from .checker.files import temp_name, write_atomically

__all__ = ["MANIFEST", "LOCK", "LOCK_WAIT", "OutputDir", "temp_name", "why_unwritable"]

MANIFEST = ".statebound-files"
LOCK = ".statebound-lock"
#: seconds a check waits for another check to release the folder before failing
LOCK_WAIT = 3.0


class OutputDir:
    """One check's hold on its ``--out`` folder (mutable: it records what it wrote)."""

    def __init__(self, path: Path, lock_fd: int) -> None:
        self.path = path
        self._lock_fd = lock_fd
        self._cleared = False
        self._listed: set[str] = set()
        #: the files this check wrote, in order
        self.written: list[str] = []

    @classmethod
    def open(cls, path: Path) -> OutputDir:
        """Create and lock *path*, and prove it writable; an :class:`InputError` says why not."""
        where = f"--out {str(path)!r}"
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise InputError(f"{where}: cannot create the folder: {err.strerror}; "
                             "choose a writable folder with --out, or --no-out") from None
        if not path.is_dir():
            raise InputError(f"{where}: is not a folder; choose a folder with --out, or --no-out")
        try:
            fd = os.open(path / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise InputError(f"{where}: cannot write there: {err.strerror}; "
                             "choose a writable folder with --out, or --no-out") from None
        try:
            cls._lock(fd, where)
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())
            probe = path / temp_name(".statebound-probe")
            try:
                probe.write_bytes(b"")
            finally:
                probe.unlink(missing_ok=True)
        except OSError as err:
            os.close(fd)
            raise InputError(f"{where}: cannot write there: {err.strerror}; "
                             "choose a writable folder with --out, or --no-out") from None
        except BaseException:
            os.close(fd)
            raise
        return cls(path, fd)

    @staticmethod
    def _lock(fd: int, where: str) -> None:
        if fcntl is None:
            return
        give_up = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except OSError as err:
                if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    return  # a file system without locks (some network ones): go on unlocked
            if time.monotonic() >= give_up:
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
                who = f" (pid {holder})" if holder.isdigit() else ""
                raise InputError(f"{where}: another statebound check{who} is writing there; "
                                 "wait for it to finish, or give each check its own --out")
            time.sleep(0.05)

    def close(self) -> None:
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = -1

    # ------------------------------------------------------------------ writing

    def _save_manifest(self) -> None:
        text = "".join(f"{n}\n" for n in sorted(self._listed))
        write_atomically(self.path / MANIFEST, text.encode("utf-8"))

    def _clear(self) -> None:
        """Delete what the previous check listed (and leftovers of an interrupted write)."""
        manifest = self.path / MANIFEST
        try:
            names = manifest.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            names = []
        for name in names:
            if not name or "/" in name or "\0" in name or name in (MANIFEST, LOCK, ".", ".."):
                continue
            for target in (self.path / name, self.path / temp_name(name)):
                if target.is_symlink() or target.is_file():
                    target.unlink(missing_ok=True)
        (self.path / temp_name(MANIFEST)).unlink(missing_ok=True)
        if names:
            self._listed = set()
            self._save_manifest()
        self._cleared = True

    def write(self, name: str, data: bytes) -> Path:
        """Write *data* as ``DIR/name``: listed in the manifest first, then written atomically."""
        if "/" in name or name in (MANIFEST, LOCK, "", ".", ".."):
            raise ValueError(f"not a file name for the output folder: {name!r}")
        if not self._cleared:
            self._clear()
        if name not in self._listed:
            self._listed.add(name)
            self._save_manifest()
        path = self.path / name
        write_atomically(path, data)
        if name not in self.written:
            self.written.append(name)
        return path

    def remove(self, name: str) -> None:
        """Delete a file this check wrote (it stays listed: the manifest may list more than exists)."""
        (self.path / name).unlink(missing_ok=True)
        if name in self.written:
            self.written.remove(name)

    def sink(self, path: Path, data: bytes) -> None:
        """:meth:`write` for a path inside the folder (what the diagram writers call)."""
        if path.parent.resolve() != self.path.resolve():
            raise ValueError(f"{path} is not in {self.path}")
        self.write(path.name, data)


def why_unwritable(path: Path, err: OSError) -> str:
    """Why *path* could not be written, for a message: a file where a folder of its path should be
    is named (``mkdir`` says only "File exists"), else the system's reason."""
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        return f"{str(blocker)!r} is a file, not a folder"
    return err.strerror or str(err)

"""Low-level file writing shared by every part that writes (results folders, scenario files):
atomic replacement, the user's permissions, and a probe for writability. It imports nothing
of borderflow, so both `scenario/` and `results/` can use it; the policy on *what* may be
written lives in `results/folder.py` and `scenario/native.py`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

TEMPORARY_PREFIX = ".tmp-"  # files being written; never a user's file (names are ours, with our pid)

_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows (Linux shows
    it in /proc/self/status): setting and restoring it would race with threads creating files."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:  # elsewhere, the only way to read it is to set it; keep the window short
        mask = os.umask(0o077)
        os.umask(mask)
    return mask


def user_mode(kind: int) -> int:
    """The permissions the user's umask gives a new file (kind 0o666) or folder (0o777)."""
    return kind & ~current_umask()


def fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_file_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Fill a temporary file beside `path` with `write(tmp)`, then rename it into place, so
    a reader sees the old file or the complete new one. Gets the user's normal permissions."""
    tmp = path.with_name(f"{TEMPORARY_PREFIX}{os.getpid()}-{threading.get_ident()}-{path.name}")
    try:
        write(tmp)
        os.chmod(tmp, user_mode(0o666))
        fsync_path(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_problem(folder: Path) -> OSError | None:
    """Why nothing can be written in `folder` (None when a probe file can be made and removed)."""
    probe = folder / f"{TEMPORARY_PREFIX}{os.getpid()}-{threading.get_ident()}-probe"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        return exc
    return None

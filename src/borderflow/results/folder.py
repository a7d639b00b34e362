"""Where results go: one output policy for every command that writes.

borderflow writes into a new folder, or into a folder that holds only what borderflow
wrote there (its `manifest.json` lists it). Anything else is refused before any work: a
folder with other files, a file, a device, a symbolic link, `/`, the home or working
folder itself. Replacing results touches only the files the old manifest lists.

A folder is claimed for the whole run with an exclusive lock on the folder itself, so a
second writer fails at once with a clear message instead of interleaving with the first.

Replacing a set of files is a small journal, so that a kill at any moment leaves the old
results or the new ones (never neither): the new files are written into
`.borderflow-staging/` with their manifest last; renaming that folder to
`.borderflow-commit/` is the commit point; then each file is moved into place and the
manifest last. Whoever next claims or verifies the folder finishes an interrupted commit
(roll forward) or drops an uncommitted staging folder.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import fnmatch
import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from borderflow.files import TEMPORARY_PREFIX, fsync_path, user_mode, write_file_atomically, write_problem
from borderflow.scenario.errors import ScenarioError

MANIFEST = "manifest.json"
STAGING = ".borderflow-staging"
COMMIT = ".borderflow-commit"
RESERVED = (STAGING, COMMIT)
_PLAIN_NAME = re.compile(r"[^\x00-\x1f\x7f/\\]{1,128}")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def plain_folder_name(name: str) -> bool:
    """A name that can only mean one new folder beside others: no separators, no `.`/`..`,
    no control characters, not hidden, not too long."""
    return bool(_PLAIN_NAME.fullmatch(name)) and not name.startswith(".") and name.strip() == name


def default_folder(scenario_name: str, suffix: str = "", source: str | None = None) -> Path:
    """`results/<scenario name><suffix>`, refusing a scenario name that is not a plain folder
    name (a scenario file from someone else must not choose where results are written)."""
    name = f"{scenario_name}{suffix}"
    if not plain_folder_name(scenario_name) or not plain_folder_name(name):
        raise ScenarioError(
            source or scenario_name[:80],
            "name",
            f"{scenario_name[:80]!r} cannot name a results folder; expected a plain folder name "
            "(no /, \\, control characters or leading dot; at most 128 characters), or give --out",
        )
    return Path("results") / name


def shown(path: Path) -> str:
    """A path as the user can use it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def read_manifest_of(folder: Path) -> dict[str, Any] | None:
    """The borderflow manifest of `folder`, or None if it has none (or one we did not write)."""
    path = folder / MANIFEST
    try:
        if not path.is_file() or path.stat().st_size > 64 * 1024 * 1024:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "borderflow_version" not in data:
        return None
    # names from a file on disk decide what may be replaced or removed: only plain paths inside
    names = [*data.get("files", {}), *data.get("patterns", []), *data.get("folders", [])]
    if not all(_safe(n) for n in names):
        return None
    return data


def owns(manifest: dict[str, Any], relpath: str) -> bool:
    """Whether the manifest says borderflow wrote `relpath` (a path inside its folder)."""
    if relpath == MANIFEST or relpath in manifest.get("files", {}):
        return True
    patterns: list[str] = manifest.get("patterns", [])
    return any(fnmatch.fnmatchcase(relpath, p) for p in patterns)


def foreign_entries(folder: Path, manifest: dict[str, Any] | None, prefix: str = "") -> list[str]:
    """Entries of `folder` (recursively) that borderflow did not write, by its manifest; at
    most a few, for the message."""
    foreign: list[str] = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        rel = prefix + entry.name
        if len(foreign) > 3:
            break
        if not prefix and entry.name in RESERVED:
            continue
        if manifest is None:
            foreign.append(rel)
        elif entry.is_dir(follow_symlinks=False):
            sub = Path(entry.path)
            if rel in manifest.get("folders", []):  # a results folder of its own (one per policy package)
                foreign += [f"{rel}/{x}" for x in foreign_entries(sub, read_manifest_of(sub))]
            elif _may_hold(manifest, rel):
                foreign += foreign_entries(sub, manifest, f"{rel}/")
            else:
                foreign.append(f"{rel}/")
        elif not (entry.name.startswith(TEMPORARY_PREFIX) or owns(manifest, rel)):
            foreign.append(rel)
    return foreign


def _may_hold(manifest: dict[str, Any], folder: str) -> bool:
    names = [*manifest.get("files", {}), *manifest.get("patterns", [])]
    return any(n.startswith(f"{folder}/") for n in names)


def _safe(relpath: object) -> bool:
    """A path inside the folder: relative, no `..`, no empty or hidden parts."""
    if not isinstance(relpath, str) or not relpath or "\x00" in relpath or relpath.startswith("/"):
        return False
    return all(part and part not in (".", "..") for part in relpath.split("/"))


class ResultsDiffer(ScenarioError):
    """A results folder whose files are not what its manifest records."""

    exit_status = 1


def _refuse(path: Path | str, option: str, problem: str) -> ScenarioError:
    return ScenarioError(str(path), option, problem)


EXPECTED = "expected a new folder, or one holding only results borderflow wrote"


class OutputFolder:
    """A folder claimed for writing: checked, created if new, and locked until closed."""

    def __init__(self, path: Path, fd: int, created: list[Path]) -> None:
        self.path = path
        self._fd = fd
        self._created = created  # folders this claim made, the deepest first

    def close(self) -> None:
        if self._fd >= 0:
            # folders made for a run that wrote nothing (it failed): leave no trace
            for folder in self._created:
                try:
                    folder.rmdir()  # only succeeds while empty
                except OSError:
                    break
            os.close(self._fd)  # releases the lock
            self._fd = -1

    def __enter__(self) -> OutputFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(OSError):
            self.close()

    def manifest(self) -> dict[str, Any] | None:
        return read_manifest_of(self.path)

    def subfolder(self, name: str, option: str = "--out") -> OutputFolder:
        """Claim a folder inside this one (an ensemble per policy package)."""
        return claim(self.path / name, option)

    @contextlib.contextmanager
    def replace(self) -> Iterator[Path]:
        """Stage a complete new set of results, then swap it in (see the module's docstring).

        Yields the staging folder; the caller writes its files there, `manifest.json` last
        (with `files` listing them). Files of the previous manifest that the new one does not
        list are removed; nothing else in the folder is touched."""
        staging = self.path / STAGING
        shutil.rmtree(staging, ignore_errors=True)  # ours: left by a run killed before it committed
        staging.mkdir(mode=user_mode(0o777))
        try:
            yield staging
            new = read_manifest_of(staging)
            if new is None:
                raise RuntimeError("staged results have no manifest")  # a bug, not bad input
            for name in [*new.get("files", {}), MANIFEST]:
                fsync_path(staging / name)
            fsync_path(staging)
            os.replace(staging, self.path / COMMIT)  # the commit point
            fsync_path(self.path)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        roll_forward(self.path)

    def write_file(self, name: str, write: Callable[[Path], object]) -> Path:
        """Write one file atomically (`write` fills a temporary path, renamed into place)."""
        return write_file_atomically(self.path / name, write)


def roll_forward(folder: Path) -> None:
    """Finish a commit (move every staged file into place, the manifest last) or drop an
    uncommitted staging folder. Safe to repeat after a kill at any point."""
    shutil.rmtree(folder / STAGING, ignore_errors=True)
    commit = folder / COMMIT
    if not commit.is_dir():
        return
    new = read_manifest_of(commit)
    if new is None:  # the manifest was moved last: everything else is already in place
        shutil.rmtree(commit, ignore_errors=True)
        return
    old = read_manifest_of(folder) or {}
    for name in new.get("files", {}):
        if (commit / name).exists():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(commit / name, folder / name)
    for name in old.get("files", {}):
        if name not in new.get("files", {}) and owns(old, name):
            with contextlib.suppress(FileNotFoundError, IsADirectoryError):
                (folder / name).unlink()
    os.replace(commit / MANIFEST, folder / MANIFEST)
    fsync_path(folder)
    shutil.rmtree(commit, ignore_errors=True)


def claim(path: str | Path, option: str = "--out") -> OutputFolder:
    """Check `path` against the output policy, create it if new, lock it; a ScenarioError
    (one line naming the path, exit 2) for anything borderflow must not write into."""
    text = os.fspath(path)
    if text in ("", "."):
        raise _refuse(text or "''", option, f"is the working folder itself; {EXPECTED}")
    if "\x00" in text:
        raise _refuse(repr(text)[:80], option, "contains a NUL byte; expected a folder name")
    folder = Path(os.path.abspath(text))
    here, home = Path.cwd().resolve(), Path.home().resolve()
    special = {Path("/"): "the root folder", here: "the working folder itself", home: "your home folder"}
    with contextlib.suppress(OSError):
        if folder.resolve() in special:
            raise _refuse(text, option, f"is {special[folder.resolve()]}; {EXPECTED}")
    try:
        info = folder.lstat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise _refuse(text, option, f"cannot be used ({exc.strerror or exc}); {EXPECTED}") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise _refuse(text, option, f"is a symbolic link; {EXPECTED} (give the folder it points to)")
        if not stat.S_ISDIR(info.st_mode):
            what = "a file" if stat.S_ISREG(info.st_mode) else "a device, pipe or socket"
            raise _refuse(text, option, f"is {what}; {EXPECTED}")
    created: list[Path] = []
    if info is None:
        missing = [folder, *(p for p in folder.parents if not p.exists())]
        missing = missing[: next((i for i, p in enumerate(missing) if p.exists()), len(missing))]
        try:
            folder.mkdir(parents=True, mode=user_mode(0o777))
            created = missing
        except FileExistsError:
            pass  # another process made it just now: checked below like any existing folder
        except OSError as exc:
            raise _refuse(text, option, f"cannot be created ({exc.strerror or exc}); {EXPECTED}") from None
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise _refuse(text, option, f"cannot be opened ({exc.strerror or exc}); {EXPECTED}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise _refuse(
                text, option, "is being written by another borderflow process; expected it to finish first"
            ) from None
        foreign = foreign_entries(folder, _owned_now(folder))
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise _refuse(text, option, f"holds files borderflow did not write ({shown}); {EXPECTED}")
        try:
            roll_forward(folder)  # only now: the folder is known to hold nothing but ours
        except OSError as exc:
            raise _refuse(text, option, f"cannot be written ({exc.strerror or exc}); {EXPECTED}") from None
        _check_writable(folder, text, option)
    except BaseException:
        os.close(fd)
        raise
    return OutputFolder(folder, fd, created)


def _check_writable(folder: Path, text: str, option: str) -> None:
    if (exc := write_problem(folder)) is not None:
        raise _refuse(text, option, f"cannot be written ({exc.strerror or exc}); {EXPECTED}")


def _owned_now(folder: Path) -> dict[str, Any] | None:
    """What borderflow wrote in `folder`: its manifest's files and, while a commit is
    unfinished, the files being moved in (None when neither manifest is there)."""
    manifest = read_manifest_of(folder)
    pending = read_manifest_of(folder / COMMIT) if (folder / COMMIT).is_dir() else None
    if manifest is None or pending is None:
        return manifest or pending
    merged = {**manifest, "files": {**manifest.get("files", {}), **pending.get("files", {})}}
    for key in ("patterns", "folders"):
        merged[key] = [*manifest.get(key, []), *pending.get(key, [])]
    return merged


def verify(folder: str | Path) -> dict[str, Any]:
    """Check every file the manifest lists against its SHA-256 (finishing an interrupted
    commit first, if the folder holds nothing else); returns the manifest. A ScenarioError
    if there is no manifest, ResultsDiffer if any file is missing or differs."""
    folder = Path(folder)
    if (folder / COMMIT).is_dir():
        owned = _owned_now(folder)
        if owned and not foreign_entries(folder, owned):
            roll_forward(folder)
    manifest = read_manifest_of(folder)
    if manifest is None:
        raise ScenarioError(folder / MANIFEST, None, "not found; expected a results folder written by borderflow")
    bad = [name for name, digest in manifest.get("files", {}).items() if _digest_or_none(folder / name) != digest]
    for sub in manifest.get("folders", []):
        verify(folder / sub)
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise ResultsDiffer(folder, None, f"{shown}: missing or not as written (SHA-256 differs from the manifest)")
    return manifest


def verified_files(folder: str | Path) -> int:
    """How many files `verify` checks in `folder` and its subfolders."""
    manifest = read_manifest_of(Path(folder)) or {}
    return len(manifest.get("files", {})) + sum(verified_files(Path(folder) / f) for f in manifest.get("folders", []))


def _digest_or_none(path: Path) -> str | None:
    try:
        return sha256(path)
    except OSError:
        return None

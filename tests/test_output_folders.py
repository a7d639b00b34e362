"""Where results go: borderflow never deletes, replaces or hides a file it did not write.

Every case takes a snapshot of the files around the output path (contents, types, modes,
link targets), runs a command that must refuse, and checks the snapshot is unchanged. Tests
run as root in CI, so nothing here relies on a permission error.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from borderflow.results import claim, verify
from borderflow.results.folder import COMMIT, STAGING, plain_folder_name
from test_bad_input import run_cli

TINY = Path(__file__).resolve().parent / "data" / "tiny.yaml"
Snapshot = dict[str, tuple[str, str]]


def snapshot(root: Path) -> Snapshot:
    """Every entry under root: its kind and content digest (or link target, or device)."""
    seen: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            info = path.lstat()
            rel = str(path.relative_to(root))
            if stat.S_ISLNK(info.st_mode):
                seen[rel] = ("link", os.readlink(path))
            elif stat.S_ISREG(info.st_mode):
                seen[rel] = (f"file {stat.S_IMODE(info.st_mode):o}", hashlib.sha256(path.read_bytes()).hexdigest())
            elif stat.S_ISDIR(info.st_mode):
                seen[rel] = (f"dir {stat.S_IMODE(info.st_mode):o}", "")
            else:
                seen[rel] = (f"special {info.st_mode:o}", str(info.st_rdev))
    return seen


def user_files(root: Path) -> Path:
    """A folder of somebody's work: files, a subfolder, a hidden file."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "thesis.tex").write_text("months of work\n")
    (root / ".config").write_text("secret=1\n")
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "survey.csv").write_text("a,b\n1,2\n")
    return root


def refused(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


Target = Callable[[Path], str]  # builds the hostile --out under a temporary folder, returns it


def _folder_with_files(tmp: Path) -> str:
    return str(user_files(tmp / "work"))


def _a_file(tmp: Path) -> str:
    (tmp / "notes.txt").write_text("keep me\n")
    return str(tmp / "notes.txt")


def _symlink_to_folder(tmp: Path) -> str:
    user_files(tmp / "real")
    (tmp / "link").symlink_to(tmp / "real")
    return str(tmp / "link")


def _dangling_symlink(tmp: Path) -> str:
    (tmp / "link").symlink_to(tmp / "nowhere")
    return str(tmp / "link")


def _symlink_to_empty_folder(tmp: Path) -> str:
    (tmp / "empty").mkdir()
    (tmp / "link").symlink_to(tmp / "empty")
    return str(tmp / "link")


def _fifo(tmp: Path) -> str:
    os.mkfifo(tmp / "pipe")
    return str(tmp / "pipe")


def _results_plus_a_user_file(tmp: Path) -> str:
    out = tmp / "res"
    subprocess.run(
        [sys.executable, "-m", "borderflow.cli", "run", str(TINY), "--out", str(out)], check=True, capture_output=True
    )
    (out / "my-notes.md").write_text("what I think of these results\n")
    return str(out)


def _forged_manifest(tmp: Path) -> str:
    """A manifest that claims a file outside its folder: not borderflow's, so refused."""
    victim = tmp / "victim.txt"
    victim.write_text("precious\n")
    out = tmp / "res"
    out.mkdir()
    (out / "manifest.json").write_text(json.dumps({"borderflow_version": "0.1.0", "files": {"../victim.txt": "0"}}))
    return str(out)


def _not_our_manifest(tmp: Path) -> str:
    out = tmp / "node-project"
    out.mkdir()
    (out / "manifest.json").write_text('{"name": "a web app manifest"}')
    return str(out)


def _nested_under_a_file(tmp: Path) -> str:
    (tmp / "plain").write_text("x\n")
    return str(tmp / "plain" / "out")


def _long_name(tmp: Path) -> str:
    return str(tmp / ("n" * 300))


TARGETS: dict[str, tuple[Target, str]] = {
    "folder-with-files": (_folder_with_files, "did not write"),
    "a-file": (_a_file, "is a file"),
    "symlink-to-a-folder": (_symlink_to_folder, "symbolic link"),
    "dangling-symlink": (_dangling_symlink, "symbolic link"),
    "symlink-to-an-empty-folder": (_symlink_to_empty_folder, "symbolic link"),
    "fifo": (_fifo, "device, pipe or socket"),
    "results-plus-a-user-file": (_results_plus_a_user_file, "my-notes.md"),
    "forged-manifest": (_forged_manifest, "did not write"),
    "not-our-manifest": (_not_our_manifest, "manifest.json"),
    "under-a-file": (_nested_under_a_file, "cannot be"),
    "name-too-long": (_long_name, "too long"),
}

COMMANDS = {
    "run": ["run", str(TINY)],
    "validate": ["validate", str(TINY)],
    "ensemble": ["ensemble", str(TINY), "-n", "2", "--serial"],
}


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_hostile_out_is_refused_before_any_work_and_nothing_changes(
    command: str, target: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    build, says = TARGETS[target]
    out = build(tmp_path)
    before = snapshot(tmp_path)
    code, _, err = run_cli(monkeypatch, capsys, *COMMANDS[command], "--out", out)
    refused(code, err, "--out", says, "expected")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("out", [".", "", "./", "../work"])
def test_the_working_folder_itself_is_refused(
    out: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    work = user_files(tmp_path / "work")
    monkeypatch.chdir(work)
    before = snapshot(tmp_path)
    code, _, err = run_cli(monkeypatch, capsys, "run", str(TINY), "--out", out)
    refused(code, err, "working folder")
    assert snapshot(tmp_path) == before


def test_root_and_home_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = user_files(tmp_path / "home")
    monkeypatch.setenv("HOME", str(home))
    before = snapshot(tmp_path)
    code, _, err = run_cli(monkeypatch, capsys, "run", str(TINY), "--out", str(home))
    refused(code, err, "home folder")
    code, _, err = run_cli(monkeypatch, capsys, "run", str(TINY), "--out", "/")
    refused(code, err, "root folder")
    assert snapshot(tmp_path) == before


def test_a_device_node_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """As root (CI), `--out` at a null device once replaced the device with a folder."""
    if os.geteuid() != 0:
        pytest.skip("making a device node needs root (CI runs as root)")
    device = tmp_path / "null"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    before = snapshot(tmp_path)
    code, _, err = run_cli(monkeypatch, capsys, "run", str(TINY), "--out", str(device))
    refused(code, err, "device")
    assert snapshot(tmp_path) == before
    assert stat.S_ISCHR(device.lstat().st_mode)


def test_proc_and_unwritable_places_are_one_line_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for out in ("/proc", "/proc/borderflow-results", "/sys/kernel"):
        code, _, err = run_cli(monkeypatch, capsys, "run", str(TINY), "--out", out)
        refused(code, err, out)


HOSTILE_NAMES = ["..", ".", "/", "/tmp/elsewhere", "a/b", "../up", "", " ", ".hidden", "x" * 200, "tab\there", "a\\b"]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=[repr(n)[:20] for n in HOSTILE_NAMES])
def test_a_scenario_name_never_chooses_a_folder_outside_results(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scenario file from someone else: `name: '..'` once deleted the folder it ran from."""
    work = user_files(tmp_path / "work")
    user_files(work / "results" / "earlier")
    text = TINY.read_text().replace("name: tiny", f"name: {json.dumps(name)}")
    scenario = tmp_path / "hostile.yaml"
    scenario.write_text(text)
    monkeypatch.chdir(work)
    before = snapshot(tmp_path)
    code, _, err = run_cli(monkeypatch, capsys, "run", str(scenario))
    if code == 2 and "name" in err and "expected" in err and "cannot name a results folder" not in err:
        pass  # the scenario model itself refused the name: fine, as long as nothing changed
    else:
        refused(code, err, "cannot name a results folder", "--out")
    assert snapshot(tmp_path) == before


def test_plain_folder_names() -> None:
    for ok in ("caravan-2023", "mali2012", "Burundi 2015", "côte-d'ivoire", "a.b"):
        assert plain_folder_name(ok), ok
    for bad in [*HOSTILE_NAMES, "x\x00y", "x" * 129, "ok ", "line\nbreak"]:
        assert not plain_folder_name(bad), bad


def test_results_get_the_users_normal_permissions(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        out = tmp_path / "r"
        proc = subprocess.run(
            [sys.executable, "-m", "borderflow.cli", "run", str(TINY), "--out", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o755
    for f in out.iterdir():
        assert stat.S_IMODE(f.stat().st_mode) == 0o644, f


def test_replacing_results_touches_only_files_the_manifest_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    user_files(tmp_path)
    out = tmp_path / "res"
    assert run_cli(monkeypatch, capsys, "run", str(TINY), "--out", str(out), "--seed", "1")[0] == 0
    outside = snapshot(tmp_path)
    # an earlier version listed a file this run does not write: it goes, as borderflow's own
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "old-output.csv").write_text("from an earlier borderflow\n")
    manifest["files"]["old-output.csv"] = hashlib.sha256((out / "old-output.csv").read_bytes()).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert run_cli(monkeypatch, capsys, "run", str(TINY), "--out", str(out), "--seed", "2")[0] == 0
    assert verify(out)["seed"] == 2
    assert not (out / "old-output.csv").exists()
    after = snapshot(tmp_path)
    assert {k: v for k, v in after.items() if not k.startswith("res")} == {
        k: v for k, v in outside.items() if not k.startswith("res")
    }
    assert sorted(p.name for p in out.iterdir()) == sorted([*verify(out)["files"], "manifest.json"])


def test_an_empty_existing_folder_is_used_and_a_failed_run_leaves_no_new_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    assert run_cli(monkeypatch, capsys, "run", str(TINY), "--out", str(tmp_path / "empty"))[0] == 0
    assert verify(tmp_path / "empty")["scenario"] == "tiny"
    code, _, err = run_cli(monkeypatch, capsys, "run", str(TINY), "--policy", "nope", "--out", str(tmp_path / "new"))
    assert code == 2, err
    assert not (tmp_path / "new").exists()


def test_a_second_writer_fails_clearly_while_the_first_holds_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "res"
    with claim(out):
        code, _, err = run_cli(monkeypatch, capsys, "run", str(TINY), "--out", str(out))
        refused(code, err, "another borderflow process")
    assert run_cli(monkeypatch, capsys, "run", str(TINY), "--out", str(out))[0] == 0


def test_concurrent_writers_never_lose_or_mix_results(tmp_path: Path) -> None:
    """Eight pairs of runs writing one folder at once: each ends 0 or with the clear refusal,
    and the folder always verifies whole (it once lost a live temporary folder, 3 of 12)."""
    out = tmp_path / "res"
    user_files(tmp_path)
    outside = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("res")}
    cmd = [sys.executable, "-m", "borderflow.cli", "run", str(TINY), "--out", str(out), "--seed"]
    for trial in range(8):
        procs = [
            subprocess.Popen([*cmd, str(10 * trial + k)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for k in range(2)
        ]
        seeds_ok = []
        for k, proc in enumerate(procs):
            _, err = proc.communicate(timeout=120)
            assert proc.returncode in (0, 2), err
            if proc.returncode == 2:
                assert "another borderflow process" in err, err
                assert "Traceback" not in err
            else:
                seeds_ok.append(10 * trial + k)
        assert seeds_ok, "one of the two must have written"
        assert verify(out)["seed"] in seeds_ok
    assert {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("res")} == outside


KILLER = textwrap.dedent(
    """
    import os, sys
    real, calls, at = os.replace, [0], int(sys.argv[1])
    def replace(a, b, *args, **kw):  # die abruptly, as by SIGKILL, at the at-th rename
        calls[0] += 1
        if calls[0] == at:
            os._exit(9)
        return real(a, b, *args, **kw)
    os.replace = replace
    sys.argv = ["borderflow", *sys.argv[2:]]
    from borderflow.cli import main
    main()
    """
)


def test_a_kill_at_every_rename_leaves_the_old_or_the_new_results(tmp_path: Path) -> None:
    out = tmp_path / "res"
    user_files(tmp_path)
    outside = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("res")}
    base = [sys.executable, "-m", "borderflow.cli", "run", str(TINY), "--out", str(out), "--seed"]
    subprocess.run([*base, "1"], check=True, capture_output=True)
    previous, seen, at = 1, set(), 1
    while True:
        seed = 100 + at
        proc = subprocess.run(
            [sys.executable, "-c", KILLER, str(at), "run", str(TINY), "--out", str(out), "--seed", str(seed)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode == 0:
            break  # more renames than this run makes: every point was tried
        assert proc.returncode == 9, proc.stderr
        state = verify(out)["seed"]  # finishes a committed swap; never half-written
        assert state in (previous, seed)
        seen.add("new" if state == seed else "old")
        previous = state
        assert not (out / COMMIT).exists()  # a committed swap is always finished by verify
        at += 1
    assert seen == {"old", "new"}, seen  # kills landed both before and after the commit point
    assert not (out / STAGING).exists()  # the next run dropped what a kill left staged
    # each file's rename, the commit and the manifest were kill points; so were the report's two
    # renames in the staging folder (report.html, then the manifest listing it), before the commit
    assert at == len(verify(out)["files"]) + 3 + 2
    assert {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("res")} == outside


def test_a_run_after_a_kill_finishes_or_drops_the_interrupted_write(tmp_path: Path) -> None:
    out = tmp_path / "res"
    base = ["run", str(TINY), "--out", str(out), "--seed"]
    subprocess.run([sys.executable, "-m", "borderflow.cli", *base, "1"], check=True, capture_output=True)
    # killed at the 5th rename: after the commit point (the report's two renames in staging come
    # first), while files move into place
    subprocess.run([sys.executable, "-c", KILLER, "5", *base, "2"], check=False, capture_output=True)
    assert (out / COMMIT).is_dir()
    proc = subprocess.run(
        [sys.executable, "-m", "borderflow.cli", *base, "3"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert verify(out)["seed"] == 3


def test_verify_checks_every_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "res"
    assert run_cli(monkeypatch, capsys, "run", str(TINY), "--out", str(out))[0] == 0
    code, stdout, err = run_cli(monkeypatch, capsys, "verify", str(out))
    assert code == 0, err
    files = len(json.loads((out / "manifest.json").read_text())["files"])
    assert f"{files} files match the manifest" in stdout
    with open(out / "daily.csv", "a") as fh:
        fh.write("tampered\n")
    code, stdout, err = run_cli(monkeypatch, capsys, "verify", str(out))
    assert code == 1
    assert err.strip().splitlines() == [err.strip()]
    assert "daily.csv" in err
    assert "SHA-256" in err
    code, _, err = run_cli(monkeypatch, capsys, "verify", str(tmp_path))
    refused(code, err, "manifest.json", "expected")


def test_ensembles_and_sensitivity_write_verifiable_folders_and_refuse_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ensemble_kit import write_tiny

    scenario = write_tiny(tmp_path)
    ens = tmp_path / "ens"
    args = ["ensemble", str(scenario), "-n", "3", "--serial", "--out", str(ens)]
    assert run_cli(monkeypatch, capsys, *args, "-p", "none", "--plot", "population_camp_north")[0] == 0
    assert run_cli(monkeypatch, capsys, *args, "-p", "none")[0] == 0  # resumes: nothing to do
    code, stdout, err = run_cli(monkeypatch, capsys, "verify", str(ens))
    assert code == 0, err
    assert "6 files match" in stdout  # 3 members, bands.csv, the plot, the report
    sens = tmp_path / "sens"
    sargs = ["sensitivity", str(scenario), "--method", "morris", "-n", "2", "--workers", "1", "--out", str(sens)]
    for _ in range(2):  # the second replaces the first
        code, _, err = run_cli(monkeypatch, capsys, *sargs, "--output", "population_camp_north:peak")
        assert code == 0, err
    assert run_cli(monkeypatch, capsys, "verify", str(sens))[0] == 0
    (ens / "none" / "members" / "mine.txt").write_text("x")
    before = snapshot(tmp_path)
    refused(*run_cli(monkeypatch, capsys, *args, "-p", "none")[::2], "mine.txt")
    user_files(tmp_path / "other")
    refused(*run_cli(monkeypatch, capsys, *sargs[:-2], "--out", str(tmp_path / "other"))[::2], "did not write")
    after = snapshot(tmp_path)
    assert {k: after[k] for k in before} == before  # everything that was there is unchanged


def test_import_flee_never_overwrites_a_file_it_did_not_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from test_bad_input import make_flee_folder

    folder = make_flee_folder(tmp_path / "flee")
    mine = tmp_path / "scenario.yaml"
    mine.write_text("name: mine\n# my own scenario\n")
    before = snapshot(tmp_path)
    code, _, err = run_cli(monkeypatch, capsys, "import-flee", str(folder), "-o", str(mine))
    refused(code, err, "did not write")
    code, _, err = run_cli(monkeypatch, capsys, "import-flee", str(folder), "-o", str(tmp_path / "flee"))
    refused(code, err, "not a regular file")
    assert snapshot(tmp_path) == before
    new = tmp_path / "imported.yaml"
    for _ in range(2):  # the second replaces what borderflow wrote the first time
        code, _, err = run_cli(monkeypatch, capsys, "import-flee", str(folder), "-o", str(new))
        assert code == 0, err
    assert stat.S_IMODE(new.stat().st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_the_umask_is_read_without_being_changed() -> None:
    # results get the user's permissions; reading the umask must not set it (threads race on it)
    from borderflow.files import current_umask, user_mode

    old = os.umask(0o027)
    try:
        assert current_umask() == 0o027
        assert user_mode(0o666) == 0o640
        assert os.umask(0o027) == 0o027  # still the user's, not a value left by the read
    finally:
        os.umask(old)

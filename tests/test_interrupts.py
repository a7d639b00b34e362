"""Ctrl-C always ends: one line on stderr, exit status 130, finished members kept.

Each case delivers SIGINT to the whole process group (as a terminal does) at one risky
point, through BORDERFLOW_FAULT_SIGINT (borderflow.faults), so no case depends on timing.
scripts/stress_interrupts.py does the same at random times, many times over.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from borderflow.ensemble.store import finished, read_member
from borderflow.interrupts import MESSAGE
from ensemble_kit import write_tiny

LIMIT = 90  # seconds; far above a case's few seconds, so only a hang reaches it


def _borderflow(*args: str, fault: str | None = None, timeout: float = LIMIT) -> tuple[int, str]:
    env = {**os.environ, "COLUMNS": "200"}
    env.pop("BORDERFLOW_FAULT_SIGINT", None)
    if fault:
        env["BORDERFLOW_FAULT_SIGINT"] = fault
    # A child starts with SIGINT ignored if this process has it ignored (pytest run as a
    # background job): give it the default a terminal gives, as the tests mean to.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "borderflow", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        _, stderr = proc.communicate()
        pytest.fail(f"borderflow {' '.join(args)} hung (SIGINT at {fault}); stderr:\n{stderr}")
    return proc.returncode, stderr


def _lines(stderr: str) -> list[str]:
    # The progress bar leaves an empty line where stderr is not a terminal (runs that end well too).
    return [line for line in stderr.splitlines() if line.strip()]


EXECUTORS = {"processes": ("--workers", "2"), "dask": ("--workers", "2", "--dask", "local")}
# (fault point, members): `shutdown` comes after every member is written, so few of them.
POINTS = [("imports", 200), ("fork", 200), ("submit", 200), ("write", 200), ("shutdown", 4)]


@pytest.mark.parametrize("executor", list(EXECUTORS))
@pytest.mark.parametrize(("point", "n"), POINTS)
def test_ctrl_c_at_each_risky_point_ends_in_one_line_with_status_130(
    tmp_path: Path, executor: str, point: str, n: int
) -> None:
    scenario = write_tiny(tmp_path)
    out = tmp_path / "ens"
    args = ("ensemble", str(scenario), "-n", str(n), "--seed", "3", "--out", str(out), *EXECUTORS[executor])
    with contextlib.ExitStack() as stack:
        # Dask's default HTTP port taken (as by another cluster, or a parallel test): no warning either.
        sock = stack.enter_context(socket.socket())
        with contextlib.suppress(OSError):
            sock.bind(("", 8787))
            sock.listen()
        status, stderr = _borderflow(*args, fault=point)
    assert (status, _lines(stderr)) == (130, [MESSAGE]), stderr  # no traceback, no worker log
    done = finished(out)
    if point == "shutdown":
        assert done == set(range(n))
    elif point == "write":
        assert len(done) >= 1  # the member being written when Ctrl-C came is whole
        assert len(done) < n
    else:
        assert not done
    assert not list(out.glob("members/.tmp-*"))
    for k in done:
        assert read_member(out, k)


def test_an_interrupted_ensemble_resumes_to_the_end(tmp_path: Path) -> None:
    # A second Ctrl-C during the teardown of the first changes nothing; the run resumes.
    scenario = write_tiny(tmp_path)
    out = tmp_path / "ens"
    args = ("ensemble", str(scenario), "-n", "12", "--seed", "3", "--out", str(out), "--workers", "2")
    status, stderr = _borderflow(*args, fault="write,shutdown")
    assert (status, _lines(stderr)) == (130, [MESSAGE]), stderr
    before = finished(out)
    assert 1 <= len(before) < 12
    stamps = {k: (out / "members" / f"member-{k:06d}.parquet").stat().st_mtime_ns for k in before}
    status, stderr = _borderflow(*args)
    assert status == 0, stderr
    assert finished(out) == set(range(12))
    for k in before:  # kept, not redone
        assert (out / "members" / f"member-{k:06d}.parquet").stat().st_mtime_ns == stamps[k]


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=LIMIT, check=False
    )


def test_a_ctrl_c_swallowed_where_it_landed_is_raised_at_the_next_safe_point() -> None:
    # Python would print "Exception ignored in ... __del__" and run on; here it stays requested.
    proc = _python(
        """
        import os, signal
        from borderflow import interrupts
        interrupts.install()
        class Writer:
            def __del__(self):
                os.kill(os.getpid(), signal.SIGINT)
                for _ in range(1000):  # the handler runs here, inside __del__
                    pass
        Writer()
        print("ran on")
        try:
            interrupts.check()
        except KeyboardInterrupt:
            print("raised at check")
        try:  # a library's bare except swallows it: still requested
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(1000):
                pass
        except BaseException:
            pass
        print("ran on")
        try:
            interrupts.check()
        except KeyboardInterrupt:
            print("raised at check")
        """
    )
    assert proc.stdout.splitlines() == ["ran on", "raised at check"] * 2, proc.stderr
    assert proc.stderr == ""


def test_a_pool_records_ctrl_c_and_raises_it_at_a_known_point() -> None:
    # Through the Python API (no install()): while a pool lives Ctrl-C is only recorded; the
    # result loop or close() raises it, and the handler in place before is back afterwards.
    proc = _python(
        """
        import os, signal
        from borderflow.ensemble.executors import ProcessExecutor
        before = signal.getsignal(signal.SIGINT)
        ex = ProcessExecutor(workers=2)
        os.kill(os.getpid(), signal.SIGINT)
        print("recorded")
        try:
            list(ex.imap_unordered(abs, range(-1000, 0)))
        except KeyboardInterrupt:
            print("raised by the result loop")
        ex.close()
        os.environ["BORDERFLOW_FAULT_SIGINT"] = "shutdown"
        ex = ProcessExecutor(workers=2)
        print(sorted(ex.imap_unordered(abs, [-2, -1])))
        try:
            ex.close()
        except KeyboardInterrupt:
            print("raised by close")
        print(signal.getsignal(signal.SIGINT) is before and "handler restored")
        """
    )
    assert proc.stdout.splitlines() == [
        "recorded",
        "raised by the result loop",
        "[1, 2]",
        "raised by close",
        "handler restored",
    ], proc.stderr
    assert proc.stderr == ""


def test_a_ctrl_c_wrapped_in_another_exception_still_ends_as_an_interrupt() -> None:
    # Python 3.11 turns a KeyboardInterrupt raised in __set_name__ (pydantic models being
    # defined while the command line imports) into a RuntimeError.
    proc = _python(
        """
        import os, signal
        import borderflow.cli
        from borderflow import entry

        class Descriptor:
            def __set_name__(self, owner, name):
                os.kill(os.getpid(), signal.SIGINT)
                for _ in range(1000):
                    pass

        def command():
            class Model:
                field = Descriptor()

        borderflow.cli.main = command
        entry.main()
        """
    )
    assert (proc.returncode, proc.stderr.splitlines()) == (130, [MESSAGE])

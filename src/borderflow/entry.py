"""The `borderflow` command: Ctrl-C is taken over before the heavy imports, so an interrupt
at any moment ends with one line on stderr and exit status 130 (see borderflow.interrupts)."""

from __future__ import annotations

import os
import signal
import sys

from borderflow import interrupts


def main() -> None:
    interrupts.install()
    interrupted = False
    code: str | int | None = 0
    try:
        try:
            from borderflow.cli import main as cli_main

            cli_main()  # prints the line itself and exits 130 on a KeyboardInterrupt it sees
        except SystemExit as exc:
            code = exc.code
        finally:
            interrupts.stop_raising()
    except KeyboardInterrupt:  # before cli.main could handle it (imports), or just after
        interrupted = True
    except Exception:
        # Python 3.11 wraps one raised while a class is created (pydantic's __set_name__)
        # in a RuntimeError; any error after a Ctrl-C is that Ctrl-C's doing.
        if not interrupts.requested():
            raise
        interrupted = True
    if interrupted or (code in (0, None) and interrupts.requested()):
        # A Ctrl-C after the last safe point still ends as one: the user asked to stop.
        sys.stderr.write(interrupts.MESSAGE + "\n")
        code = 130
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # done and said so: interpreter exit stays quiet
    if code == 130:
        # A KeyboardInterrupt that passed through code a C extension runs while it is
        # imported (PyRun_String) marks the interpreter, which then ends by killing itself
        # with SIGINT whatever status is asked for (seen as status -2 in 3 of 36 trials).
        # The pool is already torn down and every file closed: leave now with status 130.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(130)
    sys.exit(code)


if __name__ == "__main__":
    main()

"""Fault injection for tests: Ctrl-C delivered at a named risky point.

BORDERFLOW_FAULT_SIGINT=<point>[,<point>...] sends SIGINT when the run reaches one of the
points: `imports` (the command line's heavy imports), `fork` (workers being started: each
new worker sends it to itself and to the parent, as soon as it is forked),
`submit` (a member handed to the pool), `write` (a member file half-written), `shutdown`
(the pool being torn down). Each point fires once. The signal goes to the whole process
group when this process leads it (as a terminal's Ctrl-C reaches workers too), else to
this process alone.
"""

from __future__ import annotations

import os
import signal

_fired: set[str] = set()


def sigint_at(point: str) -> None:
    wanted = os.environ.get("BORDERFLOW_FAULT_SIGINT")
    if not wanted or point not in wanted.split(",") or point in _fired:
        return
    _fired.add(point)
    if point == "fork":
        os.register_at_fork(after_in_child=_from_a_new_worker)
    elif os.getpgrp() == os.getpid():
        os.killpg(os.getpgrp(), signal.SIGINT)
    else:
        os.kill(os.getpid(), signal.SIGINT)


def _from_a_new_worker() -> None:
    os.kill(os.getppid(), signal.SIGINT)
    os.kill(os.getpid(), signal.SIGINT)

"""Ctrl-C (SIGINT) as a request the program acts on at known points, so it always ends.

A KeyboardInterrupt raised at an arbitrary bytecode can land inside a lock held by a
process pool's manager thread (the pool's shutdown then waits for good), in a `__del__` or
an at-fork hook (Python prints "Exception ignored" and runs on), or in the middle of
imports. So:

- `install()` (the command line's entry, before the heavy imports) sets a handler that
  raises KeyboardInterrupt once; later Ctrl-Cs while it unwinds are only recorded. Every
  Ctrl-C stays requested until `check()` raises it, so one swallowed where it landed (a
  bare `except:`, a `__del__`: see `_unraisable`) still ends the run at the next check.
- While a pool runs (`Deferral`), SIGINT is only recorded; the parent's result loop calls
  `check()` at safe points and tears the pool down deliberately.

Stdlib only: it is imported before anything heavy.
"""

from __future__ import annotations

import signal
import sys

TYPE_CHECKING = False  # typing and threading are left out: this runs before any heavy import
if TYPE_CHECKING:
    from types import FrameType
    from typing import Any

MESSAGE = "interrupted; results already on disk are intact (an ensemble resumes when run again)"

# Python runs signal handlers in the main thread only, so plain globals are enough.
_requested = False  # a Ctrl-C not yet turned into a KeyboardInterrupt
_deferred = 0  # > 0 while a pool runs: record only
_raised = False  # a KeyboardInterrupt is unwinding: record later ones only
_previous_hook = sys.unraisablehook


def _handler(signum: int, frame: FrameType | None) -> None:
    global _raised, _requested
    _requested = True  # stays set if the KeyboardInterrupt is swallowed (a bare except, a __del__)
    if _deferred or _raised:
        return
    _raised = True
    raise KeyboardInterrupt


def _unraisable(unraisable: Any) -> None:
    global _raised, _requested
    if isinstance(unraisable.exc_value, KeyboardInterrupt):
        # Landed in a __del__, a callback or an at-fork hook, where Python would print
        # "Exception ignored" and run on: keep it requested for the next check() instead.
        _raised = False
        _requested = True
        return
    _previous_hook(unraisable)


def install() -> None:
    """Take over SIGINT for this process (main thread, at the command line's entry)."""
    global _raised, _requested
    _raised = False
    _requested = False
    signal.signal(signal.SIGINT, _handler)
    sys.unraisablehook = _unraisable


def stop_raising() -> None:
    """From now on Ctrl-C is only recorded (the command has finished its work)."""
    global _raised
    _raised = True


def requested() -> bool:
    return _requested


def check() -> None:
    """A safe point: raise KeyboardInterrupt here if Ctrl-C was pressed since the last one."""
    global _raised, _requested
    if _requested:
        _requested = False
        _raised = True
        raise KeyboardInterrupt


class Deferral:
    """While a pool runs, SIGINT is only recorded (the owner calls `check()` at safe points).

    Only the main thread can set signal handlers; elsewhere this does nothing (Ctrl-C goes
    to the main thread anyway). Used without `install()` (the Python API), it sets the
    recording handler for its lifetime and puts the previous one back at `end()`.
    """

    def __init__(self) -> None:
        import threading

        self._active = threading.current_thread() is threading.main_thread()
        self._previous: Any = None
        if self._active:
            global _deferred
            _deferred += 1
            self._previous = signal.signal(signal.SIGINT, _handler)

    def end(self) -> None:
        global _deferred
        if self._active:
            self._active = False
            _deferred -= 1
            signal.signal(signal.SIGINT, self._previous)


class SigintBlocked:
    """SIGINT blocked in this thread while workers are forked (and helper threads started):
    a child starts with the parent's mask, so it has no window between the fork and ignoring
    SIGINT; a Ctrl-C meanwhile stays pending and reaches the parent's handler at exit."""

    def __enter__(self) -> None:
        self._mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})

    def __exit__(self, *exc: object) -> None:
        signal.pthread_sigmask(signal.SIG_SETMASK, self._mask)

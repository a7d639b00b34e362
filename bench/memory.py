"""Resident memory of the calling process, for the bench drivers (standard library only).

``ru_maxrss`` is no use for a child process: Linux carries it across ``execve``, so a
child of a 120 MB parent reports at least 120 MB. ``VmHWM`` in ``/proc/self/status`` is
the peak of the process's own address space; ``ru_maxrss`` is the fallback off Linux.
"""

from __future__ import annotations

import resource
from pathlib import Path

STATUS = Path("/proc/self/status")


def _status_kb(field: str) -> int | None:
    if not STATUS.exists():
        return None
    for line in STATUS.read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return None


def peak_rss_kb() -> int:
    """Peak resident set size of this process so far, in KiB."""
    return _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def rss_kb() -> int:
    """Resident set size of this process now, in KiB (the peak where that is unknown)."""
    return _status_kb("VmRSS") or peak_rss_kb()

"""Helpers for the web app's tests: a client on a fresh runs folder, and waiting for a run."""

from __future__ import annotations

import time
from typing import Any

RUN_TIMEOUT_S = 180.0  # a generous bound: a default run takes about 1 s; the machine may be busy


def wait(client: Any, run_id: str, timeout: float = RUN_TIMEOUT_S) -> dict[str, Any]:
    """Poll a run until it is done or failed (a test failure if it takes longer than `timeout`)."""
    end = time.monotonic() + timeout
    while True:
        r = client.get(f"/api/runs/{run_id}")
        assert r.status_code == 200, r.text
        data: dict[str, Any] = r.json()
        if data["status"] in ("done", "failed"):
            return data
        assert time.monotonic() < end, f"run {run_id} still {data['status']} after {timeout} s"
        time.sleep(0.05)


def start(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/api/runs", json=body)
    assert r.status_code == 202, r.text
    return wait(client, r.json()["id"])

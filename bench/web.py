"""The web app's answer times, over HTTP on 127.0.0.1: `borderflow serve`'s application in
uvicorn, asked by a plain HTTP client as the page asks it (POST a run, poll it until done).

    python bench/web.py [--repeats 3] [--members 20]

Prints the default caravan-2023 run (request to finished results and report, best and
median of --repeats, after the server's warm-up), a --members ensemble of talks-27-dec, and
the sizes of a run's report and data zip. Wall seconds and CPU seconds of this process
(server and client together: a busy machine stretches the first, not the second). Sends
requests to this machine only.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import tempfile
import threading
import time
import urllib.request
from typing import Any


def _ask(base: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        raw = r.read()
        return json.loads(raw) if r.headers.get_content_type() == "application/json" else raw


def _run(base: str, body: dict[str, Any]) -> tuple[float, float, dict[str, Any]]:
    """Wall seconds, CPU seconds of this process (server and client) and the finished run."""
    t0, c0 = time.perf_counter(), time.process_time()
    run_id = _ask(base, "/api/runs", body)["id"]
    end = t0 + 600
    while time.perf_counter() < end:
        info = _ask(base, f"/api/runs/{run_id}")
        if info["status"] in ("done", "failed"):
            return time.perf_counter() - t0, time.process_time() - c0, info
        time.sleep(0.02)
    raise TimeoutError(f"run {run_id} did not finish in 600 s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--members", type=int, default=20)
    args = ap.parse_args()
    import uvicorn

    from borderflow.web.app import create_app

    with tempfile.TemporaryDirectory(prefix="borderflow-bench-web-") as runs:
        app = create_app(runs)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        try:
            _run(base, {"days": 2})  # queued behind the warm-up: both are done when it is
            times, cpus = [], []
            for _ in range(args.repeats):
                took, cpu, info = _run(base, {"scenario": "caravan-2023"})
                assert info["status"] == "done", info["message"]
                times.append(took)
                cpus.append(cpu)
            report = _ask(base, f"/api/runs/{info['id']}/report")
            data = _ask(base, f"/api/runs/{info['id']}/data.zip")
            took_ens, cpu_ens, ens = _run(base, {"package": "talks-27-dec", "members": args.members})
            assert ens["status"] == "done", ens["message"]
        finally:
            server.should_exit = True
            thread.join(60)
    print(
        f"default run (caravan-2023, 62 days, results and report written): best {min(times):.2f} s, "
        f"median {statistics.median(times):.2f} s of {args.repeats}; CPU best {min(cpus):.2f} s"
    )
    print(f"ensemble of {args.members} members (talks-27-dec): {took_ens:.1f} s, CPU {cpu_ens:.1f} s")
    print(f"a run's report {len(report) / 1e6:.2f} MB, its data zip {len(data) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()

"""The web API fuzzed from its own OpenAPI description (schemathesis, in process): whatever
the request, valid or not, the answer is never a 5xx, never a response that breaks the
description, and never a hang (each request is timed; a watchdog ends a stuck test)."""

from __future__ import annotations

import shutil
import signal
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from borderflow.web.app import create_app

RUNS = Path(tempfile.mkdtemp(prefix="borderflow-fuzz-"))
APP = create_app(RUNS, warm_up=False, max_queued=2)  # few runs at once: most valid requests are 429
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)
MAX_SECONDS_PER_REQUEST = 10.0
WATCHDOG_S = 240  # the whole test; a hang ends here with a failure, not a stuck CI job


@pytest.fixture(scope="module", autouse=True)
def _watchdog() -> Iterator[None]:
    def stuck(*_: Any) -> None:
        raise TimeoutError(f"the fuzzing hung: still running after {WATCHDOG_S} s")

    old = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(WATCHDOG_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)
    APP.state.store.close()
    shutil.rmtree(RUNS, ignore_errors=True)


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture],
)
def test_no_server_error_no_hang(case: Any) -> None:
    t0 = time.perf_counter()
    case.call_and_validate(checks=[not_a_server_error, status_code_conformance, response_schema_conformance])
    took = time.perf_counter() - t0
    assert took < MAX_SECONDS_PER_REQUEST, f"{case.method} {case.path} took {took:.1f} s"

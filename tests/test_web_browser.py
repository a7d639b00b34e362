"""The web app in a real browser: headless Chromium (the distribution's package) driven by
Playwright against `borderflow serve`'s application on 127.0.0.1. Open the app, run, change a
policy, run again, see the charts change; export a chart as SVG and PNG; compare the two runs
side by side. No console error, and no request leaves the app. Screenshots go to
test-artifacts/ (two of them are docs/img/app-*.png in the README).

Skipped without Playwright or Chromium, except in CI (CI=true), where `make test` installs both.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_report_browser import ARTIFACTS, _chromium

TIMEOUT_MS = 120_000  # a run takes about 1 s; a busy machine may stretch it


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _chromium()  # skip (or fail in CI) before starting anything
    import uvicorn

    from borderflow.web.app import create_app

    app = create_app(tmp_path_factory.mktemp("runs"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < end, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(30)
    app.state.store.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _run(page: Any) -> str:
    """Click Run and wait for the run to finish and its report to load; returns its id."""
    page.evaluate("document.getElementById('status').textContent = ''")
    page.click("#run")
    page.wait_for_function(
        "(() => { const s = document.getElementById('status').textContent, id = document.getElementById('shown-id')"
        ".textContent; return s.includes('done in') && id && s.includes(id); })()",
        timeout=TIMEOUT_MS,
    )
    run_id: str = page.text_content("#shown-id")
    frame = page.frame_locator("#report")
    frame.locator("figure svg").first.wait_for(timeout=TIMEOUT_MS)
    assert page.get_attribute("#report", "src") == f"/api/runs/{run_id}/report"
    return run_id


def _charts(page: Any) -> dict[str, str]:
    frame = page.frame_locator("#report")
    return {
        "answer": frame.locator(".answer").inner_text(),
        "chart": frame.locator("figure:not(#map) svg").first.inner_html(),
    }


def test_change_a_policy_run_and_see_the_charts_change(browser: Any, server: str) -> None:
    context = browser.new_context(accept_downloads=True, viewport={"width": 1500, "height": 1000})
    errors: list[str] = []
    outside: list[str] = []

    def seen(route: Any) -> None:
        url = route.request.url
        if url.startswith((server, "data:", "blob:", "about:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    context.route("**/*", seen)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server + "/")
    page.wait_for_selector("#components .component")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    # a run with no policy
    page.select_option("#package", "none")
    page.fill("#seed", "5")
    first = _run(page)
    before = _charts(page)

    # the talks package, with the returns component stronger and earlier
    page.select_option("#package", "talks-27-dec")
    returns = page.locator("#components .component", has_text="returns")
    returns.locator("input[data-strength=share_per_day]").fill("0.2")
    returns.locator("input[name=start]").fill("2023-12-05")
    second = _run(page)
    assert second != first
    after = _charts(page)
    assert after["answer"] != before["answer"]
    assert after["chart"] != before["chart"]
    page.query_selector("#report").content_frame().evaluate("document.getElementById('map').scrollIntoView()")
    page.evaluate("window.scrollTo(0, 0); document.querySelector('.view').scrollTop = 0")
    page.screenshot(path=str(ARTIFACTS / "app-run.png"))

    # the report's export buttons work inside the app
    frame = page.frame_locator("#report")
    for kind, magic in (("svg", b"<svg"), ("png", b"\x89PNG\r\n\x1a\n")):
        with page.expect_download() as download:
            frame.locator(f"figure:not(#map) button[data-export={kind}]").first.click()
        assert download.value.suggested_filename.endswith(f".{kind}")
        assert Path(download.value.path()).read_bytes()[: len(magic)] == magic

    # the two runs side by side (A = the older, B = the newer: the list's defaults)
    page.click("#compare")
    page.wait_for_function("document.getElementById('verdict').textContent.length > 0", timeout=TIMEOUT_MS)
    verdict = page.text_content("#verdict")
    assert first in verdict
    assert second in verdict
    for frame_id in ("#compare-page", "#compare-a", "#compare-b"):
        page.frame_locator(frame_id).locator("figure svg").first.wait_for(timeout=TIMEOUT_MS)
    page.query_selector("#compare-page").content_frame().evaluate("document.querySelector('figure').scrollIntoView()")
    page.evaluate("window.scrollTo(0, 0); document.querySelector('.view').scrollTop = 0")
    page.screenshot(path=str(ARTIFACTS / "app-compare.png"))

    # the comparison's own charts export too
    with page.expect_download() as download:
        page.frame_locator("#compare-page").locator("figure button[data-export=png]").first.click()
    assert download.value.suggested_filename.startswith("fig-01-compare-southwest")
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # the data download
    with page.expect_download() as download:
        page.click(f"#runs tr[data-id='{second}'] a:has-text('data')")
    assert Path(download.value.path()).read_bytes()[:2] == b"PK"
    assert errors == []
    assert outside == []
    context.close()

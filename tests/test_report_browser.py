"""The report in a real browser: headless Chromium (the distribution's package) driven by
Playwright, with the network cut off. It renders with no console error, asks for nothing
over the network, the day slider redraws the map, and the PNG and SVG buttons download.
Screenshots are kept in test-artifacts/ (CI keeps that folder).

Skipped without Playwright or Chromium, except in CI (CI=true), where `make test` installs both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from test_report import TINY, _border_scenario

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("BORDERFLOW_TEST_ARTIFACTS", REPO / "test-artifacts"))


def _chromium() -> str:
    found = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser")) if p), None)
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        found = None
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but Playwright or Chromium is missing; `make test` installs them")
        pytest.skip("Playwright or Chromium not installed (make test installs them when CI=true)")
    return found


def _write(tmp: Path, *args: str) -> Path:
    proc = subprocess.run(
        [sys.executable, "-m", "borderflow.cli", *args, "--out", "out"],
        capture_output=True,
        text=True,
        cwd=tmp,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return tmp / "out" / "report.html"


@pytest.fixture(scope="module")
def browser() -> Any:
    executable = _chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _open(browser: Any, report: Path, name: str) -> tuple[Any, list[str], list[str]]:
    """The page, opened offline; console errors and every request that left the file."""
    context = browser.new_context(offline=True, accept_downloads=True, viewport={"width": 1100, "height": 900})
    errors: list[str] = []
    requests: list[str] = []

    def seen(route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            requests.append(url)
            route.abort()

    context.route("**/*", seen)
    page = context.new_page()
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"report-{name}.png"), full_page=True)
    return page, errors, requests


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("run", lambda tmp: ("run", str(_border_scenario(tmp)), "--policy", "enforce")),
        ("run-observed", lambda tmp: ("run", str(TINY))),
        ("compare", lambda tmp: ("compare", str(_border_scenario(tmp)), "-p", "none", "-p", "enforce", "--seeds", "2")),
        (
            "ensemble",
            lambda tmp: ("ensemble", str(_border_scenario(tmp)), "-n", "3", "--serial", "-p", "none", "-p", "enforce"),
        ),
    ],
)
def test_report_renders_offline_without_errors(browser: Any, tmp_path: Path, name: str, args: Any) -> None:
    report = _write(tmp_path, *args(tmp_path))
    page, errors, requests = _open(browser, report, name)
    assert errors == []
    assert requests == []
    # every chart drew: an SVG with a size on screen
    sizes = page.eval_on_selector_all("figure svg", "els => els.map(e => e.getBoundingClientRect().height)")
    assert sizes
    assert min(sizes) > 50
    # the slider moves the map to the first day
    page.eval_on_selector("#map-day", "el => { el.value = 0; el.dispatchEvent(new Event('input')); }")
    assert page.text_content("#map-date") == page.evaluate(
        "JSON.parse(document.getElementById('map-data').textContent).dates[0]"
    )
    page.context.close()


def test_map_follows_the_day_and_charts_export(browser: Any, tmp_path: Path) -> None:
    report = _write(tmp_path, "run", str(_border_scenario(tmp_path)), "--policy", "enforce")
    page, errors, _ = _open(browser, report, "run-exports")
    data = page.evaluate("JSON.parse(document.getElementById('map-data').textContent)")
    people = data["variants"]["run"]["population"]
    k = max(range(len(people)), key=lambda j: max(people[j]) - min(people[j]))  # the place that changes most
    circle = f'#map-svg circle[data-layer="population"][data-k="{k}"]'
    radii = {}
    for day in (
        int(min(range(len(people[k])), key=lambda t: people[k][t])),
        int(max(range(len(people[k])), key=lambda t: people[k][t])),
    ):
        page.eval_on_selector("#map-day", f"el => {{ el.value = {day}; el.dispatchEvent(new Event('input')); }}")
        radii[day] = float(page.get_attribute(circle, "r"))
    low, high = sorted(radii, key=lambda d: people[k][d])
    assert radii[low] < radii[high]
    for kind, magic in (("png", b"\x89PNG\r\n\x1a\n"), ("svg", b"<svg")):
        with page.expect_download() as download:
            page.click(f"figure:not(#map) button[data-export={kind}]")
        saved = Path(download.value.path())
        assert download.value.suggested_filename.endswith(f".{kind}")
        assert saved.read_bytes()[: len(magic)] == magic
    with page.expect_download() as download:
        page.click("#map button[data-export=png]")
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert errors == []
    page.context.close()


def test_backtest_report_renders_offline_without_errors(browser: Any, backtest_folder: Path) -> None:
    """The backtest's report: no console error, no request, every chart drawn, the verdict first."""
    page, errors, requests = _open(browser, backtest_folder / "report.html", "backtest")
    assert errors == []
    assert requests == []
    sizes = page.eval_on_selector_all("figure svg", "els => els.map(e => e.getBoundingClientRect().height)")
    assert len(sizes) == 10  # the Southwest total and nine sectors
    assert min(sizes) > 50
    answer = page.text_content(".answer") or ""
    assert "under as-enacted" in answer
    assert page.eval_on_selector(".answer", "el => el.getBoundingClientRect().top") < 400  # on the first screen
    with page.expect_download() as download:
        page.click("figure button[data-export=png]")
    assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.context.close()

"""The explorer in a real browser: `workforce explore` serves it, headless Chromium moves the training-subsidy
quota, the Δ trainees figure follows in the right direction, no console error, no request leaves the machine;
a screenshot is kept in out/test-artifacts/ (the README's is docs/explorer_zh.png)."""

import re
import socket
import subprocess
import sys
import time

import pytest

from tests.browser import ARTIFACTS, chromium_page, needs_chromium

QUOTA = ".setting-levers-training_subsidy-annual_quota-values-2020-01 input"
pytestmark = needs_chromium


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(tmp_path):
    port = free_port()
    log = tmp_path / "explore.log"
    with log.open("w") as sink:
        server = subprocess.Popen([sys.executable, "-m", "model.cli", "explore", "--port", str(port), "--no-open",
                                   "--scale", "0.001", "--end", "2022-12"], cwd=tmp_path, stdout=sink, stderr=sink)
    try:
        for _ in range(120):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert server.poll() is None, log.read_text()
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/"
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_moving_the_quota_updates_the_trainees_offline_without_errors(served):
    from playwright.sync_api import expect

    with chromium_page(1500, 1100) as watched:
        page = watched.page
        page.goto(served)
        trainees = page.locator("[data-kpi=delta_trainees_total]")
        trainees.wait_for(timeout=300_000)
        before = float(trainees.get_attribute("data-value"))
        shown = page.locator("[data-updated]").get_attribute("data-updated")
        box = page.locator(QUOTA).first
        box.fill("0")
        box.press("Enter")
        # Panel draws in shadow roots, which document.querySelector does not enter but locators do
        expect(page.locator("[data-updated]")).not_to_have_attribute("data-updated", shown, timeout=300_000)
        after = float(page.locator("[data-kpi=delta_trainees_total]").get_attribute("data-value"))
        charts = page.locator(".js-plotly-plot").count()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "explorer_zh.png"))
    assert after < before, (before, after)  # no quota: fewer subsidised trainees than with 120,000 a year
    assert charts >= 3
    local = re.compile(r"^(https?|wss?)://(127\.0\.0\.1|localhost)(:\d+)?/|^(blob|data):")
    assert [url for url in watched.requests if not local.match(url)] == []
    assert watched.errors == []

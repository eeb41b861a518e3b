"""Headless Chromium for the browser tests (Debian's package, installed by .ci/run): a page that records every
request it makes and every console or page error."""

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent.parent / "out" / "test-artifacts"  # screenshots kept by the tests

needs_chromium = pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                                    reason="Chromium is not installed (.ci/run installs it; apt-get install chromium)")


@dataclass
class Watched:
    page: object  # playwright's Page
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@contextmanager
def chromium_page(width: int, height: int) -> Iterator[Watched]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM, "Chromium is required in CI"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        watched = Watched(browser.new_page(viewport={"width": width, "height": height}))
        watched.page.on("request", lambda request: watched.requests.append(request.url))
        watched.page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
        watched.page.on("pageerror", lambda error: watched.errors.append(str(error)))
        try:
            yield watched
        finally:
            browser.close()

"""The report in a real browser: headless Chromium (Debian's package, installed by .ci/run) opens it
offline, every chart draws, no network request is made, no console error is logged; a screenshot of
each language is kept in out/test-artifacts/."""

import re

import pytest

from tests.browser import ARTIFACTS, chromium_page, needs_chromium
from tests.test_report import HOSTILE, comparison_dir, sweep_dir  # noqa: F401 - the shared small comparison and sweep

pytestmark = needs_chromium


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_draws_every_chart_offline_in_chromium(comparison_dir, sweep_dir, tmp_path, lang):  # noqa: F811
    from model.reporting.report import write_report

    path = tmp_path / f"report_{lang}.html"
    write_report(comparison_dir, path, lang, sweep=sweep_dir if lang == "zh" else None)
    charts = 9 if lang == "zh" else 8  # the Chinese report also shows the sweep's policy surface
    with chromium_page(1280, 900) as watched:
        page = watched.page
        page.goto(path.as_uri())
        page.wait_for_function(f"document.querySelectorAll('.js-plotly-plot').length >= {charts}", timeout=60_000)
        svgs_per_chart = page.evaluate(
            "Array.from(document.querySelectorAll('[id^=chart-]')).map(d => d.querySelectorAll('svg').length)")
        visible = page.evaluate("document.body.innerText")
        regions = page.evaluate("['chart-6', 'chart-7'].map(id => document.getElementById(id).data"
                                ".filter(t => t.fill === 'toself' && t.visible !== false).length)")
        ticks = page.evaluate("Array.from(document.querySelectorAll('.xtick text, .ytick text, .cbaxis text'))"
                              ".map(t => t.textContent)")
        titles = page.evaluate("Array.from(document.querySelectorAll('h1, h2, h3, th, .gtitle, .xtitle, .ytitle,"
                               " .annotation-text')).map(t => t.textContent)")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"report_{lang}.png"), full_page=True)
    assert len(svgs_per_chart) == charts and all(n > 0 for n in svgs_per_chart), svgs_per_chart
    assert [url for url in watched.requests if not url.startswith("file://")] == []
    assert watched.errors == []
    assert regions == [13, 13]  # each map draws Jiangsu's 13 prefecture-level cities
    assert ticks and not [t for t in [*ticks, *visible.split()] if re.search(r"\d[eE][+-]\d", t)]  # no e+ anywhere
    assert not [t for t in ticks if re.fullmatch(r"[−-]?[\d.,]+[kMGTB]", t)], ticks  # no 150k, 1.5G on an axis
    if lang == "zh":  # every heading and axis title carries Chinese, not only ASCII ids
        ascii_only = [t for t in titles if t.strip() and t.isascii() and not re.fullmatch(r"[\d\s.,:%()–-]+", t)]
        unlabelled = [t for t in ascii_only if t != HOSTILE]  # the options' names are the user's
        assert unlabelled == [], unlabelled

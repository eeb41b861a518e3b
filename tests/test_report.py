"""The policy-options report: self-contained, bilingual, escaped, with every chart and a spreadsheet."""

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from model import categories as cat
from model import compare
from model.kpis import KPI_IDS
from model.labels import LABELS, label, number
from model.levers import LEVER_IDS
from model.report import write_report
from model.runner import write_results
from model.scenario import Scenario, load_scenario

REPO = Path(__file__).resolve().parent.parent
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def comparison_dir(tmp_path_factory):
    base = Scenario(name="baseline", period={"end": "2020-06"})
    reform = load_scenario(REPO / "scenarios" / "reform_2020.yaml").with_period(end="2020-06")
    reform = reform.model_copy(update={"name": HOSTILE, "description": "pay & <b>bold</b> claims"})
    result = compare(base, [reform], seeds=2, scale=0.0005, workers=1)
    out = tmp_path_factory.mktemp("cmp")
    write_results(out, {"effects.parquet": lambda p: result.effects.to_parquet(p, index=False),
                        "headline.csv": lambda p: result.headline.to_csv(p, index=False)}, result.manifest)
    return out


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    """A small training-subsidy x pay-parity grid, paired with the baseline."""
    from test_sweep import write_experiment

    from model import sweep

    directory = tmp_path_factory.mktemp("sweep")
    experiment = write_experiment(directory, scale=0.0005, period={"start": "2020-01", "end": "2021-03"})
    sweep(experiment, directory / "store", workers=1)
    return directory / "store"


def test_a_sweep_adds_its_policy_surface_to_the_report(comparison_dir, sweep_dir, tmp_path):
    out = tmp_path / "report.html"
    result = subprocess.run([sys.executable, "-m", "model.cli", "report", str(comparison_dir), "-o", str(out),
                             "--sweep", str(sweep_dir)], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert sorted(set(re.findall(r'id="chart-(\d)"', page))) == ["0", "1", "2", "3", "4", "5", "6"]
    assert "敏感性分析与政策曲面" in page and '"type":"heatmap"' in page


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_is_self_contained_escaped_and_draws_every_chart(comparison_dir, tmp_path, lang):
    out = tmp_path / f"report_{lang}.html"
    write_report(comparison_dir, out, lang)
    page = out.read_text(encoding="utf-8")
    assert HOSTILE not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=|@import", page)  # nothing fetched from anywhere
    charts = re.findall(r'id="chart-(\d)"', page)
    assert sorted(set(charts)) == ["0", "1", "2", "3", "4", "5"]
    assert page.count("Plotly.newPlot") >= 6
    expected = ("高技能人才", "苏南", "培训补贴", "方法说明") if lang == "zh" else (
        "High-skill workers", "South (Sunan)", "Training subsidy", "Methods")
    for text in expected:  # in the page's text, or JSON-escaped in a chart's data
        assert text in page or text.encode("unicode_escape").decode() in page, text


def test_the_spreadsheet_has_the_headline_and_effects_by_group(comparison_dir, tmp_path):
    xlsx = tmp_path / "report.xlsx"
    write_report(comparison_dir, tmp_path / "r.html", "en", xlsx)
    sheets = pd.read_excel(xlsx, sheet_name=None)
    assert set(sheets) == {"headline", "effects_by_group"}
    assert sheets["headline"].scenario.tolist() == [HOSTILE]
    by_group = sheets["effects_by_group"]
    assert {"region", "sector", "age_band"} <= set(by_group.dimension) and "group_label" in by_group


def test_a_directory_without_a_comparison_is_a_one_line_error(tmp_path):
    result = subprocess.run([sys.executable, "-m", "model.cli", "report", str(tmp_path), "-o",
                             str(tmp_path / "r.html")], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "not a comparison directory" in result.stderr and not (tmp_path / "r.html").exists()


def test_every_kpi_lever_region_city_sector_and_grade_has_both_labels():
    for key in (*KPI_IDS, *LEVER_IDS, *cat.REGIONS, *cat.CITY_IDS, *cat.SECTORS, *cat.GRADES, *cat.AGE_BANDS,
                *cat.MIGRANT_GENERATIONS, "fiscal_cost_yuan"):
        assert key in LABELS, key
        assert label(key, "zh") != label(key, "en") or key in cat.AGE_BANDS, key


def test_numbers_are_formatted_for_each_language():
    assert number(45_500, "zh") == "4.55万" and number(3.2e8, "zh") == "3.2亿"
    assert number(1.5e9, "en") == "1.5 bn" and number(4.55e6, "en") == "4.55 M" and number(12_345, "en") == "12,345"
    assert number(float("nan"), "zh") == "–"

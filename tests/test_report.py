"""The policy-options report: self-contained, bilingual, escaped, with every chart and a spreadsheet."""

import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from model import compare
from model.engine import categories as cat
from model.levers import LEVER_IDS
from model.outputs.kpis import KPI_IDS
from model.reporting.labels import LABELS, label, number
from model.reporting.report import write_report
from model.reporting.spreadsheet import write_spreadsheet
from model.scenario import Scenario, load_scenario

REPO = Path(__file__).resolve().parent.parent
HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def comparison_dir(tmp_path_factory):
    base = Scenario(name="baseline", period={"end": "2021-03"})  # the period and scale of sweep_dir
    reform = load_scenario(REPO / "scenarios" / "reform_2020.yaml").with_period(end="2021-03")
    reform = reform.model_copy(update={"name": HOSTILE, "description": "pay & <b>bold</b> claims"})
    result = compare(base, [reform], seeds=2, scale=0.0005, workers=1)
    out = tmp_path_factory.mktemp("cmp")
    result.write(out)
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
    assert sorted(set(re.findall(r'id="chart-(\d)"', page))) == [str(k) for k in range(9)]
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
    assert sorted(set(charts)) == [str(k) for k in range(8)]
    assert page.count("Plotly.newPlot") >= 8
    assert '"exponentformat":"none"' in page  # no 150k or 1.5G on an axis
    expected = ("高技能人才", "苏南", "培训补贴", "方法说明", "万人", "百分点") if lang == "zh" else (
        "Additional high-skill workers", "South (Sunan)", "Training subsidy", "Methods", "percentage points")
    for text in expected:  # in the page's text, or JSON-escaped in a chart's data
        assert text in page or text.encode("unicode_escape").decode() in page, text


def test_the_spreadsheet_is_labelled_formatted_and_holds_every_table(comparison_dir, tmp_path):
    import openpyxl

    english = ("ranking", "headline", "annual", "effects_by_group", "costs", "provenance")
    chinese = ("方案排名", "主要结果", "年度走势", "分组效果", "成本", "数据来源")
    for lang, sheets_named, option, unit in (("en", english, "Option", "Unit"), ("zh", chinese, "方案", "单位")):
        xlsx = tmp_path / f"report_{lang}.xlsx"
        write_report(comparison_dir, tmp_path / "r.html", lang, xlsx)
        sheets = pd.read_excel(xlsx, sheet_name=None)
        assert tuple(sheets) == sheets_named
        headline = sheets[sheets_named[1]]
        assert set(headline[option]) == {HOSTILE} and unit in headline
        assert not any(re.fullmatch(r"[a-z_]+", str(c)) for sheet in sheets.values() for c in sheet.columns)
        by_group = sheets[sheets_named[3]]
        assert by_group.iloc[:, 5].nunique() >= 1 and len(by_group) > len(sheets[sheets_named[2]])
        book = openpyxl.load_workbook(xlsx)
        for sheet in book:
            assert sheet.freeze_panes in ("A2", "B2")
            assert all((sheet.column_dimensions[c].width or 0) >= 8 for c in "AB")
        money = [c for c in book[sheets_named[4]][2] if isinstance(c.value, float)]
        assert money and all(c.number_format == "#,##0" for c in money)
        ranking = book[sheets_named[0]]
        formats = {ranking.cell(1, k).value: ranking.cell(2, k).number_format for k in range(1, ranking.max_column + 1)}
        assert [f for header, f in formats.items() if "P(first" in header or "概率" in header] == ["0%", "0%"]
    csv = tmp_path / "out.csv"
    write_spreadsheet(comparison_dir, csv, "en")
    for part in ("", "_by_group", "_ranking", "_annual", "_costs", "_provenance"):
        assert (tmp_path / f"out{part}.csv").exists(), part
    assert "delta_high_skill_workers" in pd.read_csv(csv).columns  # the CSV bundle keeps machine-readable ids


def test_a_sweep_of_another_scale_or_period_is_refused_unless_allowed(comparison_dir, sweep_dir, tmp_path):
    import json
    import shutil

    other = tmp_path / "other"
    shutil.copytree(comparison_dir, other)
    manifest = json.loads((other / "manifest.json").read_text())
    (other / "manifest.json").write_text(json.dumps({**manifest, "scale": 0.01}))
    out = tmp_path / "r.html"
    command = [sys.executable, "-m", "model.cli", "report", str(other), "-o", str(out), "--sweep", str(sweep_dir)]
    refused = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "scale 0.0005" in refused.stderr and "--allow-mismatch" in refused.stderr and not out.exists()
    assert not list(tmp_path.glob(".*partial*"))
    allowed = subprocess.run([*command, "--allow-mismatch"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert allowed.returncode == 0 and out.exists()


def test_a_run_folder_or_a_partial_comparison_is_refused_and_nothing_written(comparison_dir, tmp_path):
    import shutil

    from model.experiments.runner import simulate, write_run

    single = tmp_path / "run"
    write_run(single, simulate(Scenario(name="baseline", period={"end": "2020-02"}), scale=0.0005, seed=0))
    partial = tmp_path / "partial"
    shutil.copytree(comparison_dir, partial)
    effects = pd.read_parquet(partial / "effects.parquet")
    effects.iloc[:0].to_parquet(partial / "effects.parquet", index=False)  # the effects of no option
    for directory, said in ((single, "not a comparison directory"), (partial, "partial or mixed comparison")):
        out = tmp_path / f"{directory.name}.html"
        result = subprocess.run([sys.executable, "-m", "model.cli", "report", str(directory), "-o", str(out),
                                 "--xlsx", str(tmp_path / f"{directory.name}.xlsx")],
                                capture_output=True, text=True, cwd=REPO, timeout=300)
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert said in result.stderr and not out.exists() and not (tmp_path / f"{directory.name}.xlsx").exists()


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


def test_every_calibration_target_has_both_labels():
    """The report's methods table names each target in the reader's language, not by its id."""
    from model.calibration.targets import load_targets

    for name in load_targets():
        assert f"target_{name}" in LABELS, name
        assert label(f"target_{name}", "zh") != label(f"target_{name}", "en"), name


def test_numbers_are_formatted_for_each_language():
    assert number(45_500, "zh") == "4.55万" and number(3.2e8, "zh") == "3.2亿"
    assert number(1.5e9, "en") == "1.5 bn" and number(4.55e6, "en") == "4.55 M" and number(12_345, "en") == "12,345"
    assert number(float("nan"), "zh") == "–"
    assert number(8.2e11, "zh") == "8,200亿" and number(5.92e7, "zh") == "5,920万" and number(1.2e12, "zh") == "1.2万亿"
    assert number(1.2e12, "en") == "1.2 tn" and number(-2.6e9, "en") == "-2.6 bn"
    for power in range(-6, 21):  # never scientific notation, whatever the size
        for lang in ("zh", "en"):
            assert "e" not in number(1.234 * 10.0**power, lang).replace(" bn", "").replace(" M", "").replace(" tn", "")


def renamed(comparison_dir: Path, folder: Path, name: str) -> Path:
    """A copy of the comparison whose option is called `name` in every file (as if its scenario were)."""
    import json
    import shutil

    shutil.copytree(comparison_dir, folder)
    for file, read, write in (("headline.csv", pd.read_csv, lambda f, p: f.to_csv(p, index=False)),
                              ("effects.parquet", pd.read_parquet, lambda f, p: f.to_parquet(p, index=False))):
        frame = read(folder / file)
        frame["scenario"] = name
        write(frame, folder / file)
    manifest = json.loads((folder / "manifest.json").read_text())
    runs = {key if key == manifest["baseline"] else name: value for key, value in manifest["runs"].items()}
    for run in runs[name]:
        run["scenario"]["name"] = name
    (folder / "manifest.json").write_text(json.dumps({**manifest, "runs": runs, "reforms": [name]}))
    return folder


@pytest.mark.parametrize("formula", ['=HYPERLINK("http://example.com","x")', "@SUM(1+1)", "+1", "-cmd"])
def test_a_scenario_name_that_looks_like_a_formula_stays_text_in_the_spreadsheet_and_csv(comparison_dir, tmp_path,
                                                                                          formula):
    """OWASP CSV injection: names starting with = + - @ are written with a leading apostrophe."""
    import openpyxl

    hostile = renamed(comparison_dir, tmp_path / "cmp", formula)
    write_spreadsheet(hostile, tmp_path / "out.xlsx", "zh")
    book = openpyxl.load_workbook(tmp_path / "out.xlsx")
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert not any(c.value.startswith(("=", "+", "-", "@")) for c in cells)
    assert any(c.value == f"'{formula}" for c in cells)
    write_spreadsheet(hostile, tmp_path / "out.csv", "en")
    for path in tmp_path.glob("out*.csv"):
        text = path.read_text(encoding="utf-8")
        assert not any(f"{sep}{start}" in text for sep in ("\n", ",") for start in "=+@"), path


def test_html_in_a_scenario_name_is_shown_as_text_in_the_charts_not_as_a_live_link(comparison_dir, tmp_path):
    from model.reporting.report import build_report

    link = '<a href="http://example.com">click</a>'
    page = build_report(renamed(comparison_dir, tmp_path / "cmp", link), "en")
    assert link not in page and '\\u003ca href' not in page and "&lt;a href" in page


def test_a_scenario_name_with_rich_markup_is_printed_as_it_is(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("name: '[bold]x[/] [link=http://e.com]y[/link] [/]'\nperiod: {end: 2020-02}\n",
                        encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "model.cli", "run", str(scenario), "--scale", "0.0005",
                             "--out", str(tmp_path / "out")], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stderr
    assert "[bold]x[/] [link=http://e.com]y[/link] [/]" in result.stderr


def test_each_report_language_shows_the_options_own_names_and_descriptions(tmp_path):
    base = load_scenario(REPO / "scenarios" / "baseline.yaml").with_period(end="2020-03")
    parity = load_scenario(REPO / "scenarios" / "lever_pay_parity.yaml").with_period(end="2020-03")
    result = compare(base, [parity], seeds=2, scale=0.0005, workers=1)
    out = tmp_path / "cmp"
    result.write(out)
    pages = {}
    for lang in ("zh", "en"):
        write_report(out, tmp_path / f"{lang}.html", lang)
        pages[lang] = (tmp_path / f"{lang}.html").read_text(encoding="utf-8")
    zh_text, en_text = parity.description.zh[:20], parity.description.en[:40]
    assert "<h3>技能与工程待遇贯通</h3>" in pages["zh"] and zh_text in pages["zh"] and en_text not in pages["zh"]
    assert "<h3>pay parity</h3>" in pages["en"] and en_text in pages["en"] and zh_text not in pages["en"]
    assert "基准情景: 基准情景" not in pages["zh"] and "基准情景：基准情景" not in pages["zh"]


def test_the_reading_guide_gives_each_option_a_paragraph_from_its_numbers(comparison_dir):
    from model.reporting.report import build_report

    headline = pd.read_csv(comparison_dir / "headline.csv")
    for lang, heading, noise_only in (("zh", "阅读指南", "只计入模拟随机误差"),
                                      ("en", "Reading guide", "simulation noise only")):
        page = build_report(comparison_dir, lang)
        guide = page[page.index(heading):page.index("<h2>", page.index(heading))]
        assert guide.count("<p>") == len(headline)
        assert number(headline.delta_high_skill_workers.iloc[0], lang) in guide  # written from the numbers
        assert noise_only in guide  # without --posterior it says the intervals are seed noise only


def test_who_pays_stacks_programmes_and_employers_not_their_variance_shares():
    from model.reporting.report import _who_pays

    headline = pd.DataFrame({"scenario": ["a"], "fiscal_cost_yuan_training_subsidy": [1e9],
                             "fiscal_cost_yuan_training_subsidy_share_noise": [0.5],
                             "fiscal_cost_yuan_training_subsidy_share_fitted": [0.5],
                             "employer_cost_yuan_total": [2e9]})
    names = [trace.name for trace in _who_pays(headline, "en").data]
    assert names == [f"{label('fiscal', 'en')}: {label('training_subsidy', 'en')}", label("employer", "en")]


def test_the_report_shows_the_fit_the_comparison_recorded_not_todays(comparison_dir, tmp_path):
    """A comparison records the point fit its runs used; its report shows that one even after a refit."""
    import json
    import shutil

    from model.reporting.report import build_report

    assert "下表并不描述这些运行" not in build_report(comparison_dir, "zh")
    earlier = tmp_path / "earlier"
    shutil.copytree(comparison_dir, earlier)
    manifest = json.loads((earlier / "manifest.json").read_text())
    manifest["calibration_fit"]["objective"] = 98.7  # as if fitted otherwise when the comparison ran
    manifest["calibration_fit"]["date"] = "2019-07-01"
    (earlier / "manifest.json").write_text(json.dumps(manifest))
    page = build_report(earlier, "en")
    assert "objective 98.7" in page and "2019-07-01" in page and "does not describe" not in page


def test_the_report_names_the_parameters_the_data_do_not_pin_down_with_the_values_the_runs_used(comparison_dir,
                                                                                                 tmp_path):
    """The methods say which parameters the point fit leaves at a stated value, with the value the runs recorded."""
    import json
    import shutil

    from model.calibration.priors import NOT_IDENTIFIED
    from model.reporting.labels import label
    from model.reporting.report import build_report

    changed = tmp_path / "changed"
    shutil.copytree(comparison_dir, changed)
    manifest = json.loads((changed / "manifest.json").read_text())
    for run in manifest["runs"][manifest["baseline"]]:
        run["parameters"]["migrant_exit_rate_monthly"] = 0.00777
    (changed / "manifest.json").write_text(json.dumps(manifest))
    for lang in ("zh", "en"):
        line = build_report(changed, lang).split(label("not_identified", lang))[1][:600]
        assert all(label(name, lang) in line for name in NOT_IDENTIFIED), line
        assert f"{label('migrant_exit_rate_monthly', lang)} 0.00777" in line


def test_the_report_names_the_fitted_parameters_the_joint_recovery_of_its_fit_missed(comparison_dir, tmp_path,
                                                                                        monkeypatch):
    """The methods name the fitted parameters that calibration/recovery.csv, run at the fit the comparison used,
    missed by more than RECOVERED_WITHIN of their range, with the miss; a comparison under another fit says nothing
    of that recovery."""
    import json
    import shutil

    from model.calibration import fit
    from model.calibration.fit import RECOVERED_WITHIN, RECOVERY_FILE, not_recovered_at
    from model.reporting.report import build_report

    assert f"{RECOVERED_WITHIN:.0%}" in label("not_recovered", "zh") and f"{RECOVERED_WITHIN:.0%}" in label(
        "not_recovered", "en")
    manifest = json.loads((comparison_dir / "manifest.json").read_text())
    fitted = manifest["calibration_fit"]["parameters"]
    rows = pd.read_csv(RECOVERY_FILE)
    shipped = not_recovered_at(fitted)
    assert shipped is not None, "the shipped recovery.csv is not a recovery of the shipped fit"
    assert shipped == {r.parameter: r.error_share_of_range for r in rows.itertuples()
                       if r.error_share_of_range > RECOVERED_WITHIN}
    for lang in ("zh", "en"):
        assert (label("not_recovered", lang) in build_report(comparison_dir, lang)) == bool(shipped)
    # a recovery of this fit that missed one parameter by 30% of its range
    missing = rows.copy()
    missing.loc[0, "error_share_of_range"] = 0.3
    stored = tmp_path / "recovery.csv"
    missing.to_csv(stored, index=False)
    monkeypatch.setattr(fit, "not_recovered_at", lambda parameters: not_recovered_at(parameters, stored))
    name = missing.parameter[0]
    for lang in ("zh", "en"):
        page = build_report(comparison_dir, lang)
        assert label("not_recovered", lang) in page
        line = page.split(label("not_recovered", lang))[-1][:800]
        assert label(name, lang) in line and "30%" in line, line
    other = tmp_path / "other"
    shutil.copytree(comparison_dir, other)
    manifest["calibration_fit"]["parameters"] = {**fitted, name: fitted[name] + 0.1}
    (other / "manifest.json").write_text(json.dumps(manifest))
    assert label("not_recovered", "en") not in build_report(other, "en")


def test_the_methods_name_how_the_fit_the_comparison_used_was_searched(comparison_dir, tmp_path):
    """fitted.yaml records the search (a global one, or `calibrate --from-fit`'s local one); the comparison's
    manifest carries it and the methods say which, in both languages."""
    import json
    import shutil

    from model.calibration.fit import GLOBAL_METHOD, LOCAL_METHOD
    from model.calibration.inputs import point_fit
    from model.reporting.report import build_report

    assert point_fit()["method"] in (GLOBAL_METHOD, LOCAL_METHOD)
    manifest = json.loads((comparison_dir / "manifest.json").read_text())
    for method, key in ((GLOBAL_METHOD, "calibration_method"), (LOCAL_METHOD, "calibration_method_local")):
        other = tmp_path / key
        shutil.copytree(comparison_dir, other)
        manifest["calibration_fit"]["method"] = method
        (other / "manifest.json").write_text(json.dumps(manifest))
        for lang in ("zh", "en"):
            page = build_report(other, lang)
            assert label(key, lang) in page
            unused = "calibration_method" if key == "calibration_method_local" else "calibration_method_local"
            assert label(unused, lang) not in page


def test_a_report_whose_runs_used_other_fitted_values_than_the_fit_shown_says_so(comparison_dir, tmp_path):
    """Runs under other fitted values than the fit shown: a comparison made before comparisons recorded their fit
    (the report falls back on today's), or one whose runs changed fitted parameters."""
    import json
    import shutil

    from model.reporting.report import build_report

    old = tmp_path / "old"
    shutil.copytree(comparison_dir, old)
    manifest = json.loads((old / "manifest.json").read_text())
    del manifest["calibration_fit"]  # made before comparisons recorded their fit
    for run in manifest["runs"][manifest["baseline"]]:
        run["parameters"]["quit_base_logit"] += 0.5  # as if run under an earlier fit
    (old / "manifest.json").write_text(json.dumps(manifest))
    page = build_report(old, "en")
    assert "does not describe" in page and "quit_base_logit" in page.split("does not describe")[1][:400]
    assert "下表并不描述这些运行" in build_report(old, "zh")


def test_user_text_anywhere_in_the_report_is_shown_as_text_not_markup(comparison_dir, tmp_path):
    """The templates autoescape: a baseline name, a scenario file and a commit with markup and quotes read as
    written, in the page and in the explorer's summary cards."""
    import json
    import shutil
    from html.parser import HTMLParser

    from model.experiments.comparison_files import load_comparison
    from model.reporting.report import build_report, summary_cards

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.text, self.tags = [], []

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)

        def handle_data(self, data):
            self.text.append(data)

    marked = "<i>mine</i> & \"theirs\" 'x'"
    folder = tmp_path / "cmp"
    shutil.copytree(comparison_dir, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    for run in manifest["runs"][manifest["baseline"]]:
        run["scenario"] |= {"name": f"base {marked}", "file": f"{marked}.yaml"}
        run["git"] = {"commit": "<u>c</u>", "dirty": True}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    _, headline, saved = load_comparison(folder)
    for html_text in (build_report(folder, "en"), summary_cards(headline, saved, "en")):
        parsed = Text()
        parsed.feed(html_text)
        shown = "".join(parsed.text)
        assert "<i>" not in html_text and "<u>" not in html_text and HOSTILE not in html_text
        assert not {"i", "u"} & set(parsed.tags)
        assert "pay & <b>bold</b> claims" in shown and HOSTILE in shown  # the option's own name and description
    page = Text()
    page.feed(build_report(folder, "en"))
    shown = "".join(page.text)
    assert f"Baseline: base {marked}" in shown and f"{marked}.yaml" in shown and "<u>c</u> (dirty)" in shown


def test_the_methods_quote_the_private_wage_growth_gap_the_runs_used_and_the_fits_simulated_gap(comparison_dir,
                                                                                                 tmp_path):
    """The methods state the private employers' schedule gap the comparison's runs recorded and the gap the point
    fit simulated over 2016-2020 (calibration/fitted.yaml), in both languages."""
    import json
    import shutil

    from model.calibration.inputs import load_calibration, point_fit
    from model.reporting.report import build_report

    held = -100 * load_calibration().scalar("wage_growth_gap_private_per_year")
    simulated = 100 * point_fit()["targets"]["wage_growth_gap_private_2015_2020"]["simulated"]
    for lang in ("zh", "en"):
        text = build_report(comparison_dir, lang)
        assert f"{held:.1f}" in text and f"{simulated:+.1f}" in text
    changed = tmp_path / "changed"
    shutil.copytree(comparison_dir, changed)
    manifest = json.loads((changed / "manifest.json").read_text())
    for run in manifest["runs"][manifest["baseline"]]:
        run["parameters"]["wage_growth_gap_private_per_year"] = -0.0275
    (changed / "manifest.json").write_text(json.dumps(manifest))
    assert "2.8 points a year less" in build_report(changed, "en")

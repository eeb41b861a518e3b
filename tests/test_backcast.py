"""The backcast start: the population margins of a month before 2020 from published figures, the baseline run
from it to 2020, and statistics over the calendar years a target names."""

import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from model.calibration.backcast import BACKCAST_FILE, SURVEY_BAND_ENDS_YEARS, SURVEY_BANDS, backcast
from model.calibration.inputs import StructureEntry, load_calibration, read_entries
from model.calibration.targets import (
    CALIBRATION_START,
    FROM_BASE,
    STATISTICS,
    calibration_run,
    load_targets,
    simulated_statistics,
    statistics_from_kpis,
    window_key,
)
from model.engine import categories as cat
from model.engine.calendar import month_index
from model.engine.employers import schedule_growth_by_ownership
from model.engine.workforce_model import WorkforceModel
from model.errors import InputError
from model.scenario import load_scenario
from tests.conftest import REPO, short_scenario


def _survey_shares(bands: dict[str, float]) -> np.ndarray:
    """The model's bands summed into the survey's bands (which they split at the edges)."""
    out = np.zeros(len(SURVEY_BANDS))
    for band, share in bands.items():
        out[int(np.searchsorted(SURVEY_BAND_ENDS_YEARS, int(band.split("-")[0]), side="right"))] += share
    return out


def test_the_backcast_start_takes_the_published_figures_of_its_month():
    base = load_calibration()
    start = backcast(base, "2016-01")
    assert start.start == "2016-01" and base.start == "2020-01"
    figures = read_entries(BACKCAST_FILE, StructureEntry)
    ages = figures["migrant_age_composition"].value
    # January 2016 lies half-way between the survey's 2015 and 2016 figures (each taken at mid-year)
    expected = np.array([(ages["2015"][b] + ages["2016"][b]) / 2 for b in SURVEY_BANDS])
    np.testing.assert_allclose(_survey_shares(start.value("migrant_age_bands")), expected / expected.sum(), atol=1e-9)
    grades = start.shares("grade_shares", cat.GRADES)
    high = grades[cat.HIGH_SKILL_GRADE:].sum()
    assert grades[1:].sum() == pytest.approx(base.shares("grade_shares", cat.GRADES)[1:].sum())
    assert high / grades[1:].sum() == pytest.approx(0.28 + (0.328 - 0.28) * 60 / 120)  # end-2015 on the 2010-2020 line
    years = 4.0
    assert start.scalar("industrial_workers") == pytest.approx(
        base.scalar("industrial_workers") * (1 + base.scalar("employment_growth_per_year")) ** -years)
    # each ownership's wages are deflated at its own growth: private employers' less by the gap, the mean unchanged
    growth = schedule_growth_by_ownership(base)
    shares = base.shares("ownership_shares", cat.OWNERSHIPS)
    assert shares @ growth == pytest.approx(base.scalar("nominal_wage_growth_per_year"))
    private, state = cat.OWNERSHIPS.index("private"), cat.OWNERSHIPS.index("state")
    assert growth[private] - growth[state] == pytest.approx(base.scalar("wage_growth_gap_private_per_year"))
    for k, ownership in enumerate(cat.OWNERSHIPS):
        assert start.value("ownership_annual_wages")[ownership] == pytest.approx(
            base.value("ownership_annual_wages")[ownership] * (1 + growth[k]) ** -years)
    assert start.value("migrant_share") == base.value("migrant_share")  # no series: kept, as the file says
    assert backcast(base, "2020-01") is base
    assert start.with_overrides({"quit_migrant": 0.5}).start == "2016-01"


@pytest.mark.parametrize("start, fragment", [
    ("2010-01", "start: 2010-01 is outside the allowed range 2012-07 to 2016-07"),
    ("2018-03", "start: 2018-03 is outside the allowed range"),
    ("2016-13", "start: '2016-13' is not a month"),
])
def test_a_start_outside_the_figures_is_a_one_line_error(start, fragment):
    with pytest.raises(InputError, match=fragment) as error:
        backcast(load_calibration(), start)
    assert "\n" not in str(error.value)


def test_age_bands_across_a_survey_edge_cannot_be_backcast():
    """The survey's bands are completed years (31-40 is 31 to under 41): a model band 40-45 would put the
    40-year-olds in the wrong survey band, as the margins did until 2026-12-08."""
    base = load_calibration()
    entry = base.structure["migrant_age_bands"]
    bands = dict(entry.value)
    bands["36-40"], bands["40-46"] = bands.pop("36-41"), bands.pop("41-46")
    crossing = replace(base, structure={**base.structure,
                                        "migrant_age_bands": entry.model_copy(update={"value": bands})})
    with pytest.raises(InputError, match="band 40-46 crosses an edge of the survey's bands; a backcast needs bands "
                                         "that split at 21, 31, 41, 51 years") as error:
        backcast(crossing, "2016-01")
    assert "\n" not in str(error.value)


def test_a_backcast_start_runs_the_baseline_only_and_cannot_be_backcast_again():
    start = backcast(load_calibration(), "2016-01")
    reform = load_scenario("reform_2020").with_period(end="2021-06")
    with pytest.raises(InputError, match="levers need the simulation to start at 2020-01"):
        WorkforceModel(reform, scale=0.0005, calibration=start)
    with pytest.raises(InputError, match="already starts at 2016-01"):
        backcast(start, "2015-01")


def test_a_run_from_the_backcast_start_reports_every_month_and_starts_on_its_margins():
    start = backcast(load_calibration(), "2016-01")
    model = WorkforceModel(short_scenario("2020-12"), scale=0.002, seed=4, calibration=start)
    assert model.month == model.start_month and model.workers_at_base == pytest.approx(
        start.scalar("industrial_workers") * 0.002)
    model.run_until(month_index("2017-12"))
    table = model.kpi_table(first_month=model.start_month)
    assert table.date.min() == np.datetime64("2016-01-01") and table.date.nunique() == 24
    assert model.kpi_table().empty  # the scenario's reported period (from 2020-01) is not reached
    province = table[(table.dimension == "province") & (table.date == table.date.min())].set_index("kpi").value
    high_of_certified = province["high_skill_workers"] / province["certified_workers"]
    assert high_of_certified == pytest.approx(0.304, abs=0.01)


def test_stepping_past_the_scenarios_end_is_a_one_line_error_not_a_broken_table():
    model = WorkforceModel(short_scenario("2020-02"), scale=0.0005, seed=1)
    with pytest.raises(InputError, match="last_month: 2020-03 is after the scenario's last month 2020-02") as error:
        model.run_until(month_index("2020-03"))
    assert "\n" not in str(error.value) and model.month == model.start_month  # nothing was stepped
    model.run_until()
    assert model.kpi_table().date.nunique() == 2


def test_statistics_are_computed_over_the_years_a_target_names():
    start = backcast(load_calibration(), "2016-01")
    model = WorkforceModel(short_scenario("2020-12"), scale=0.001, seed=2, calibration=start)
    model.run_until(month_index("2017-12"))
    table = model.kpi_table(first_month=model.start_month)
    stats = statistics_from_kpis(table)
    for name in STATISTICS:  # the plain name is the last calendar year
        assert stats[name] == stats[window_key(name, 2017, 2017)]
    migrants = table[(table.dimension == "migrant") & (table.group == "migrant")]
    ages = migrants[migrants.kpi == "mean_age"].sort_values("date").value.to_numpy()
    # the survey counts completed years: 5.5 months below the mean age in months, on average
    assert stats[window_key("migrant_mean_age_mean", 2016, 2016)] == pytest.approx(ages[:12].mean() - 5.5 / 12)
    assert stats[window_key("migrant_mean_age_rise_2020", 2016, 2017)] == pytest.approx((ages[-1] - ages[0]) * 12 / 23)
    assert window_key("turnover_dec", 2015, 2016) not in stats  # 2015 was not simulated


def test_every_fit_target_is_simulated_from_the_calibration_start():
    stats = simulated_statistics(load_calibration(), 0.0005, 1)
    assert CALIBRATION_START == "2016-01"
    targets = load_targets()
    for name, target in targets.items():
        if target.use == "fit":
            assert np.isfinite(stats[target.key]), name
    windowed = [t for t in targets.values() if t.years is not None and t.use == "fit"]
    assert {t.years[0] for t in windowed} >= {2016, 2017, 2018, 2019}
    # 2020's changes are also read from the run from the 2020 margins, where every scenario starts
    from_base = [t for t in targets.values() if t.start == "2020-01" and t.use == "fit"]
    assert from_base and all(t.key.endswith(FROM_BASE) for t in from_base)
    base_run = statistics_from_kpis(calibration_run(load_calibration(), 0.0005, 1, start="2020-01"))
    for t in from_base:
        assert stats[t.key] == base_run[t.statistic] != stats[t.statistic], t.statistic


def test_the_check_from_the_2020_margins_shows_the_earlier_years_as_not_simulated():
    from typer.testing import CliRunner

    from model.cli import app

    result = CliRunner().invoke(app, ["calibrate", "--check", "--start", "2020-01", "--scale", "0.0005",
                                      "--seeds", "2"])
    assert "from 2020-01" in result.output, result.output
    unsimulated = [line for line in result.output.splitlines() if line.startswith("not simulated:")]
    assert len(unsimulated) == 1 and "migrant_mean_age_2017 (needs the years 2017-2017; the run starts 2020-01)" in \
        unsimulated[0], result.output
    assert "turnover_manufacturing" in unsimulated[0]  # matched in 2016, the survey's year


@pytest.mark.parametrize("arguments, fragment", [
    (["--check", "--start", "2010-01"], "start: 2010-01 is outside the allowed range 2012-07 to 2016-07"),
    (["--start", "2016-01"], "start: applies to --check only"),
    (["--from-fit", "--recovery"], "from_fit: applies to the fit only"),
])
def test_a_bad_check_start_or_misplaced_option_is_a_one_line_error_before_any_run(arguments, fragment):
    result = subprocess.run([sys.executable, "-m", "model.cli", "calibrate", *arguments], capture_output=True,
                            text=True, cwd=REPO, timeout=300)
    assert result.returncode == 2 and result.stderr.strip().startswith("error: ") and fragment in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Calibration check" not in result.stdout + result.stderr

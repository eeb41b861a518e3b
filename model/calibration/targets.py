"""Calibration targets: the published figures of calibration/targets.yaml and the simulated statistics
they are matched to.

A target names a statistic; `simulated_statistics` runs the baseline from the backcast start (CALIBRATION_START)
and from the 2020 margins, and computes every statistic from both runs, so the fit, `--check` and the tests all read
the same numbers. A statistic is computed over the run's last calendar year, or over the calendar
years a target names (`years`, e.g. [2016, 2020] from a backcast start): its key is then `statistic@2016-2020`.
Effects on the treated (model/outputs/treatment_effects.py) need paired runs: they are checked, never fitted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from model.calibration.backcast import backcast
from model.calibration.inputs import CALIBRATION_DIR, Calibration, Source, read_entries
from model.engine import categories as cat
from model.engine.calendar import BASE_MONTH_LABEL
from model.errors import InputError
from model.outputs import treatment_effects
from model.scenario import Scenario

TARGETS_FILE = CALIBRATION_DIR / "targets.yaml"
LAST_FIT_YEAR = 2020  # figures dated later are the out-of-sample test: never fitted, never tuned to
# The fit and its check simulate the baseline from a start backcast to this month (model/calibration/backcast.py)
# to the end of LAST_FIT_YEAR, so they match the in-sample years' series and 2020's levels come from the dynamics.
CALIBRATION_START = "2016-01"
# A target with `start: 2020-01` reads the run from the 2020 margins, which every scenario starts from: 2020's
# changes are matched from the published 2020 structure (ages, grades) as well as reached from the backcast start.
FROM_BASE = f"|from {BASE_MONTH_LABEL}"
COMPLETED_YEARS_OFFSET = 5.5 / 12  # years between an age in months over twelve and the completed years, on average


def _december(dimension: str, group: str, kpi: str):  # noqa: ANN202
    """A KPI of the group at the last simulated month."""
    def value(kpis) -> float:  # noqa: ANN001
        return kpis[dimension, group, kpi][-1]
    return value


def _year_mean(dimension: str, group: str, kpi: str):  # noqa: ANN202
    """A KPI's mean over the simulated months: the match of a figure that describes a whole year."""
    def mean(kpis) -> float:  # noqa: ANN001
        return float(np.mean(kpis[dimension, group, kpi]))
    return mean


def mean_age_in_completed_years(mean_age: float) -> float:
    """The mean age in completed years (周岁, as the migrant survey records it) of workers whose mean age in months
    over twelve is `mean_age`: the mean of floor(months / 12), with ages spread evenly over the months of a year
    (each year's remainder of 0 to 11 months, 5.5 on average, is dropped)."""
    return mean_age - COMPLETED_YEARS_OFFSET


def _in_completed_years(mean_age):  # noqa: ANN001, ANN202
    """A mean-age statistic in completed years, as the survey's figures are."""
    def converted(kpis) -> float:  # noqa: ANN001
        return mean_age_in_completed_years(mean_age(kpis))
    return converted


def _rise_per_year(dimension: str, group: str, kpi: str):  # noqa: ANN202
    """A KPI's change from the first to the last simulated month, scaled to a year."""
    def rise(kpis) -> float:  # noqa: ANN001
        values = np.asarray(kpis[dimension, group, kpi])
        return float((values[-1] - values[0]) * 12.0 / max(len(values) - 1, 1))
    return rise


def _growth_per_year(dimension: str, group: str, kpi: str):  # noqa: ANN202
    """A stock's relative growth from the first to the last simulated month, compounded to a year."""
    def growth(kpis) -> float:  # noqa: ANN001
        values = np.asarray(kpis[dimension, group, kpi])
        return float((values[-1] / values[0]) ** (12.0 / max(len(values) - 1, 1)) - 1.0)
    return growth


def _high_skill_inflow_rate(kpis) -> float:  # noqa: ANN001
    """Workers newly certified 高级工 over the simulated months, less the high-skilled who left industrial work
    other than by retiring (the all-sector count the figure comes from keeps those who move to other work),
    over the mean high-skill stock, per year."""
    promoted = np.asarray(kpis["grade", "senior", "certifications"])
    high = cat.GRADES[cat.HIGH_SKILL_GRADE:]
    left = sum(np.asarray(kpis["grade", g, "exits"]) - np.asarray(kpis["grade", g, "retirements"]) for g in high)
    stock = np.asarray(kpis["province", "Jiangsu", "high_skill_workers"])
    return float((promoted.sum() - left.sum()) * 12.0 / len(promoted) / stock.mean())


def _top_grade_certification_share(kpis) -> float:  # noqa: ANN001
    """Certifications to 技师 and 高级技师 over all certifications, over the simulated months."""
    by_grade = {g: np.asarray(kpis["grade", g, "certifications"]).sum() for g in cat.GRADES[1:]}
    return float((by_grade["technician"] + by_grade["senior_technician"]) / max(sum(by_grade.values()), 1e-9))


def _wage_ratio(grade: str):  # noqa: ANN202
    def ratio(kpis) -> float:  # noqa: ANN001
        return kpis["grade", grade, "mean_wage_yuan_month"][-1] / kpis["grade", "intermediate",
                                                                       "mean_wage_yuan_month"][-1]
    return ratio


def _search_duration(kpis) -> float:  # noqa: ANN001
    searching = np.asarray(kpis["province", "Jiangsu", "searching"][-6:])
    hires = np.asarray(kpis["province", "Jiangsu", "hires"][-6:])
    return float(searching.mean() / max(hires.mean(), 1e-9))


def _mean_wage(kpis, ownerships: tuple[str, ...]) -> np.ndarray:  # noqa: ANN001
    """Mean monthly wage of the employed at these ownerships, each simulated month."""
    employed = sum(np.asarray(kpis["ownership", o, "employed"]) for o in ownerships)
    bill = sum(np.asarray(kpis["ownership", o, "employed"]) * np.asarray(kpis["ownership", o, "mean_wage_yuan_month"])
               for o in ownerships)
    return bill / employed


def _annual_wage(ownerships: tuple[str, ...]):  # noqa: ANN202
    """Mean monthly wage of the employed at these ownerships over the simulated months, times twelve."""
    def annual(kpis) -> float:  # noqa: ANN001
        return 12.0 * float(np.mean(_mean_wage(kpis, ownerships)))
    return annual


def _wage_growth(ownerships: tuple[str, ...]):  # noqa: ANN202
    """Growth of the mean wage at these ownerships from the first to the last simulated month, compounded to a
    year (the pay schedules' growth, the premiums' drift and who is employed where)."""
    def growth(kpis) -> float:  # noqa: ANN001
        wage = _mean_wage(kpis, ownerships)
        return float((wage[-1] / wage[0]) ** (12.0 / max(len(wage) - 1, 1)) - 1.0)
    return growth


def _wage_growth_gap_private(kpis) -> float:  # noqa: ANN001
    """Wage growth of private employers less that of state and foreign employers, per year."""
    return _wage_growth(("private",))(kpis) - _wage_growth(("state", "foreign"))(kpis)


# statistic id -> function of the KPIs by (dimension, group, kpi) over the simulated months
STATISTICS = {
    "workers_dec": _december("province", "Jiangsu", "workers"),
    "high_skill_workers_dec": _december("province", "Jiangsu", "high_skill_workers"),
    "migrant_mean_age_dec": _in_completed_years(_december("migrant", "migrant", "mean_age")),
    "migrant_share_over_50_dec": _december("migrant", "migrant", "share_over_50"),
    "migrant_mean_age_mean": _in_completed_years(_year_mean("migrant", "migrant", "mean_age")),
    "migrant_share_over_50_mean": _year_mean("migrant", "migrant", "share_over_50"),
    "migrant_mean_age_rise_2020": _rise_per_year("migrant", "migrant", "mean_age"),
    "migrant_share_over_50_rise_2020": _rise_per_year("migrant", "migrant", "share_over_50"),
    "migrant_share_40_and_under_dec": _december("migrant", "migrant", "share_40_and_under"),
    "migrant_share_40_and_under_rise_2020": _rise_per_year("migrant", "migrant", "share_40_and_under"),
    "high_skill_growth_2020": _growth_per_year("province", "Jiangsu", "high_skill_workers"),
    "high_skill_share_rise_2020": _rise_per_year("province", "Jiangsu", "high_skill_share"),
    "high_skill_inflow_rate_2020": _high_skill_inflow_rate,
    "top_grade_certification_share": _top_grade_certification_share,
    "annual_wage_state_and_foreign": _annual_wage(("state", "foreign")),
    "annual_wage_private": _annual_wage(("private",)),
    "wage_growth_state_and_foreign_2020": _wage_growth(("state", "foreign")),
    "wage_growth_private_2020": _wage_growth(("private",)),
    "wage_growth_gap_private_2020": _wage_growth_gap_private,
    "wage_ratio_senior_to_intermediate": _wage_ratio("senior"),
    "wage_ratio_technician_to_intermediate": _wage_ratio("technician"),
    "turnover_dec": _december("province", "Jiangsu", "turnover_rate_annual"),
    "migrant_turnover_dec": _december("migrant", "migrant", "turnover_rate_annual"),
    "search_duration_months": _search_duration,
}
CONFIDENCES = ("high", "medium-high", "medium", "medium-low", "low")


class Target(BaseModel):
    """A published figure, the statistic it matches, its source and its tolerance."""

    model_config = ConfigDict(extra="forbid")
    description: str
    value: float = Field(allow_inf_nan=False)
    unit: str
    year: int = Field(ge=1990, le=2100)
    statistic: str | None
    confidence: Literal[CONFIDENCES]  # type: ignore[valid-type]
    tolerance: float = Field(gt=0, allow_inf_nan=False)
    use: Literal["fit", "check", "none"]
    mapping: str
    source: Source
    years: tuple[int, int] | None = None  # simulated calendar years (first, last); default: the run's last year
    start: Literal["backcast", "2020-01"] = "backcast"  # the run it is read from (see `simulated_statistics`)

    @property
    def key(self) -> str | None:
        """The key of the simulated statistic this target reads (see `simulated_statistics`); None without one."""
        if self.statistic is None:
            return None
        key = self.statistic if self.years is None else window_key(self.statistic, *self.years)
        return key + (FROM_BASE if self.start == BASE_MONTH_LABEL else "")

    @field_validator("years")
    @classmethod
    def _ordered_years(cls, value: tuple[int, int] | None) -> tuple[int, int] | None:
        if value is not None and not 1990 <= value[0] <= value[1] <= LAST_FIT_YEAR:
            raise ValueError(f"must be [first, last] with 1990 <= first <= last <= {LAST_FIT_YEAR}")
        return value

    @field_validator("statistic")
    @classmethod
    def _known_statistic(cls, value: str | None) -> str | None:
        if value is not None and value not in STATISTICS and value not in treatment_effects.STATISTICS:
            allowed = ", ".join([*STATISTICS, *treatment_effects.STATISTICS])
            raise ValueError(f"unknown statistic {value!r} (allowed: {allowed})")
        return value


def load_targets(path: Path = TARGETS_FILE) -> dict[str, Target]:
    """Read and validate the targets file; a problem is a one-line InputError naming file, target and field."""
    targets = read_entries(path, Target, "targets")
    for name, target in targets.items():
        if target.use != "none" and target.statistic is None:
            raise InputError(f"{path}: {name}.statistic: a target with use '{target.use}' needs a statistic")
        if target.use == "fit" and target.statistic in treatment_effects.STATISTICS:
            raise InputError(f"{path}: {name}.use: {target.statistic} is an effect on the treated, measured from "
                             "paired runs; it can be checked ('check'), not fitted")
        if target.use == "fit" and target.year > LAST_FIT_YEAR:
            raise InputError(f"{path}: {name}.year: {target.year} is after {LAST_FIT_YEAR}; the fit uses "
                             f"{LAST_FIT_YEAR} and earlier only")
    return targets


def window_key(statistic: str, first_year: int, last_year: int) -> str:
    return f"{statistic}@{first_year}-{last_year}"


def calibration_run(calibration: Calibration, scale: float, seed: int, last_month: str = "2020-12",
                    threads: int | None = None, start: str = CALIBRATION_START) -> pd.DataFrame:
    """The KPI table of the baseline run from `start` (the calibration backcast to it; the base month runs the 2020
    margins) to `last_month`, every simulated month."""
    from model.engine.workforce_model import WorkforceModel  # the model imports the calibration inputs, not this

    if start != calibration.start:
        calibration = backcast(calibration, start)
    spec = Scenario(name="calibration", period={"start": "2020-01", "end": last_month})
    model = WorkforceModel(spec, scale=scale, seed=seed, calibration=calibration, threads=threads, keep_start=False)
    model.run_until()
    return model.kpi_table(first_month=model.start_month)


def simulated_statistics(calibration: Calibration, scale: float, seed: int, last_month: str = "2020-12",
                         threads: int | None = None, start: str = CALIBRATION_START) -> dict[str, float]:
    """Every statistic of the calibration run from `start` (keyed as `statistics_from_kpis` keys them: what
    targets with `start: backcast` read), and of the run from the 2020 margins, the start scenarios run from
    (the same keys followed by FROM_BASE: what targets with `start: 2020-01` read)."""
    stats = statistics_from_kpis(calibration_run(calibration, scale, seed, last_month, threads, start))
    base = stats if start == BASE_MONTH_LABEL else statistics_from_kpis(
        calibration_run(calibration, scale, seed, last_month, threads, BASE_MONTH_LABEL))
    return stats | {key + FROM_BASE: value for key, value in base.items()}


def statistics_from_kpis(table: pd.DataFrame) -> dict[str, float]:
    """Every calibration statistic from a KPI table (a run's kpis.parquet): over the months of its last calendar
    year (keyed by the statistic's name), and over every span of its complete calendar years (keyed
    `statistic@first-last`, see `window_key`)."""
    table = table[table.dimension.isin(["province", "migrant", "grade", "ownership"])]
    table = table.sort_values("date", kind="stable")
    series = {key: (group["date"].dt.year.to_numpy(), group["value"].to_numpy())
              for key, group in table.groupby(["dimension", "group", "kpi"], observed=True)}
    years = next(iter(series.values()))[0]
    complete = [int(y) for y in np.unique(years) if (years == y).sum() == 12]
    windows = {None: years == years.max()}
    windows |= {(a, b): (years >= a) & (years <= b) for a in complete for b in complete if a <= b}
    out = {}
    for window, rows in windows.items():
        kpis = {key: values[rows] for key, (_, values) in series.items()}
        for name, statistic in STATISTICS.items():
            out[name if window is None else window_key(name, *window)] = float(statistic(kpis))
    return out

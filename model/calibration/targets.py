"""Calibration targets: the published figures of calibration/targets.yaml and the simulated statistics
they are matched to.

A target names a statistic; `simulated_statistics` runs the model from 2020-01 and computes every
statistic from the run, so the fit, `--check` and the tests all read the same numbers. Effects on the
treated (model/outputs/treatment_effects.py) need paired runs: they are checked, never fitted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from model.calibration.inputs import CALIBRATION_DIR, Calibration, Source, read_entries
from model.engine import categories as cat
from model.errors import InputError
from model.outputs import treatment_effects
from model.scenario import Scenario

TARGETS_FILE = CALIBRATION_DIR / "targets.yaml"
LAST_FIT_YEAR = 2020  # figures dated later are the out-of-sample test: never fitted, never tuned to


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
    "migrant_mean_age_dec": _december("migrant", "migrant", "mean_age"),
    "migrant_share_over_50_dec": _december("migrant", "migrant", "share_over_50"),
    "migrant_mean_age_mean": _year_mean("migrant", "migrant", "mean_age"),
    "migrant_share_over_50_mean": _year_mean("migrant", "migrant", "share_over_50"),
    "migrant_mean_age_rise_2020": _rise_per_year("migrant", "migrant", "mean_age"),
    "migrant_share_over_50_rise_2020": _rise_per_year("migrant", "migrant", "share_over_50"),
    "migrant_share_40_and_under_dec": _december("migrant", "migrant", "share_40_and_under"),
    "migrant_share_40_and_under_rise_2020": _rise_per_year("migrant", "migrant", "share_40_and_under"),
    "high_skill_growth_2020": _growth_per_year("province", "Jiangsu", "high_skill_workers"),
    "high_skill_share_rise_2020": _rise_per_year("province", "Jiangsu", "high_skill_share"),
    "high_skill_inflow_rate_2020": _high_skill_inflow_rate,
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


def simulated_statistics(calibration: Calibration, scale: float, seed: int, last_month: str = "2020-12",
                         threads: int | None = None) -> dict[str, float]:
    """Run the baseline from 2020-01 to `last_month` and compute every statistic."""
    from model.experiments.runner import simulate  # the model imports the calibration inputs, not this

    spec = Scenario(name="calibration", period={"start": "2020-01", "end": last_month})
    return statistics_from_kpis(simulate(spec, scale, seed, threads=threads, calibration=calibration).table)


def statistics_from_kpis(table: pd.DataFrame) -> dict[str, float]:
    """Every calibration statistic from a KPI table (a run's kpis.parquet), over all its months."""
    table = table[table.dimension.isin(["province", "migrant", "grade", "ownership"])]
    kpis = {key: group.sort_values("date")["value"].to_numpy()
            for key, group in table.groupby(["dimension", "group", "kpi"], observed=True)}
    return {name: float(statistic(kpis)) for name, statistic in STATISTICS.items()}

"""Forward predictions 2021-2025 from the 2020 start under the 2020 reform: the out-of-sample test of
the calibration (the fit uses 2020 and earlier only; later published years are compared by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model import categories as cat
from model.calibration_inputs import CALIBRATION_DIR, load_calibration
from model.scenario import load_scenario
from model.workforce_model import WorkforceModel

PREDICTIONS_FILE = CALIBRATION_DIR / "predictions.csv"
YEARS = range(2021, 2026)


def predict(scale: float = 0.01, seeds: int = 3, seed: int = 0, scenario: str = "reform_2020") -> pd.DataFrame:
    """Yearly predictions (December stocks, yearly averages of wages): mean and range over the seeds."""
    spec = load_scenario(CALIBRATION_DIR.parent / "scenarios" / f"{scenario}.yaml").with_period(end="2025-12")
    runs = [_one_run(spec, scale, seed + k) for k in range(seeds)]
    stacked = pd.concat(runs, keys=range(seeds), names=["seed"])
    summary = stacked.groupby(["year", "prediction"]).value.agg(["mean", "min", "max"]).reset_index()
    summary.insert(0, "scenario", spec.name)
    return summary


def _one_run(spec, scale: float, seed: int) -> pd.DataFrame:  # noqa: ANN001
    model = WorkforceModel(spec, scale=scale, seed=seed)
    industry_share = load_calibration().scalar("high_skilled_industry_share")  # all-sector equivalent
    wages: dict[int, list[np.ndarray]] = {}
    while model.month <= spec.period.last_month:
        model.step()
        bill, headcount = model.wage_bill_by_ownership()
        wages.setdefault((model.month - 1) // 12, []).append(bill / headcount)
    table = model.kpi_table()
    december = table[table.date.dt.month == 12]
    rows = []
    for year in YEARS:
        at = december[december.date.dt.year == year].set_index(["kpi", "dimension", "group"]).value

        def kpi(name: str, dimension: str = "province", group: str = "Jiangsu", at: pd.Series = at) -> float:
            return float(at[name, dimension, group])

        annual = 12 * np.mean(wages[year], axis=0)
        values = {
            "high_skill_workers": kpi("high_skill_workers"),
            "high_skill_workers_all_sectors": kpi("high_skill_workers") / industry_share,
            "certified_workers": kpi("certified_workers"),
            "high_skill_share_of_certified": kpi("high_skill_share"),
            "migrant_mean_age": kpi("mean_age", "migrant", "migrant"),
            "migrant_share_over_50": kpi("share_over_50", "migrant", "migrant"),
            "annual_wage_state_yuan": annual[cat.OWNERSHIPS.index("state")],
            "annual_wage_private_yuan": annual[cat.OWNERSHIPS.index("private")],
            "annual_wage_foreign_yuan": annual[cat.OWNERSHIPS.index("foreign")],
            "turnover_rate_annual": kpi("turnover_rate_annual"),
        }
        rows += [{"year": year, "prediction": name, "value": value} for name, value in values.items()]
    return pd.DataFrame(rows)

"""Forward predictions 2021-2025 from the 2020 start under the 2020 reform: the out-of-sample test of
the calibration (the fit uses 2020 and earlier only; later published years are compared by hand). 2020, the
fitted year, is reported beside them as the anchor the predictions start from."""

from __future__ import annotations

import os

import pandas as pd

from model import shipped
from model.calibration.inputs import CALIBRATION_DIR, load_calibration
from model.calibration.targets import mean_age_in_completed_years
from model.engine import categories as cat
from model.engine.memory import processes_that_fit
from model.experiments import uncertainty, worker_processes
from model.experiments.runner import simulate
from model.scenario import load_scenario

PREDICTIONS_FILE = CALIBRATION_DIR / "predictions.csv"
YEARS = range(2020, 2026)  # 2020 in sample, the rest predictions


SCENARIOS = ("reform_2020", "baseline")


def predict(scale: float = 0.01, seeds: int = 3, seed: int = 0, scenarios: tuple[str, ...] = SCENARIOS,
            posterior: int | None = None) -> pd.DataFrame:
    """Yearly predictions (December stocks, yearly averages of wages) under each scenario: mean and range over
    the seeds with the point fit. The reform is what happened; the baseline says what the reform is credited with.

    With `posterior` = N, every seed also runs under N parameter draws (the calibrated parameters from the
    posterior, each with its own draw of the assumed lever responses from their priors: model/uncertainty.design,
    not nested), giving the predictions' posterior mean and 90% band (`posterior_mean`, `posterior_lo`,
    `posterior_hi`): the interval that the published figures after 2020 should fall in."""
    plan = uncertainty.design(posterior, seed, nested=False) if posterior else None
    tables = []
    for scenario in scenarios:
        spec = load_scenario(shipped.scenario(scenario)).with_period(end="2025-12")
        tasks = [(spec, scale, seed + k, None) for k in range(seeds)]
        tasks += [(spec, scale, seed + k, d.parameters) for d in (plan.draws if plan else []) for k in range(seeds)]
        runs = _run_all(tasks)
        stacked = pd.concat(runs[:seeds], keys=range(seeds), names=["seed"])
        summary = stacked.groupby(["year", "prediction"]).value.agg(["mean", "min", "max"]).reset_index()
        if plan:
            drawn = pd.concat(runs[seeds:], keys=range(len(runs) - seeds), names=["run"])
            band = drawn.groupby(["year", "prediction"]).value.agg(
                posterior_mean="mean", posterior_lo=lambda v: v.quantile(0.05),
                posterior_hi=lambda v: v.quantile(0.95)).reset_index()
            summary = summary.merge(band, on=["year", "prediction"])
        summary.insert(0, "scenario", scenario)
        tables.append(summary)
    return pd.concat(tables, ignore_index=True)


def _run_all(tasks: list[tuple]) -> list[pd.DataFrame]:
    """The runs, in order, on the worker processes that fit (one here for a single run)."""
    workers = processes_that_fit(tasks[0][1], len(tasks), runs_per_process=1)
    if workers == 1:
        return [_one_run(*task) for task in tasks]
    threads = [max(1, (os.cpu_count() or 1) // workers)] * len(tasks)  # the cores shared out, as in compare
    with worker_processes.pool(workers) as pool:
        return list(pool.map(_one_run, *zip(*tasks, strict=True), threads))


def _one_run(spec, scale: float, seed: int, parameters: dict | None = None,  # noqa: ANN001 - a Scenario
             threads: int | None = None) -> pd.DataFrame:
    calibration = load_calibration().with_overrides(parameters or {})
    industry_share = calibration.scalar("high_skilled_industry_share")  # all-sector equivalent
    table = simulate(spec, scale, seed, threads=threads, calibration=calibration).table
    december = table[table.date.dt.month == 12]
    wages = table[(table.kpi == "mean_wage_yuan_month") & (table.dimension == "ownership")]
    annual_wage = 12 * wages.groupby([wages.date.dt.year, "group"], observed=True).value.mean()
    rows = []
    for year in YEARS:
        at = december[december.date.dt.year == year].set_index(["kpi", "dimension", "group"]).value

        def kpi(name: str, dimension: str = "province", group: str = "Jiangsu", at: pd.Series = at) -> float:
            return float(at[name, dimension, group])

        values = {
            "high_skill_workers": kpi("high_skill_workers"),
            "high_skill_workers_all_sectors": kpi("high_skill_workers") / industry_share,
            "certified_workers": kpi("certified_workers"),
            "high_skill_share_of_certified": kpi("high_skill_share"),
            "migrant_mean_age": mean_age_in_completed_years(kpi("mean_age", "migrant", "migrant")),
            "migrant_share_over_50": kpi("share_over_50", "migrant", "migrant"),
            **{f"annual_wage_{ownership}_yuan": float(annual_wage[year, ownership]) for ownership in cat.OWNERSHIPS},
            "turnover_rate_annual": kpi("turnover_rate_annual"),
        }
        rows += [{"year": year, "prediction": name, "value": value} for name, value in values.items()]
    return pd.DataFrame(rows)

"""Analysis of a sweep: Sobol or Morris sensitivity indices (SALib) and policy surfaces against the paired baseline.

Each run's outcome is a kept KPI at one month (the last kept month by default), province-wide; with a
baseline in the experiment it is the run's paired effect (run minus its baseline on the same seed and
parameter values). Seed noise is handled explicitly: indices are computed on the mean over seeds at each
design point, and the share of variance that is seed noise is reported beside them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.errors import InputError
from model.experiments.compare import mean_interval
from model.experiments.experiment import Experiment, salib_problem
from model.experiments.results_store import load_results, load_runs
from model.files import write_atomically
from model.outputs.kpis import FLOW_KPI_IDS

COST_KPIS = ("fiscal_cost_yuan", "employer_cost_yuan")


@dataclass
class SweepAnalysis:
    """Tidy tables: indices (Sobol or Morris, one row per scenario, KPI and factor), seed noise (one row per
    scenario and KPI) and the policy surface (one row per scenario, design point and KPI; needs a baseline)."""

    indices: pd.DataFrame
    seed_noise: pd.DataFrame
    surface: pd.DataFrame

    def write(self, directory: Path) -> list[Path]:
        out = Path(directory) / "analysis"
        out.mkdir(exist_ok=True)
        written = []
        for name in ("indices", "seed_noise", "surface"):
            table = getattr(self, name)
            path = out / f"{name}.csv"
            write_atomically(path, lambda p, t=table: t.to_csv(p, index=False))
            written.append(path)
        return written


def experiment_of(directory: str | Path) -> Experiment:
    """The experiment a sweep directory was made for (with the scale and period it ran at)."""
    recorded = Path(directory) / "experiment.json"
    if not recorded.exists():
        raise InputError(f"{directory}: not a sweep directory (no experiment.json)")
    return Experiment.model_validate(json.loads(recorded.read_text(encoding="utf-8"))["definition"]["experiment"])


def analyse(directory: str | Path, month: str | None = None, seed: int = 0) -> SweepAnalysis:
    """Sensitivity indices (sobol and morris designs), seed noise and, with a baseline, the policy surface."""
    experiment = experiment_of(directory)
    outcomes = run_outcomes(directory, month)
    factors = [f.name for f in experiment.factors]
    seed_noise = _seed_noise(outcomes)
    method = experiment.design.method
    indices = pd.DataFrame()
    if method in ("sobol", "morris"):
        indices = _indices(directory, experiment, outcomes, seed)
        indices = indices.merge(seed_noise.drop(columns="outcome"), on=["scenario", "kpi"], how="left")
    surface = _surface(outcomes, factors) if experiment.baseline else pd.DataFrame()
    return SweepAnalysis(indices, seed_noise, surface)


def run_outcomes(directory: str | Path, month: str | None = None) -> pd.DataFrame:
    """One row per finished scenario run and kept KPI, province-wide at `month` (default the last kept month):
    scenario, point, seed, factor values, kpi, value, effect (run minus paired baseline; NaN without one).
    Flow KPIs (quits, costs, ...) are summed over the kept months up to `month`."""
    results = load_results(directory)
    if results.empty:
        raise InputError(f"{directory}: no finished runs to analyse (run `workforce sweep` first)")
    keep = (results.dimension == "province") | ((results.dimension == "programme") & (results.group == "total"))
    results = results[keep]
    at = results.date.max() if month is None else pd.Timestamp(f"{month}-01")
    if month is not None and at not in set(results.date):
        kept = ", ".join(sorted({d.strftime("%Y-%m") for d in results.date}))
        raise InputError(f"month: {month} is not a kept month of this sweep (kept: {kept})")
    flows = results[results.kpi.isin(FLOW_KPI_IDS) & (results.date <= at)]
    summed = flows.groupby(["run_id", "kpi"], observed=True)["value"].sum()
    stocks = results[~results.kpi.isin(FLOW_KPI_IDS) & (results.date == at)].set_index(["run_id", "kpi"])["value"]
    values = pd.concat([stocks, summed]).rename("value").reset_index()
    runs = load_runs(directory)
    runs = runs[runs.status == "done"].drop(columns=["status", "error", "seconds", "finished", "host", "git_commit",
                                                     "package_version"])
    table = runs.merge(values.astype({"run_id": str, "kpi": str}), on="run_id")
    scenario = table[table.role == "scenario"].copy()
    baseline = table[table.role == "baseline"].set_index(["run_id", "kpi"])["value"]
    pairs = pd.MultiIndex.from_arrays([scenario.paired_baseline.fillna(""), scenario.kpi])
    scenario["effect"] = scenario["value"] - (baseline.reindex(pairs).to_numpy() if len(baseline) else np.nan)
    return scenario.drop(columns=["role", "paired_baseline"]).reset_index(drop=True)


def _outcome(outcomes: pd.DataFrame) -> str:
    return "effect" if outcomes["effect"].notna().any() else "value"


def _seed_noise(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Per scenario and KPI, by analysis of variance over design points: the share of a single run's variance
    that is seed-to-seed, and the share of the variance of the point means (what the indices use) that is still
    replication noise. A large second share means more replications are needed before the indices mean much.

    With posterior draws (`posterior_draws` in the experiment) each point's runs are draws x seeds, and the
    analysis is nested: seeds within a draw give the seed noise, the spread of the draw means beyond it gives
    `parameter_variance_share` (the calibrated parameters' uncertainty), and the point means' remaining
    replication noise includes both."""
    y = _outcome(outcomes)
    has_draws = "draw" in outcomes and bool((outcomes["draw"] >= 0).any())
    rows = []
    for (scenario, kpi), group in outcomes.groupby(["scenario", "kpi"], observed=True, sort=False):
        cells = group.groupby(["point", "draw"] if has_draws else ["point"])[y]
        seeds = int(cells.size().min())
        seed_var = float(cells.var(ddof=1).mean()) if seeds > 1 else np.nan
        draws, draw_var = 1, 0.0
        if has_draws:
            cell_means = cells.mean().groupby(level="point")
            draws = int(cell_means.size().min())
            spread = float(cell_means.var(ddof=1).mean()) if draws > 1 else np.nan
            draw_var = max(spread - (seed_var / seeds if seeds > 1 else 0.0), 0.0)  # nested ANOVA
        within = (seed_var if seeds > 1 else 0.0) + draw_var  # one run's variance within a point
        of_means = float(group.groupby("point")[y].mean().var(ddof=1))  # = between + within / replications
        replicated = within / (seeds * draws)
        between = max(of_means - replicated, 0.0)  # the variance due to the factors
        total = within + between
        rows.append({"scenario": scenario, "kpi": kpi, "outcome": y, "seeds": seeds, "posterior_draws":
                     draws if has_draws else 0,
                     "seed_variance_share": seed_var / total if total > 0 and seeds > 1 else np.nan,
                     "parameter_variance_share": draw_var / total if total > 0 and has_draws else np.nan,
                     "seed_variance_share_of_point_means":
                         min(1.0, replicated / of_means) if of_means > 0 and within > 0 else np.nan})
    return pd.DataFrame(rows)


def _indices(directory: str | Path, experiment: Experiment, outcomes: pd.DataFrame, seed: int) -> pd.DataFrame:
    from SALib.analyze import morris, sobol

    problem = salib_problem(experiment)
    design = pd.read_parquet(Path(directory) / "design.parquet")
    y = _outcome(outcomes)
    rows = []
    for (scenario, kpi), group in outcomes.groupby(["scenario", "kpi"], observed=True, sort=False):
        means = group.groupby("point")[y].mean()
        if len(means) < len(design) or means.isna().any():
            raise InputError(f"{directory}: {experiment.design.method} indices need every design point "
                             f"({len(means)} of {len(design)} have results for {kpi}); finish the sweep first")
        values = means.reindex(design.point).to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):  # a KPI no factor moves has no indices (NaN)
            if experiment.design.method == "sobol":
                result = sobol.analyze(problem, values, calc_second_order=experiment.design.second_order,
                                       conf_level=0.95, seed=seed)
                stats = {k: result[k] for k in ("S1", "S1_conf", "ST", "ST_conf")}
            else:
                x = design[problem["names"]].to_numpy()
                result = morris.analyze(problem, x, values, num_levels=experiment.design.levels, conf_level=0.95,
                                        seed=seed)
                stats = {k: result[k] for k in ("mu", "mu_star", "mu_star_conf", "sigma")}
        for k, factor in enumerate(problem["names"]):
            rows.append({"scenario": scenario, "kpi": kpi, "outcome": y, "method": experiment.design.method,
                         "factor": factor, **{name: float(v[k]) for name, v in stats.items()}})
    return pd.DataFrame(rows)


def _surface(outcomes: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """Per scenario, design point and KPI: the mean paired effect over seeds with its 90% interval (as in
    `compare`), beside the point's mean fiscal and employer cost over the period and the cost per unit."""

    def over_seeds(effect: pd.Series) -> pd.Series:
        mean, lo, hi = mean_interval(effect.to_numpy()[:, None])
        return pd.Series({"effect": mean[0], "lo": lo[0], "hi": hi[0], "seeds": len(effect)})

    effects = outcomes.dropna(subset=["effect"])
    grouped = effects.groupby(["scenario", "point", "kpi"], observed=True, sort=True)
    table = grouped["effect"].apply(over_seeds).unstack().reset_index().astype({"seeds": int})
    levels = grouped.first()[factors].reset_index()
    costs = effects[effects.kpi.isin(COST_KPIS)].pivot_table(index=["scenario", "point"], columns="kpi",
                                                             values="effect", aggfunc="mean", observed=True)
    costs = costs.reindex(columns=list(COST_KPIS), fill_value=0.0).fillna(0.0)
    costs.columns = ["fiscal_cost_yuan", "employer_cost_yuan"]
    out = table.merge(levels, on=["scenario", "point", "kpi"]).merge(costs.reset_index(), on=["scenario", "point"])
    total = out.fiscal_cost_yuan + out.employer_cost_yuan
    bounded = ((out.lo > 0) | (out.hi < 0)) & ~out.kpi.isin(COST_KPIS)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["fiscal_cost_per_unit_yuan"] = np.where(bounded, out.fiscal_cost_yuan / out.effect, np.nan)
        out["total_cost_per_unit_yuan"] = np.where(bounded, total / out.effect, np.nan)
    columns = ["scenario", "point", *factors, "kpi", "effect", "lo", "hi", "seeds", "fiscal_cost_yuan",
               "employer_cost_yuan", "fiscal_cost_per_unit_yuan", "total_cost_per_unit_yuan"]
    return out[columns]

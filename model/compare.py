"""Paired comparison of scenarios: reform minus baseline on the same seeds (common random numbers).

Every scenario runs on each of R seeds; because every draw is keyed by (seed, month, person,
decision), a reform and its baseline see the same draws, and the paired difference isolates the
reform's effect. Effects are reported per month, KPI and group as the mean over the R pairs with a
90% Student-t interval for that mean; the headline table sums costs over the reported period and
reads the other effects at its last month. Replications run in parallel worker processes (each
replication is independent, so the numbers do not depend on how many).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model import distribution, worker_processes
from model.calendar import month_index
from model.errors import InputError
from model.kpis import GROUPS
from model.levers import LEVER_IDS
from model.memory import processes_that_fit
from model.runner import check_seed, resolve_scenario, simulate
from model.scenario import Scenario

KEYS = ["date", "kpi", "dimension", "group"]
INTERVAL = 0.90
# Social discount rate of China's project appraisal rules (建设项目经济评价方法与参数, 3rd ed., NDRC and
# Ministry of Construction, 2006): 8% a year.
DISCOUNT_RATE = 0.08
# headline effects read at the last reported month: (column, kpi, factor)
AT_LAST_MONTH = (("delta_high_skill_workers", "high_skill_workers", 1.0),
                 ("delta_high_skill_share", "high_skill_share", 1.0),
                 ("delta_turnover_pp", "turnover_rate_annual", 100.0),
                 ("delta_mean_wage_yuan_month", "mean_wage_yuan_month", 1.0),
                 ("delta_output_index", "output_index", 1.0),
                 # workers in industrial work (employed and searching) the reform keeps in or draws in
                 ("delta_retained_workers", "workers", 1.0),
                 ("delta_employed_workers", "employed", 1.0))


@dataclass
class Comparison:
    """Effects of each reform against the baseline, the headline table and the runs' manifests."""

    effects: pd.DataFrame  # scenario, date, kpi, dimension, group, mean, lo, hi
    headline: pd.DataFrame  # one row per reform
    manifest: dict


def compare(baseline: Scenario | str | Path, reforms: list[Scenario | str | Path], seeds: int = 10,
            scale: float = 0.01, seed: int = 0, start: str | None = None, end: str | None = None,
            threads: int | None = None, on_run: Callable[[int, int], None] | None = None,
            discount_rate: float = DISCOUNT_RATE, workers: int | None = None) -> Comparison:
    """Run the baseline and each reform on seeds seed .. seed + seeds - 1; return paired effects.

    All scenarios are reported over the baseline's period (after `start` / `end` overrides).
    `workers` replications run at once in separate processes (default: as many as cores and memory
    allow, at most `seeds`), each with `threads` kernel threads (default: the cores shared out).
    """
    if not 1 <= int(seeds) <= 10_000:
        raise InputError(f"seeds: {seeds} is outside the allowed range 1 to 10000")
    if not 0.0 <= discount_rate <= 0.5:
        raise InputError(f"discount_rate: {discount_rate} is outside the allowed range 0 to 0.5")
    if workers is not None and not 1 <= workers <= 256:
        raise InputError(f"workers: {workers} is outside the allowed range 1 to 256")
    check_seed(seed + seeds - 1)
    base_spec, _ = resolve_scenario(baseline, start, end)
    period = base_spec.period
    specs = [resolve_scenario(r, period.start, period.end) for r in reforms]  # validate all before running
    names = _unique_names([base_spec.name, *[s.name for s, _ in specs]])
    n_workers = pool_size(workers, seeds, scale)
    cores = os.cpu_count() or 1
    threads = threads or max(1, cores // n_workers)
    tasks = [(baseline, list(reforms), scale, seed + r, period.start, period.end, threads, discount_rate)
             for r in range(seeds)]
    n_runs = seeds * (1 + len(reforms))
    replications = _run_replications(tasks, n_workers, lambda k: on_run and on_run(k * (1 + len(reforms)), n_runs))
    frame = replications[0]["keys"]
    effects = pd.concat([part for k, name in enumerate(names[1:]) for part in (
        _summarise(name, frame, np.stack([rep["differences"][k] for rep in replications])),
        _summarise(name, _incidence_keys(period.end), np.stack([rep["incidence"][k] for rep in replications]),
                   bounds=_incidence_bounds()))],
        ignore_index=True)
    for column in ("kpi", "dimension", "group"):
        effects[column] = effects[column].astype(str).astype("category")
    manifest = {
        "baseline": names[0], "reforms": names[1:], "seeds": list(range(seed, seed + seeds)), "scale": scale,
        "period": period.model_dump(), "interval": f"{INTERVAL:.0%} Student-t interval of the mean paired effect",
        "discount_rate": discount_rate, "worker_processes": n_workers,
        "runs": {name: [rep["manifests"][k] for rep in replications] for k, name in enumerate(names)},
    }
    headline = pd.DataFrame([{"scenario": name, "first_month": period.start, "month": period.end, "seeds": seeds,
                              **summarise_headline([rep["headline"][k] for rep in replications])}
                             for k, name in enumerate(names[1:])])
    return Comparison(effects, headline, manifest)


def pool_size(workers: int | None, seeds: int, scale: float) -> int:
    """Worker processes for a comparison: as asked, or as many as cores, seeds and memory allow."""
    if workers is not None:
        return min(workers, seeds)
    return processes_that_fit(scale, seeds, runs_per_process=2)  # a baseline and a reform at once


def _run_replications(tasks: list[tuple], n_workers: int, progress: Callable[[int], object]) -> list[dict]:
    """Each replication's results, in seed order, in this process or in a pool of spawned processes."""
    if n_workers == 1:
        results = []
        for task in tasks:
            results.append(replication(*task))
            progress(len(results))
        return results
    with worker_processes.pool(n_workers) as pool:
        try:
            futures = [pool.submit(replication, *task) for task in tasks]
            done = 0
            for future in futures:
                future.result()
                done += 1
                progress(done)
        except KeyboardInterrupt:
            worker_processes.stop_now(pool)
            raise
        return [f.result() for f in futures]


def replication(baseline: Scenario | str | Path, reforms: list[Scenario | str | Path], scale: float, seed: int,
                start: str, end: str, threads: int, discount_rate: float) -> dict:
    """One seed: the baseline and every reform; each reform's paired differences, incidence and headline
    numbers, and every run's manifest."""
    base = simulate(baseline, scale, seed, start, end, threads, keep_workers=True)
    keys = base.table[KEYS]
    index = HeadlineIndex(keys, start, end, discount_rate)
    out: dict = {"keys": keys, "differences": [], "incidence": [], "headline": [], "manifests": [base.manifest]}
    for reform in reforms:
        run = simulate(reform, scale, seed, start, end, threads, keep_workers=True)
        if not run.table[KEYS].equals(keys):
            raise RuntimeError(f"KPI tables of the baseline and {run.manifest['scenario']['name']!r} do not line up")
        difference = run.table["value"].to_numpy() - base.table["value"].to_numpy()
        incidence = distribution.incidence(base.workers, run.workers)
        out["differences"].append(difference)
        out["incidence"].append(incidence.reshape(-1))
        out["headline"].append(index.values(difference, incidence))
        out["manifests"].append(run.manifest)
    return out


class HeadlineIndex:
    """Where each headline number sits in the tidy KPI table, found once per comparison."""

    def __init__(self, keys: pd.DataFrame, first: str, last: str, discount_rate: float) -> None:
        last_date = pd.Timestamp(f"{last}-01")
        at_last = keys[(keys.dimension == "province") & (keys.date == last_date)]
        self.last_month_rows = {kpi: int(at_last.index[at_last.kpi == kpi][0]) for _, kpi, _ in AT_LAST_MONTH}
        by_programme = keys[keys.dimension == "programme"]
        months = (by_programme.date.dt.year * 12 + by_programme.date.dt.month - 1 - month_index(first)).to_numpy()
        self.discount = pd.Series((1.0 + discount_rate) ** (-months / 12.0), index=by_programme.index)
        self.cost_rows = {(kpi, group): rows.index.to_numpy()
                          for (kpi, group), rows in by_programme.groupby(["kpi", "group"], observed=True)}

    def values(self, difference: np.ndarray, incidence: np.ndarray) -> dict[str, float]:
        """The headline numbers of one replication (reform minus baseline)."""
        out = {column: float(difference[self.last_month_rows[kpi]]) * factor for column, kpi, factor in AT_LAST_MONTH}
        for k, kpi in enumerate(distribution.KPIS):  # the province (first group)
            out[kpi] = float(incidence[k, 0])
        for lever in LEVER_IDS:
            out[f"fiscal_cost_yuan_{lever}"] = float(difference[self.cost_rows["fiscal_cost_yuan", lever]].sum())
        for kpi in ("fiscal_cost_yuan", "employer_cost_yuan"):
            rows = self.cost_rows[kpi, "total"]
            out[f"{kpi}_total"] = float(difference[rows].sum())
            out[f"{kpi}_total_discounted"] = float((difference[rows] * self.discount[rows].to_numpy()).sum())
        return out


def summarise_headline(draws: list[dict[str, float]]) -> dict[str, float]:
    """Mean and interval of each headline number, then the costs per additional high-skill and retained worker.

    A cost per unit is the mean cost over the mean effect, with an interval from the mean cost over the effect's
    interval bounds. When the effect's interval includes zero (or there is one replication) the ratio is not
    bounded and all three are left empty (NaN).
    """
    table = pd.DataFrame(draws)
    mean, lo, hi = mean_interval(table.to_numpy())
    shares = table.columns.isin(["wage_winners_share", "wage_losers_share"])
    lo, hi = np.where(shares, np.clip(lo, 0, 1), lo), np.where(shares, np.clip(hi, 0, 1), hi)
    out: dict[str, float] = {}
    for k, column in enumerate(table.columns):
        out[column], out[f"{column}_lo"], out[f"{column}_hi"] = mean[k], lo[k], hi[k]
    for payer, cost in (("fiscal", out["fiscal_cost_yuan_total"]),
                        ("total", out["fiscal_cost_yuan_total"] + out["employer_cost_yuan_total"])):
        for unit, effect in (("high_skill_worker", "delta_high_skill_workers"),
                             ("retained_worker", "delta_retained_workers")):
            column = f"{payer}_cost_per_{unit}_yuan"
            e, e_lo, e_hi = out[effect], out[f"{effect}_lo"], out[f"{effect}_hi"]
            bounded = np.isfinite(e_lo) and np.isfinite(e_hi) and (e_lo > 0 or e_hi < 0)
            out[column] = cost / e if bounded else np.nan
            out[f"{column}_lo"], out[f"{column}_hi"] = sorted([cost / e_lo, cost / e_hi]) if bounded else [np.nan] * 2
    return out


def mean_interval(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over replications (rows) and its 90% t-interval; NaN interval with one replication."""
    from scipy import stats  # imported here: scipy.stats costs a second at every `workforce` start

    n = draws.shape[0]
    mean = draws.mean(axis=0)
    if n > 1:
        half = stats.t.ppf(0.5 + INTERVAL / 2, n - 1) * draws.std(axis=0, ddof=1) / np.sqrt(n)
    else:
        half = np.full_like(mean, np.nan)
    return mean, mean - half, mean + half


def _summarise(name: str, keys: pd.DataFrame, diffs: np.ndarray,
               bounds: tuple[float, float] = (-np.inf, np.inf)) -> pd.DataFrame:
    """Mean and interval of each row over replications; shares keep their interval within [0, 1]."""
    out = keys.copy()
    out.insert(0, "scenario", name)
    mean, lo, hi = mean_interval(diffs)
    out["mean"], out["lo"], out["hi"] = mean, np.clip(lo, *bounds), np.clip(hi, *bounds)
    return out


def _incidence_keys(last: str) -> pd.DataFrame:
    """Keys of the incidence rows: each measure by every group and baseline wage decile, at the last reported
    month (the order of distribution.incidence)."""
    groups = [*GROUPS, *(("wage_decile", d) for d in distribution.DECILES)]
    n, k = len(groups), len(distribution.KPIS)
    return pd.DataFrame({"date": pd.Timestamp(f"{last}-01"), "kpi": np.repeat(distribution.KPIS, n),
                         "dimension": [d for d, _ in groups] * k, "group": [g for _, g in groups] * k})


def _incidence_bounds() -> tuple[np.ndarray, np.ndarray]:
    """Shares keep their interval within [0, 1]; the mean effect is unbounded."""
    n = len(GROUPS) + len(distribution.DECILES)
    shares = np.repeat([kpi.endswith("_share") for kpi in distribution.KPIS], n)
    return np.where(shares, 0.0, -np.inf), np.where(shares, 1.0, np.inf)


def _unique_names(names: list[str]) -> list[str]:
    """Scenario names as given, numbered where two scenarios share a name."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out

"""Paired comparison of scenarios: reform minus baseline on the same seeds (common random numbers).

Every scenario runs on each of R seeds; because every draw is keyed by (seed, month, person,
decision), a reform and its baseline see the same draws, and the paired difference isolates the
reform's effect. Effects are reported per month, KPI and group as the mean over the R pairs with a
90% Student-t interval for that mean; the headline table sums costs over the reported period and
reads the other effects at its last month. A comparison is planned (`prepare`: every input checked, the
replications listed), its replications run on the executor sweeps use (experiments/executors.py: this process
or parallel worker processes; each replication is independent, so the numbers do not depend on how many), and
the results are assembled (`assemble`) into a `Comparison`, whose `write` and `read` own its files.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_EXCEPTION, Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.calibration.inputs import point_fit
from model.engine.calendar import month_index
from model.engine.memory import processes_that_fit
from model.errors import InputError, ReplicationsFailed
from model.experiments import uncertainty
from model.experiments.comparison_files import load_comparison, write_comparison
from model.experiments.executors import executor
from model.experiments.overrides import Overrides, ScenarioInput, Variant, variant
from model.experiments.runner import (
    SimulatedRun,
    check_scale,
    check_seed,
    read_scenario,
    resolve_scenario,
    simulate,
)
from model.files import file_sha256
from model.levers import LEVER_IDS
from model.outputs import distribution
from model.outputs.kpis import GROUPS
from model.scenario import Period, Scenario, ScenarioFile

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
    """Effects of each reform against the baseline, the headline table and the runs' manifests; `write` and
    `read` own the comparison's file layout (effects.parquet, headline.csv, manifest.json)."""

    effects: pd.DataFrame  # scenario, scenario_id, date, kpi, dimension, group, mean, lo, hi
    headline: pd.DataFrame  # one row per reform
    manifest: dict

    def write(self, out: Path) -> None:
        """effects.parquet, headline.csv and manifest.json, together (experiments/comparison_files.py)."""
        write_comparison(out, self.effects, self.headline, self.manifest)

    @classmethod
    def read(cls, directory: Path) -> Comparison:
        """A finished comparison, checked whole (experiments/comparison_files.py)."""
        return cls(*load_comparison(directory))


def compare(baseline: ScenarioInput | tuple[ScenarioInput, Overrides], reforms: list[Variant], seeds: int = 10,
            scale: float = 0.01, seed: int = 0, start: str | None = None, end: str | None = None,
            threads: int | None = None, on_run: Callable[[int, int], None] | None = None,
            discount_rate: float = DISCOUNT_RATE, workers: int | None = None,
            posterior: int | None = None, posterior_file: Path | None = None) -> Comparison:
    """Run the baseline and each reform on seeds seed .. seed + seeds - 1; return paired effects.

    Scenarios are objects, files or shipped scenarios' names ("reform_2020"). A reform may also be a pair
    (scenario, overrides) or overrides alone, which change the baseline: `compare("baseline", ["reform_2020",
    {"levers.training_subsidy.annual_quota": 200000}])` (model/experiments/overrides.py).
    All scenarios are reported over the baseline's period (after `start` / `end` overrides).
    `workers` replications run at once in separate processes (default: as many as cores and memory
    allow, at most `seeds`), each with `threads` kernel threads (default: the cores shared out).

    With `posterior` = N, every seed runs under N parameter draws (experiments/uncertainty.py: calibrated parameters
    from the Bayesian calibration's posterior, assumed lever responses from their priors); each effect's
    interval is then the total one, with its variance shared between simulation noise, calibrated parameters
    and assumed responses (columns share_noise, share_fitted, share_assumed).
    """
    if workers is not None and not 1 <= workers <= 256:
        raise InputError(f"workers: {workers} is outside the allowed range 1 to 256")
    setup = prepare(baseline, reforms, seeds, scale, seed, start, end, discount_rate, posterior, posterior_file)
    n_tasks = len(setup.groups) * seeds
    n_workers = pool_size(workers, n_tasks, scale)
    with executor(n_workers, scale, n_tasks, threads) as (pool, run_threads, _):
        tasks = setup.tasks(run_threads)
        n_runs = len(tasks) * setup.runs_per_task
        replications = _run_replications(pool, tasks,
                                         lambda k: on_run and on_run(k * setup.runs_per_task, n_runs))
    return assemble(setup, replications, n_workers)


@dataclass
class Setup:
    """A comparison checked and planned: the scenarios as (scenario, overrides), their names and ids, the
    period, and the parameter draws each seed runs under (one group of None without a posterior)."""

    baseline: tuple[ScenarioInput, dict]
    reforms: list[tuple[ScenarioInput, dict]]
    names: list[str]
    ids: list[str]
    period: Period
    seeds: int
    seed: int
    scale: float
    discount_rate: float
    plan: uncertainty.Design | None
    posterior_file: Path
    groups: list[tuple[dict | None, list[dict | None]]]

    @property
    def runs_per_task(self) -> int:
        return 1 + len(self.reforms) * len(self.groups[0][1])

    def tasks(self, threads: int) -> list[tuple]:
        """The arguments of `replication`, one per (calibrated draw, seed)."""
        return [(self.baseline, self.reforms, self.scale, self.seed + r, self.period.start, self.period.end, threads,
                 self.discount_rate, base, draws) for base, draws in self.groups for r in range(self.seeds)]


def prepare(baseline: ScenarioInput | tuple[ScenarioInput, Overrides], reforms: list[Variant], seeds: int,
            scale: float, seed: int, start: str | None, end: str | None, discount_rate: float = DISCOUNT_RATE,
            posterior: int | None = None, posterior_file: Path | None = None) -> Setup:
    """Check every input and scenario before anything runs; plan the runs."""
    if not 1 <= int(seeds) <= 10_000:
        raise InputError(f"seeds: {seeds} is outside the allowed range 1 to 10000")
    if not 0.0 <= discount_rate <= 0.5:
        raise InputError(f"discount_rate: {discount_rate} is outside the allowed range 0 to 0.5")
    if posterior is not None and seeds < 2:
        raise InputError(f"seeds: {seeds} is outside the allowed range with --posterior (2 or more, to tell "
                         "simulation noise from parameter uncertainty)")
    check_seed(seed + seeds - 1)
    check_scale(scale)
    if isinstance(baseline, Mapping):
        raise InputError("baseline: must be a scenario, or (scenario, {PATH: value, ...})")
    baseline = _read_once(variant(baseline, None))
    reforms = [_read_once(variant(r, baseline[0])) for r in reforms]
    base_spec, _, _ = resolve_scenario(baseline[0], start, end, baseline[1])
    period = base_spec.period
    specs = [resolve_scenario(r, period.start, period.end, changes)[0] for r, changes in reforms]  # all checked first
    names = _unique_names([base_spec.key, *[s.key for s in specs]])
    ids = _unique_names([base_spec.scenario_id, *[s.scenario_id for s in specs]], "-")
    posterior_file = posterior_file or uncertainty.posterior.POSTERIOR_FILE
    plan = uncertainty.design(posterior, seed, posterior_file) if posterior is not None else None
    groups = [(None, [None])] if plan is None else [
        (fitted, [d.parameters for d in plan.draws if d.fitted == f]) for f, fitted in enumerate(plan.fitted)]
    return Setup(baseline, reforms, names, ids, period, int(seeds), seed, scale, discount_rate, plan, posterior_file,
                 groups)


def assemble(setup: Setup, replications: list[dict], n_workers: int) -> Comparison:
    """The comparison's effects, headline and manifest from its replications (in the order of `Setup.tasks`)."""
    plan, groups, seeds, names, ids, period = (setup.plan, setup.groups, setup.seeds, setup.names, setup.ids,
                                               setup.period)
    n_draws = len(groups) * len(groups[0][1])

    def samples(field: str, k: int) -> np.ndarray:
        """(draws, seeds, ...) of reform k, draws fitted-major, from tasks ordered (fitted draw, seed)."""
        per_task = np.stack([np.stack(rep[field][k]) for rep in replications])  # (tasks, local draws, ...)
        shaped = per_task.reshape(len(groups), seeds, len(groups[0][1]), *per_task.shape[2:])
        return np.swapaxes(shaped, 1, 2).reshape(n_draws, seeds, *per_task.shape[2:])

    frame = replications[0]["keys"]
    per_fitted = plan.per_fitted if plan else 1
    effects = pd.concat([part for k, name in enumerate(names[1:]) for part in (
        _summarise(name, frame, samples("differences", k), per_fitted),
        _summarise(name, _incidence_keys(period.end), samples("incidence", k), per_fitted,
                   bounds=_incidence_bounds()))],
        ignore_index=True)
    effects.insert(1, "scenario_id", effects["scenario"].map(dict(zip(names, ids, strict=True))))
    for column in ("kpi", "dimension", "group"):
        effects[column] = effects[column].astype(str).astype("category")
    headline_samples = [pd.DataFrame([h for rep in replications for h in rep["headline"][k]])
                        for k in range(len(setup.reforms))]
    rows = []
    for k, name in enumerate(names[1:]):
        table = headline_samples[k]
        if plan is not None:  # from (fitted draw, seed, local draw) order to fitted-major draws by seed
            order = np.arange(len(table)).reshape(len(groups), seeds, per_fitted).swapaxes(1, 2).reshape(-1)
            table = table.iloc[order].reset_index(drop=True)
        rows.append({"scenario": name, "scenario_id": ids[k + 1], "first_month": period.start,
                     "month": period.end, "seeds": seeds,
                     **({"posterior_draws": n_draws} if plan else {}),
                     **summarise_headline(table, per_fitted if plan else None, seeds)})
    headline = pd.DataFrame(rows)
    if plan is not None:
        _add_influences(headline, headline_samples, plan, len(groups), seeds)
    headline["probability_cheapest_per_high_skill_worker"] = _probability_first(headline_samples, ("fiscal",))
    headline["probability_cheapest_total_per_high_skill_worker"] = _probability_first(headline_samples,
                                                                                      ("fiscal", "employer"))
    manifest = {
        "baseline": names[0], "reforms": names[1:], "scenario_ids": dict(zip(names, ids, strict=True)),
        "seeds": list(range(setup.seed, setup.seed + seeds)), "scale": setup.scale,
        "period": period.model_dump(),
        "interval": (f"{INTERVAL:.0%} Student-t interval of the mean paired effect" if plan is None else
                     f"{INTERVAL:.0%} total interval: 5% and 95% quantiles of the paired effect over "
                     f"{n_draws} parameter draws x {seeds} seeds"),
        "discount_rate": setup.discount_rate, "worker_processes": n_workers,
        "runs": {name: [m for rep in replications for m in rep["manifests"][k]] for k, name in enumerate(names)},
        "calibration_fit": point_fit(),  # the fit the runs used (their manifests record its file's sha256)
    }
    if plan is not None:
        manifest["posterior"] = {
            "draws": n_draws, "fitted_draws": len(plan.fitted), "response_draws_per_fitted_draw": per_fitted,
            "posterior_file": str(setup.posterior_file), "posterior_sha256": file_sha256(setup.posterior_file),
            "posterior_effective_sample_size": round(uncertainty.posterior.effective_sample_size(
                uncertainty.posterior.load_particles(setup.posterior_file)["weight"]), 1),
            "not_moved_by_data": uncertainty.posterior.not_moved_by_data(),
            # False: drawn against an earlier calibration/targets.yaml (design() warns)
            "drawn_against_current_targets": uncertainty.posterior.drawn_against_current_targets(setup.posterior_file),
            "decomposition": "nested analysis of variance (fitted draws, response draws within, seeds within): "
                             "share_noise + share_fitted + share_assumed = 1",
            "parameters": [d.parameters for d in plan.draws]}
    return Comparison(effects, headline, manifest)


def pool_size(workers: int | None, tasks: int, scale: float) -> int:
    """Worker processes for a comparison: as asked, or as many as cores, tasks and memory allow."""
    if workers is not None:
        return min(workers, tasks)
    return processes_that_fit(scale, tasks, runs_per_process=2)  # a baseline and a reform at once


def _run_replications(pool: Executor, tasks: list[tuple], progress: Callable[[int], object]) -> list[dict]:
    """Each replication's results, in seed order, from the executor (experiments/executors.py). A failed
    replication fails the comparison at once, saying which; the replications not finished are dropped."""
    futures: list[Future] = []
    for task in tasks:
        futures.append(pool.submit(replication, *task))
        if futures[-1].done() and futures[-1].exception() is not None:
            break  # run in this process: the rest need not run
    order = {future: k for k, future in enumerate(futures)}
    pending, done = set(futures), 0
    while pending:
        finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
        for future in sorted(finished, key=order.get):
            error = future.exception()
            if error is None:
                done += 1
                progress(done)
                continue
            for rest in pending:
                rest.cancel()
            if isinstance(error, InputError):
                raise error
            raise ReplicationsFailed(f"replication {order[future] + 1} of {len(tasks)} failed (the rest were "
                                     f"stopped): {type(error).__name__}: {error}") from error
    return [future.result() for future in futures]


_BASELINE_RUNS: dict[str, SimulatedRun] = {}  # keep_baseline: this process's latest baseline runs
_BASELINES_KEPT = 4


def replication(baseline: tuple[ScenarioInput, dict], reforms: list[tuple[ScenarioInput, dict]], scale: float,
                seed: int, start: str, end: str, threads: int, discount_rate: float,
                base_parameters: dict[str, float] | None = None,
                draws: list[dict[str, float] | None] = (None,), keep_baseline: bool = False) -> dict:
    """One seed (under one draw of the calibrated parameters): the baseline, then every reform under each of
    `draws` (parameter sets; None = the calibration in force). Scenarios come as (scenario, overrides). Per
    reform, lists over the draws of the paired differences, incidence and headline numbers; every run's manifest.
    With `keep_baseline` the baseline run is kept in this process and reused by the next calls that ask for the
    same one (the explorer's long-lived workers)."""
    key = json.dumps([_described(baseline[0]), baseline[1], scale, seed, start, end, base_parameters],
                     sort_keys=True, default=str)
    base = _BASELINE_RUNS.get(key) if keep_baseline else None
    if base is None:
        base = simulate(baseline[0], scale, seed, start, end, threads, keep_workers=True, parameters=base_parameters,
                        overrides=baseline[1])
        if keep_baseline:
            while len(_BASELINE_RUNS) >= _BASELINES_KEPT:
                _BASELINE_RUNS.pop(next(iter(_BASELINE_RUNS)))
            _BASELINE_RUNS[key] = base
    keys = base.table[KEYS]
    index = HeadlineIndex(keys, start, end, discount_rate)
    out: dict = {"keys": keys, "differences": [[] for _ in reforms], "incidence": [[] for _ in reforms],
                 "headline": [[] for _ in reforms], "manifests": [[base.manifest], *[[] for _ in reforms]]}
    for parameters in draws:
        for k, (reform, changes) in enumerate(reforms):
            run = simulate(reform, scale, seed, start, end, threads, keep_workers=True, parameters=parameters,
                           overrides=changes)
            if not run.table[KEYS].equals(keys):
                raise RuntimeError(f"KPI tables of the baseline and {run.manifest['scenario']['name']!r} do not "
                                   "line up")
            difference = run.table["value"].to_numpy() - base.table["value"].to_numpy()
            incidence = distribution.incidence(base.workers, run.workers)
            out["differences"][k].append(difference)
            out["incidence"][k].append(incidence.reshape(-1))
            out["headline"][k].append(index.values(difference, incidence))
            out["manifests"][k + 1].append(run.manifest)
    return out


def _read_once(option: tuple[ScenarioInput, dict]) -> tuple[Scenario | ScenarioFile | None, dict]:
    """An option with its scenario file read here, once: the replications get the scenario, not its path."""
    return read_scenario(option[0]), option[1]


def _described(scenario: ScenarioInput) -> object:
    """What identifies a scenario's runs: its validated content (a file's content may change between calls)."""
    spec = scenario if isinstance(scenario, Scenario) else resolve_scenario(scenario)[0]
    return spec.model_dump(mode="json")


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


def summarise_headline(draws: list[dict[str, float]] | pd.DataFrame, per_fitted: int | None = None,
                       seeds: int | None = None) -> dict[str, float]:
    """Mean and interval of each headline number, then the costs per additional high-skill and retained worker.

    Rows are replications; with `per_fitted` they are parameter draws by seeds (draw-major, fitted-major, as
    model/experiments/uncertainty.py lays them out) and each number gets the total interval and its variance shares.
    A cost per unit is the mean cost over the mean effect, with an interval from the mean cost over the effect's
    interval bounds. When the effect's interval includes zero (or there is one replication) the ratio is not
    bounded and all three are left empty (NaN).
    """
    table = pd.DataFrame(draws)
    if {"fiscal_cost_yuan_total", "employer_cost_yuan_total"} <= set(table.columns):
        table["total_cost_yuan_total"] = table.fiscal_cost_yuan_total + table.employer_cost_yuan_total
    out: dict[str, float] = {}
    if per_fitted is None:
        mean, lo, hi = mean_interval(table.to_numpy())
    else:
        parts = uncertainty.decompose(table.to_numpy().reshape(-1, seeds, table.shape[1]), per_fitted)
        mean, lo, hi = parts["mean"], parts["lo"], parts["hi"]
    shares = table.columns.isin(["wage_winners_share", "wage_losers_share"])
    lo, hi = np.where(shares, np.clip(lo, 0, 1), lo), np.where(shares, np.clip(hi, 0, 1), hi)
    for k, column in enumerate(table.columns):
        out[column], out[f"{column}_lo"], out[f"{column}_hi"] = mean[k], lo[k], hi[k]
        if per_fitted is not None:
            for source in uncertainty.SOURCES:
                out[f"{column}_share_{source}"] = float(parts[f"share_{source}"][k])
    for payer, cost in (("fiscal", out["fiscal_cost_yuan_total"]), ("employer", out["employer_cost_yuan_total"]),
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


def _summarise(name: str, keys: pd.DataFrame, samples: np.ndarray, per_fitted: int,
               bounds: tuple[float, float] = (-np.inf, np.inf)) -> pd.DataFrame:
    """Mean and interval of each row over the (draws, seeds) samples; shares keep their interval within [0, 1].
    One draw: the t-interval of the mean over seeds. Several: the total interval and its variance shares."""
    out = keys.copy()
    out.insert(0, "scenario", name)
    if samples.shape[0] == 1:
        mean, lo, hi = mean_interval(samples[0])
        out["mean"], out["lo"], out["hi"] = mean, np.clip(lo, *bounds), np.clip(hi, *bounds)
        return out
    parts = uncertainty.decompose(samples, per_fitted)
    out["mean"], out["lo"], out["hi"] = parts["mean"], np.clip(parts["lo"], *bounds), np.clip(parts["hi"], *bounds)
    for source in uncertainty.SOURCES:
        out[f"share_{source}"] = parts[f"share_{source}"].astype(np.float32)
    return out


# The headline effects whose assumed-response dependence is named (report and CLI confidence tables)
INFLUENCE_EFFECTS = ("delta_high_skill_workers", "delta_retained_workers", "delta_mean_wage_yuan_month",
                     "delta_turnover_pp")


def _add_influences(headline: pd.DataFrame, samples: list[pd.DataFrame], plan: uncertainty.Design, n_fitted: int,
                    seeds: int) -> None:
    """Which assumed responses each reform's key effects move with (model/experiments/uncertainty.py): columns
    `<effect>_moves_with` (parameter ids, "; "-separated) and `<effect>_moves_with_rho` (Spearman correlations)."""
    for effect in INFLUENCE_EFFECTS:
        names, rhos = [], []
        for table in samples:
            values = table[effect].to_numpy(dtype=float)
            ordered = values.reshape(n_fitted, seeds, plan.per_fitted).swapaxes(1, 2).reshape(-1, seeds)
            found = uncertainty.influential_responses(ordered, plan)
            names.append("; ".join(name for name, _ in found))
            rhos.append("; ".join(f"{rho:+.2f}" for _, rho in found))
        headline[f"{effect}_moves_with"] = names
        headline[f"{effect}_moves_with_rho"] = rhos


def _probability_first(samples: list[pd.DataFrame], payers: tuple[str, ...]) -> list[float]:
    """Share of the samples (seeds, or draws by seeds) in which each reform has the lowest cost to `payers` per
    additional high-skill worker (a reform that adds none in a sample cannot rank first in it)."""
    cost = np.stack([sum(t[f"{payer}_cost_yuan_total"].to_numpy() for payer in payers) for t in samples])
    effect = np.stack([t["delta_high_skill_workers"].to_numpy() for t in samples])
    with np.errstate(divide="ignore", invalid="ignore"):
        per_worker = np.where(effect > 0, cost / effect, np.inf)
    has_finite = np.isfinite(per_worker).any(axis=0)
    best = np.argmin(per_worker, axis=0)
    return [float(np.mean(has_finite & (best == k))) for k in range(len(samples))]


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


def _unique_names(names: list[str], style: str = "()") -> list[str]:
    """Scenario names (or ids) as given, numbered where two scenarios share one: `name (2)` (or `id-2`)."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        n = seen[name]
        out.append(name if n == 1 else f"{name} ({n})" if style == "()" else f"{name}-{n}")
    return out

"""Calibration by the method of simulated moments: fit the free behavioural parameters to the targets.

The distance is the sum over `use: fit` targets of ((simulated - published) / tolerance)^2, with the
statistics averaged over a fixed set of seeds (common random numbers across trials, so the distance
is a smooth function of the parameters). A global search (scipy's differential evolution, seeded)
is followed by a local one (Nelder-Mead). Every evaluation is kept in a checkpoint file; since both
searches are deterministic, rerunning an interrupted fit replays the stored evaluations and resumes
where it stopped. Results go to calibration/fitted.yaml, which every run then uses.
"""

from __future__ import annotations

import datetime
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from model.calibration.inputs import CALIBRATION_DIR, FITTED_FILE, Calibration, load_calibration
from model.calibration.targets import CALIBRATION_START, TARGETS_FILE, Target, load_targets, simulated_statistics
from model.errors import InputError
from model.files import short_digest, text_digest, write_text_atomically
from model.outputs import treatment_effects
from model.provenance import code_digest, git_commit, package_version

# The parameters the targets pin down (see the identification report); the rest stay assumed.
# matching_efficiency is not among them: vacancies exceed searchers, so matching clears within the
# month at any efficiency in its range and no target moves with it (measured: zero sensitivity).
# learning_rate_monthly is not among them either: with sitting rates balanced at the start, no in-sample target
# moves with it above 0.02 (profile of the fit of 2026-12-01 that freed it); nor are the local and migrant exit
# rates, whose profiles stayed open in the fit of 2026-12-05 that freed them (calibration/parameters.yaml); nor is
# quit_migrant, which the targets pin only jointly with quit_base_logit (priors.RIDGE).
FREE = ("quit_base_logit", "migrant_late_exit_rate_monthly", "entrant_migrant_mature_share", "certification_drive")


@dataclass(frozen=True)
class FitSettings:
    """How hard to search: scale and seeds of each evaluation, and the searches' sizes."""

    scale: float = 0.002
    seeds: int = 2
    seed: int = 0
    population: int = 6  # differential evolution: population = population x parameters
    generations: int = 10
    local_evaluations: int = 240  # Nelder-Mead: 80 stopped 0.95 above a point the profile of drive found (2026-12-07)
    budget_seconds: float = 3300.0

    @classmethod
    def quick(cls, **changes) -> FitSettings:  # noqa: ANN003
        return cls(**{"scale": 0.001, "seeds": 2, "population": 3, "generations": 3, "local_evaluations": 25,
                      "budget_seconds": 240.0, **changes})


class _OutOfTime(Exception):
    pass


@dataclass
class Objective:
    """The distance at a parameter vector, with every evaluation remembered (and checkpointed)."""

    calibration: Calibration
    targets: dict[str, Target]
    settings: FitSettings
    checkpoint: Path | None = None
    deadline: float = np.inf
    on_evaluation: Callable[[int, float], None] | None = None
    free: tuple[str, ...] = FREE
    cache: dict[str, dict] = field(default_factory=dict)
    best: tuple[float, np.ndarray | None] = (np.inf, None)
    new_evaluations: int = 0

    def __post_init__(self) -> None:
        if self.checkpoint is not None and self.checkpoint.exists():
            stored = json.loads(self.checkpoint.read_text())
            if stored.get("key") == self.key():
                self.cache = stored["evaluations"]
                for entry in self.cache.values():
                    self._track(entry["distance"], np.array(entry["x"]))

    def key(self) -> str:
        """What the stored evaluations depend on: settings, free parameters, targets, parameter files and the
        model's code."""
        s = self.settings
        text = json.dumps([s.scale, s.seeds, s.seed, self.free, short_digest(TARGETS_FILE),
                           {name: t.value for name, t in self.targets.items()},
                           short_digest(CALIBRATION_DIR / "parameters.yaml"),
                           short_digest(CALIBRATION_DIR / "population.yaml"), code_digest()])
        return text_digest(text, 16)

    def statistics(self, x: np.ndarray) -> dict[str, float]:
        return self._evaluate(x)["statistics"]

    def __call__(self, x: np.ndarray) -> float:
        return self._evaluate(x)["distance"]

    def _evaluate(self, x: np.ndarray) -> dict:
        name = json.dumps([float(f"{v:.10g}") for v in x])
        if name not in self.cache:
            if time.monotonic() > self.deadline:
                raise _OutOfTime
            stats = mean_statistics(self.calibration.with_overrides(dict(zip(self.free, map(float, x), strict=True))),
                                    self.settings)
            kept = {t.key: stats[t.key] for t in self.targets.values() if t.key in stats}  # what the targets read
            self.cache[name] = {"x": [float(v) for v in x], "distance": distance(stats, self.targets),
                                "statistics": kept}
            self.new_evaluations += 1
            if self.checkpoint is not None and self.new_evaluations % 5 == 0:
                self.save()
        entry = self.cache[name]
        self._track(entry["distance"], np.asarray(x, dtype=float))
        if self.on_evaluation:
            self.on_evaluation(len(self.cache), self.best[0])
        return entry

    def _track(self, value: float, x: np.ndarray) -> None:
        if value < self.best[0]:
            self.best = (value, x.copy())

    def save(self) -> None:
        if self.checkpoint is None:
            return
        self.checkpoint.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(self.checkpoint, json.dumps({"key": self.key(), "evaluations": self.cache}))


def mean_statistics(calibration: Calibration, settings: FitSettings) -> dict[str, float]:
    """Statistics averaged over the settings' seeds (the same seeds for every trial)."""
    runs = [simulated_statistics(calibration, settings.scale, settings.seed + k) for k in range(settings.seeds)]
    return {name: float(np.mean([r[name] for r in runs])) for name in runs[0]}


def distance(statistics: dict[str, float], targets: dict[str, Target]) -> float:
    """Sum of squared tolerance-scaled gaps over the targets used in the fit."""
    return float(sum(((statistics[t.key] - t.value) / t.tolerance) ** 2
                     for t in targets.values() if t.use == "fit"))


@dataclass
class FitResult:
    parameters: dict[str, float]
    distance: float
    statistics: dict[str, float]
    evaluations: int
    stopped_by_budget: bool


def fit(settings: FitSettings, checkpoint: Path | None = None,
        on_evaluation: Callable[[int, float], None] | None = None,
        targets: dict[str, Target] | None = None, restart_from: dict[str, float] | None = None) -> FitResult:
    """Global then local search from the assumed defaults (to the published targets, or to `targets`); with
    `restart_from` (parameter values), a local search from there only, the stored evaluations kept. Stops at the
    time budget with the best so far."""
    from scipy import optimize

    calibration = load_calibration(use_fitted=False)
    targets = load_targets() if targets is None else targets
    bounds = [calibration.parameters[name].bounds for name in FREE]
    start = np.array([calibration.scalar(name) for name in FREE])
    objective = Objective(calibration, targets, settings, checkpoint, time.monotonic() + settings.budget_seconds,
                          on_evaluation)
    stopped = False
    try:
        if restart_from is None:
            objective(start)
            optimize.differential_evolution(objective, bounds, seed=settings.seed, popsize=settings.population,
                                            maxiter=settings.generations, polish=False, init="sobol", x0=start,
                                            updating="deferred", tol=0.0)
        local_start = objective.best[1] if restart_from is None else np.array([restart_from[n] for n in FREE])
        optimize.minimize(objective, local_start, method="Nelder-Mead", bounds=bounds,
                          options={"maxfev": settings.local_evaluations, "xatol": 1e-4, "fatol": 1e-3})
    except _OutOfTime:
        stopped = True
    objective.save()
    value, x = objective.best
    return FitResult(dict(zip(FREE, map(float, x), strict=True)), value, objective.statistics(x),
                     len(objective.cache), stopped)


PROFILE_RESTARTS = 3  # local searches from a profile point that beats the fit, at most


def fit_with_profiles(settings: FitSettings, checkpoint: Path | None = None,
                      on_evaluation: Callable[[int, float], None] | None = None,
                      on_stage: Callable[[str], None] | None = None,
                      start_from: dict[str, float] | None = None) -> tuple[FitResult, dict, dict]:
    """`workforce calibrate`: the fit (with `start_from`, a local search from those values only), its objective
    profiles and, while a profile point beats the fit, a local search from that point (at most PROFILE_RESTARTS),
    so the fit is the minimum along every profile; then the local sensitivities. Returns the result, the profiles
    and the sensitivities."""
    def stage(text: str) -> None:
        if on_stage:
            on_stage(text)

    result = fit(settings, checkpoint, on_evaluation, restart_from=start_from)
    stage("identification: objective profiles")
    profile = profiles(result.parameters, settings)
    for _ in range(PROFILE_RESTARTS):
        restart = better_profile_point(result, profile)
        if restart is None:
            break
        stage("fit: local search again from a profile point below the fit")
        result = fit(settings, checkpoint, on_evaluation, restart_from=restart)
        stage("identification: objective profiles")
        profile = profiles(result.parameters, settings)
    stage("identification: local sensitivity")
    return result, profile, identification(result.parameters, settings)


def identification(parameters: dict[str, float], settings: FitSettings) -> dict[str, dict[str, float]]:
    """Local sensitivity at the fit: the change in each fitted statistic, in tolerances, when a parameter
    moves by 5% of its range (central difference). Rows near zero are what the targets do not pin down
    locally; `profiles` says whether they do over the whole range."""
    calibration = load_calibration(use_fitted=False).with_overrides(parameters)
    targets = {k: t for k, t in load_targets().items() if t.use == "fit"}
    out = {}
    for name in FREE:
        lo, hi = calibration.parameters[name].bounds
        step = 0.05 * (hi - lo)
        up = mean_statistics(calibration.with_overrides({name: min(hi, parameters[name] + step)}), settings)
        down = mean_statistics(calibration.with_overrides({name: max(lo, parameters[name] - step)}), settings)
        out[name] = {k: round((up[t.key] - down[t.key]) / 2 / t.tolerance, 3) for k, t in targets.items()}
    return out


RECOVERY_FILE = CALIBRATION_DIR / "recovery.csv"
RECOVERY_SEED_OFFSET = 1000  # synthetic targets come from other seeds than the fit's: they carry sampling noise
# A parameter is recovered when the joint fit finds it within this share of its range. The identified ones came back
# within 2-4% on 2026-12-07 (sampling noise of the fit's scale), the two quit parameters sliding along their ridge 15%
# and 36% off.
RECOVERED_WITHIN = 0.10


def synthetic_targets(truth: dict[str, float], settings: FitSettings) -> dict[str, Target]:
    """The targets with their values replaced by what the model simulates at `truth` (on other seeds)."""
    calibration = load_calibration(use_fitted=False).with_overrides(truth)
    other_seeds = FitSettings(**{**settings.__dict__, "seed": settings.seed + RECOVERY_SEED_OFFSET})
    simulated = mean_statistics(calibration, other_seeds)
    return {name: t.model_copy(update={"value": simulated[t.key]}) if t.key in simulated else t
            for name, t in load_targets().items()}  # check-only effects on the treated keep their published value


def recovery(truth: dict[str, float], settings: FitSettings, checkpoint: Path | None = None,
             on_evaluation: Callable[[int, float], None] | None = None) -> list[dict]:
    """Joint parameter recovery: fit every free parameter at once, from the assumed defaults, to targets the
    model generated at `truth`; per parameter the truth, the recovered value and the error as a share of
    the parameter's range."""
    result = fit(settings, checkpoint, on_evaluation, synthetic_targets(truth, settings))
    bounds = {name: load_calibration(use_fitted=False).parameters[name].bounds for name in FREE}
    return [{"parameter": name, "truth": truth[name], "recovered": result.parameters[name],
             "error_share_of_range": abs(result.parameters[name] - truth[name]) / (bounds[name][1] - bounds[name][0])}
            for name in FREE]


def not_recovered(rows: list[dict]) -> dict[str, float]:
    """The parameters a joint recovery missed by more than RECOVERED_WITHIN of their range, with the miss."""
    return {row["parameter"]: float(row["error_share_of_range"]) for row in rows
            if not float(row["error_share_of_range"]) <= RECOVERED_WITHIN}


def not_recovered_at(parameters: dict[str, float], path: Path = RECOVERY_FILE) -> dict[str, float] | None:
    """What the stored joint recovery (calibration/recovery.csv) missed, when it was run at these fitted values (its
    truths); None when there is no recovery of this fit (none stored, or one of another fit)."""
    import pandas as pd

    if not path.exists():
        return None
    rows = pd.read_csv(path).to_dict("records")
    truths = {row["parameter"]: float(row["truth"]) for row in rows}
    if set(truths) != set(parameters) or not all(
            np.isclose(truths[name], float(value), rtol=1e-5, atol=1e-9) for name, value in parameters.items()):
        return None
    return not_recovered(rows)


PROFILE_POINTS = 9
PROFILE_RISE = 1.0  # a parameter is pinned down when the distance rises by this much inside its bounds on both sides


def profiles(parameters: dict[str, float], settings: FitSettings) -> dict[str, dict]:
    """The objective's profile along each fitted parameter (the others held at the fit): the distance at
    PROFILE_POINTS values across the bounds, the range of values within PROFILE_RISE of the best, and
    whether that range closes inside the bounds on both sides (the parameter is identified)."""
    calibration = load_calibration(use_fitted=False).with_overrides(parameters)
    targets = load_targets()
    out = {}
    for name in FREE:
        lo, hi = calibration.parameters[name].bounds
        grid = sorted({*np.linspace(lo, hi, PROFILE_POINTS).tolist(), parameters[name]})
        values = [distance(mean_statistics(calibration.with_overrides({name: float(v)}), settings), targets)
                  for v in grid]
        best = int(np.argmin(values))
        within = [v for v, d in zip(grid, values, strict=True) if d <= values[best] + PROFILE_RISE]
        closed = values[0] > values[best] + PROFILE_RISE and values[-1] > values[best] + PROFILE_RISE
        out[name] = {"values": [float(f"{v:.6g}") for v in grid], "distance": [round(d, 3) for d in values],
                     "interval": [float(f"{min(within):.6g}"), float(f"{max(within):.6g}")],
                     "identified": bool(closed)}
    return out


def better_profile_point(result: FitResult, profile: dict[str, dict]) -> dict[str, float] | None:
    """The parameters of the lowest profile point below the fit's distance (the fit with one parameter moved), or
    None when the fit is the minimum along every profile. Nelder-Mead's simplex can collapse along one axis short
    of the minimum (2026-12-07: the certification drive at 0.72, where its profile found 0.95 less at 0.44)."""
    best = None
    for name, p in profile.items():
        for value, d in zip(p["values"], p["distance"], strict=True):
            if d < result.distance - 1e-6 and (best is None or d < best[0]):
                best = (d, {**result.parameters, name: float(value)})
    return None if best is None else best[1]


def committed_values() -> dict[str, float]:
    """The free parameters' values every run uses now (fitted.yaml's, else parameters.yaml's): where
    `calibrate --from-fit` starts its local search."""
    calibration = load_calibration()
    return {name: calibration.scalar(name) for name in FREE}


GLOBAL_METHOD = "method of simulated moments: differential evolution, then Nelder-Mead"
LOCAL_METHOD = "method of simulated moments: Nelder-Mead from the previous fit's values (calibrate --from-fit)"


def write_fitted(result: FitResult, settings: FitSettings, sensitivity: dict | None, path: Path = FITTED_FILE,
                 profile: dict | None = None, method: str = GLOBAL_METHOD) -> None:
    """calibration/fitted.yaml: values, achieved statistics, objective and provenance (written atomically)."""
    targets = load_targets()
    body = {
        "provenance": {"date": datetime.date.today().isoformat(), "package_version": package_version(),
                       "git": git_commit(), "method": method,
                       "scale": settings.scale, "seeds": list(range(settings.seed, settings.seed + settings.seeds)),
                       "evaluations": result.evaluations, "stopped_by_time_budget": result.stopped_by_budget},
        "objective": round(result.distance, 4),
        "parameters": {k: float(f"{v:.6g}") for k, v in result.parameters.items()},
        # the targets the fit simulates; the effects on the treated are simulated by `check` only
        "targets": {name: {"published": t.value, "simulated": float(f"{result.statistics[t.key]:.6g}"),
                           "tolerance": t.tolerance, "use": t.use}
                    for name, t in targets.items() if t.key in result.statistics},
    }
    if sensitivity is not None:
        body["identification"] = sensitivity
    if profile is not None:
        body["profiles"] = profile
    header = "# Written by `workforce calibrate`; every run uses these parameter values (see README, Calibration).\n"
    write_text_atomically(path, header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True))


def check(scale: float, seeds: int, seed: int = 0, targets_file: Path = TARGETS_FILE,
          start: str = CALIBRATION_START) -> list[dict]:
    """Re-simulate from `start` with the calibration in force (fitted values) and compare every fitted or checked
    target (of calibration/targets.yaml, or of another file in its format, e.g. figures published later).

    The tolerance is widened by the sampling noise of the check's scale: twice the standard deviation of
    the statistic across the seeds (computed), so a small-scale check does not fail on noise alone.
    Targets recorded but not used (`use: none`) that have a statistic are shown beside them, with `passes`
    None: a known miss stays in view without deciding the exit code. A target whose years the run does not cover
    (it starts later) is shown as not simulated, also with `passes` None."""
    if seeds < 2:
        raise InputError(f"seeds: {seeds} is outside the allowed range (2 or more, to measure sampling noise)")
    calibration = load_calibration()
    targets = load_targets(Path(targets_file))
    paired = any(t.use != "none" and t.statistic in treatment_effects.STATISTICS for t in targets.values())
    runs = [simulated_statistics(calibration, scale, seed + k, start=start)
            | (treatment_effects.statistics(calibration, scale, seed + k) if paired else {}) for k in range(seeds)]
    rows = []
    for name, t in targets.items():
        if t.statistic is None:  # nothing to simulate
            continue
        if t.key not in runs[0]:
            if t.years is None:  # an effect on the treated, recorded but not used: not simulated
                continue
            rows.append({"target": name, "use": t.use, "year": t.year, "published": t.value, "simulated": np.nan,
                         "tolerance": t.tolerance, "sampling_noise": np.nan, "passes": None,
                         "not_simulated": f"needs the years {t.years[0]}-{t.years[1]}; the run starts {start}"})
            continue
        values = np.array([r[t.key] for r in runs])
        noise = 2.0 * values.std(ddof=1)
        allowed = t.tolerance + noise
        simulated = float(values.mean())
        rows.append({"target": name, "use": t.use, "year": t.year, "published": t.value, "simulated": simulated,
                     "tolerance": t.tolerance, "sampling_noise": noise,
                     "passes": None if t.use == "none" else bool(abs(simulated - t.value) <= allowed)})
    return rows

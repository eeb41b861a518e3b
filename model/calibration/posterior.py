"""Bayesian calibration: a posterior sample of the calibrated parameters given the in-sample targets.

The likelihood says what the point fit's distance says: each published figure is the simulated statistic plus
a Gaussian error whose standard deviation is the target's tolerance. pyabc's ABC-SMC with a stochastic
acceptor and a temperature schedule samples the exact posterior of that model (Wilkinson 2013; Schälte &
Hasenauer 2020), from the priors of model/calibration/priors.py. Each evaluation runs the model from 2020-01 to 2020-12
at a reduced scale on fixed seeds (common random numbers, so the simulator is a deterministic function of
the parameters). pyabc keeps every generation in an SQLite file: an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import random
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from model import yaml_files
from model.calibration.inputs import CALIBRATION_DIR, load_calibration
from model.calibration.priors import CALIBRATED, FLAT, Prior, calibrated_priors
from model.calibration.targets import TARGETS_FILE, Target, load_targets, simulated_statistics
from model.experiments import worker_processes
from model.files import short_digest, text_digest, write_atomically
from model.provenance import code_digest, git_commit, package_version

POSTERIOR_FILE = CALIBRATION_DIR / "posterior.csv"
SUMMARY_FILE = CALIBRATION_DIR / "posterior.yaml"
INTERVAL = 0.90
# A parameter counts as moved by the data when its posterior sd is below this share of its prior sd, or its
# mean has moved by more than MOVED_SHIFT prior sds.
MOVED_SD_RATIO = 0.7
MOVED_SHIFT = 0.5


@dataclass(frozen=True)
class PosteriorSettings:
    """Scale and seeds of each evaluation, and the size of the sampler's populations."""

    scale: float = 0.002
    seeds: int = 1  # common random numbers: the simulator is deterministic; a second seed doubled the time
    seed: int = 0
    population: int = 120
    generations: int = 8  # temperature 1 is reached by the last (pyabc's schedule plans for it)
    budget_seconds: float = 4800.0
    # Particles in the last generation (temperature 1, the sample that is read); None: `population`. With a
    # kernel proposal over every parameter, 120 were worth 8.2 and 480 only 3.7; the proposal of `_transition`
    # made 120 worth 78.5 (README, Uncertainty).
    final_population: int | None = None

    @classmethod
    def quick(cls, **changes) -> PosteriorSettings:  # noqa: ANN003
        return cls(**{"scale": 0.001, "seeds": 1, "population": 24, "generations": 3, "budget_seconds": 300.0,
                      **changes})

    def population_sizes(self) -> list[int]:
        """Particles in each generation: `population`, and `final_population` in the last."""
        return [self.population] * (self.generations - 1) + [self.final_population or self.population]


class Simulator:
    """The fitted statistics at a parameter set (a picklable callable for pyabc and the worker processes)."""

    def __init__(self, statistics: tuple[str, ...], scale: float, seeds: int, seed: int,
                 fixed: dict[str, float] | None = None) -> None:
        self.statistics, self.scale, self.seeds, self.seed = statistics, scale, seeds, seed
        self.fixed = fixed or {}

    @functools.cached_property
    def calibration(self):  # noqa: ANN201 - loaded once per process
        return load_calibration(use_fitted=False).with_overrides(self.fixed)

    def __call__(self, parameters: dict) -> dict[str, float]:
        calibration = self.calibration.with_overrides({k: float(v) for k, v in parameters.items()})
        runs = [simulated_statistics(calibration, self.scale, self.seed + k, threads=1) for k in range(self.seeds)]
        return {name: float(np.mean([r[name] for r in runs])) for name in self.statistics}


def _seeded_sampler(map_: Callable, seed: int):  # noqa: ANN202 - a pyabc sampler
    """pyabc's MappingSampler, with each particle's search seeded from (seed, generation, particle) instead of
    from the operating system, so a calibration gives the same sample on any number of processes."""
    import cloudpickle
    from pyabc.sampler import MappingSampler

    class SeededMappingSampler(MappingSampler):
        def sample_until_n_accepted(self, n, simulate_one, t, **_):  # noqa: ANN001, ANN202
            task = functools.partial(_particle, cloudpickle.dumps(simulate_one), self.sample_factory)
            seeds = [_particle_seed(seed, t, i) for i in range(n)]
            results = list(self.map_(task, seeds))
            self.nr_evaluations_ = sum(count for _, count in results)
            sample = self._create_empty_sample()
            for part, _ in results:
                sample += part
            return sample

    return SeededMappingSampler(map_=map_)


def _particle_seed(seed: int, generation: int, particle: int) -> int:
    digest = hashlib.sha256(f"{seed}:{generation}:{particle}".encode()).digest()
    return int.from_bytes(digest[:4], "little")


def _particle(simulate_one: bytes, empty_sample: Callable, particle_seed: int):  # noqa: ANN202
    """Simulate from one seeded stream until a particle is accepted (the body of pyabc's mapping task)."""
    simulate = _unpickled(simulate_one)
    np.random.seed(particle_seed)
    random.seed(particle_seed)
    sample, count = empty_sample(), 0
    while True:
        outcome = simulate()
        count += 1
        sample.append(outcome)
        if outcome.accepted:
            return sample, count


@functools.lru_cache(maxsize=1)
def _unpickled(simulate_one: bytes) -> Callable:
    """The generation's sampling function, unpickled once per process (not once per particle: a tenth of the
    time of a calibration on a fast simulator went there)."""
    import cloudpickle

    return cloudpickle.loads(simulate_one)


def _pyabc_prior(priors: dict[str, Prior]):  # noqa: ANN202
    import pyabc

    return pyabc.Distribution(**{name: pyabc.RV("uniform", p.lower, p.upper - p.lower) if p.kind == "uniform"
                                 else pyabc.RV("triang", (p.mode - p.lower) / (p.upper - p.lower), p.lower,
                                               p.upper - p.lower)
                                 for name, p in priors.items()})


def _transition(priors: dict[str, Prior]):  # noqa: ANN202 - a pyabc transition
    """How each generation proposes parameters: those whose profiles are flat (priors.FLAT) from their prior, the
    rest from pyabc's multivariate normal kernel density around the last generation.

    The data hardly move the unidentified ones, so a kernel fitted to 120 particles in all eight dimensions was
    thin wherever few particles had landed: the importance weights (prior over proposal) of the last generation
    ran over three orders of magnitude and 120 particles were worth 8.2. Proposed from the prior in those three
    dimensions, the same last generation was worth 70.7 (README, Uncertainty). The weights stay exact: the
    proposal covers the prior's support."""
    import pyabc

    class FromPrior(pyabc.transition.Transition):
        """Proposes parameters from their priors, whatever the last generation."""

        def __init__(self, priors: dict[str, Prior]) -> None:
            self.priors = priors

        def fit(self, X: pd.DataFrame, w: np.ndarray) -> None:  # noqa: N803 - pyabc's signature
            pass

        def rvs_single(self):  # noqa: ANN202 - a pyabc Parameter
            return pyabc.Parameter({name: float(p.quantile(np.random.uniform())) for name, p in self.priors.items()})

        def pdf(self, x):  # noqa: ANN001, ANN202 - a Parameter, Series or DataFrame
            if isinstance(x, pd.DataFrame):
                return np.array([self.pdf(row) for _, row in x.iterrows()])
            return float(np.prod([p.density(float(x[name])) for name, p in self.priors.items()]))

    flat = tuple(name for name in priors if name in FLAT)
    rest = tuple(name for name in priors if name not in flat)
    if not flat:
        return pyabc.MultivariateNormalTransition()
    from_prior = FromPrior({name: priors[name] for name in flat})
    if not rest:
        return from_prior
    return pyabc.transition.AggregatedTransition({rest: pyabc.MultivariateNormalTransition(), flat: from_prior})


@dataclass
class PosteriorResult:
    particles: pd.DataFrame  # weight, one column per parameter, one per simulated statistic ("stat:<name>")
    priors: dict[str, Prior]
    targets: dict[str, Target]
    settings: PosteriorSettings
    generations: int
    evaluations: int
    final_temperature: float
    seconds: float


def key(settings: PosteriorSettings, priors: dict[str, Prior], targets: dict[str, Target],
        fixed: dict[str, float]) -> str:
    """What a stored calibration depends on: settings, priors, targets, the parameter files and the model's code."""
    s = settings
    text = json.dumps([s.scale, s.seeds, s.seed, s.population_sizes(), [p.__dict__ for p in priors.values()],
                       {n: [t.value, t.tolerance, t.key] for n, t in targets.items() if t.use == "fit"}, fixed,
                       short_digest(CALIBRATION_DIR / "parameters.yaml"),
                       short_digest(CALIBRATION_DIR / "population.yaml"), code_digest()],
                      sort_keys=True)
    return text_digest(text, 16)


def database_path(settings: PosteriorSettings, checkpoint_dir: Path, targets: dict[str, Target] | None = None,
                  priors: dict[str, Prior] | None = None, fixed: dict[str, float] | None = None) -> Path:
    """Where the calibration of these settings, targets and priors keeps its generations."""
    targets = load_targets() if targets is None else targets
    priors = calibrated_priors(load_calibration(use_fitted=False)) if priors is None else priors
    return checkpoint_dir / f"posterior-{key(settings, priors, targets, fixed or {})}.db"


def calibrate(settings: PosteriorSettings, checkpoint_dir: Path, targets: dict[str, Target] | None = None,
              priors: dict[str, Prior] | None = None, fixed: dict[str, float] | None = None,
              workers: int = 1, simulator: Callable[[dict], dict[str, float]] | None = None) -> PosteriorResult:
    """ABC-SMC of the priors' parameters against the `use: fit` targets; resumes from the checkpoint database of
    the same settings, priors and targets. Stops at temperature 1 (the exact posterior), at the settings'
    generations or at the time budget, whichever comes first; `final_temperature` says which.

    `simulator` (a picklable function of a parameter dict to the statistics) replaces the model, for checks of
    the inference itself (model/calibration/checks.py); its database is not resumed."""
    import logging

    import pyabc

    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("Sampler").setLevel(logging.WARNING)
    logging.getLogger("Epsilon").setLevel(logging.WARNING)
    targets = load_targets() if targets is None else targets
    fit_targets = {n: t for n, t in targets.items() if t.use == "fit"}
    priors = calibrated_priors(load_calibration(use_fitted=False)) if priors is None else priors
    fixed = fixed or {}
    statistics = tuple(t.key for t in fit_targets.values())
    observed = {t.key: float(t.value) for t in fit_targets.values()}
    kernel = pyabc.IndependentNormalKernel(var=[t.tolerance ** 2 for t in fit_targets.values()], keys=list(statistics))
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    if simulator is None:
        simulator = Simulator(statistics, settings.scale, settings.seeds, settings.seed, fixed)
        database = database_path(settings, checkpoint_dir, targets, priors, fixed)
    else:
        database = checkpoint_dir / "posterior-check.db"
        database.unlink(missing_ok=True)
    started = time.monotonic()
    np.random.seed(settings.seed)
    with worker_processes.pool(workers) if workers > 1 else _no_pool() as pool:
        sampler = _seeded_sampler(pool.map if pool else map, settings.seed)
        sizes = pyabc.populationstrategy.ListPopulationSize(settings.population_sizes(),
                                                           nr_calibration_particles=settings.population)
        abc = pyabc.ABCSMC(simulator, _pyabc_prior(priors), kernel, population_size=sizes,
                           transitions=_transition(priors), sampler=sampler,
                           acceptor=pyabc.StochasticAcceptor(), eps=pyabc.Temperature())
        url = f"sqlite:///{database}"
        resumed = resumable_run(database)
        if resumed is not None:
            abc.load(url, resumed)
        else:
            database.unlink(missing_ok=True)
            abc.new(url, observed)
        history = abc.history
        remaining = settings.generations - history.n_populations
        if remaining > 0 and not _reached_one(history):
            history = abc.run(max_nr_populations=remaining,
                              max_walltime=datetime.timedelta(seconds=settings.budget_seconds))
    t = history.max_t
    frame, weights = history.get_distribution(t=t)
    stat_weights, stats = history.get_weighted_sum_stats(t=t)
    particles = frame.reset_index(drop=True)[list(priors)]
    particles.insert(0, "weight", np.asarray(weights) / np.sum(weights))
    # pyabc returns parameters and statistics in the same (particle id) order
    for name in statistics:
        particles[f"stat:{name}"] = [s[name] for s in stats]
    populations = history.get_all_populations()
    return PosteriorResult(particles, priors, targets, settings, int(t + 1),
                           int(populations.samples.sum()), float(populations.epsilon.iloc[-1]),
                           time.monotonic() - started)


def resumable_run(database: Path) -> int | None:
    """The id of the checkpoint's run to resume, or None: no checkpoint, or a run stopped within its first
    generation (pyabc stores a run with its observed data as generation -1 before the first), which starts
    afresh. A file there that holds no run is refused, not deleted."""
    import pyabc

    from model.errors import InputError

    if not database.exists():
        return None
    history = pyabc.History(f"sqlite:///{database}")
    if history.id is None:
        raise InputError(f"{database}: not a calibration checkpoint (it holds no run); move it away to start afresh")
    return history.id if history.max_t >= 0 else None


class _no_pool:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def _reached_one(history) -> bool:  # noqa: ANN001
    return history.n_populations > 0 and float(history.get_all_populations().epsilon.iloc[-1]) <= 1.0


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, probabilities: list[float]) -> np.ndarray:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) - 0.5 * weights[order]
    return np.interp(probabilities, cumulative / weights.sum(), values[order])


def summary(result: PosteriorResult) -> dict:
    """Per parameter: prior and posterior mean, sd and 90% interval, and whether the data moved it; per target:
    the posterior predictive mean and 90% interval (simulation plus the likelihood's error) and whether the
    published figure lies inside."""
    p = result.particles
    w = p.weight.to_numpy()
    tails = [(1 - INTERVAL) / 2, (1 + INTERVAL) / 2]
    parameters = {}
    for name, prior in result.priors.items():
        x = p[name].to_numpy()
        mean = float(w @ x)
        sd = float(np.sqrt(w @ (x - mean) ** 2))
        lo, hi = weighted_quantiles(x, w, tails)
        u = np.array(tails)
        prior_lo, prior_hi = prior.quantile(u)
        moved = sd < MOVED_SD_RATIO * prior.sd() or abs(mean - prior.mean()) > MOVED_SHIFT * prior.sd()
        parameters[name] = {"prior": f"{prior.kind} [{prior.lower:g}, {prior.upper:g}]",
                            "prior_mean": _g(prior.mean()), "prior_sd": _g(prior.sd()),
                            "prior_interval": [_g(prior_lo), _g(prior_hi)],
                            "posterior_mean": _g(mean), "posterior_sd": _g(sd), "posterior_interval": [_g(lo), _g(hi)],
                            "sd_ratio": round(float(sd / prior.sd()), 3), "moved_by_data": bool(moved)}
    rng = np.random.default_rng(result.settings.seed)
    predictive = {}
    for name, target in result.targets.items():
        column = f"stat:{target.key}"
        if target.use != "fit" or column not in p:
            continue
        draws = rng.choice(p[column].to_numpy(), size=4000, p=w) + rng.normal(0.0, target.tolerance, 4000)
        lo, hi = np.quantile(draws, tails)
        predictive[name] = {"published": target.value, "tolerance": target.tolerance,
                            "predictive_mean": _g(float(draws.mean())), "predictive_interval": [_g(lo), _g(hi)],
                            "inside": bool(lo <= target.value <= hi)}
    return {"parameters": parameters, "predictive_checks": predictive}


def not_moved_by_data(summary_file: Path = SUMMARY_FILE) -> list[str]:
    """Calibrated parameters the Bayesian calibration left at their prior (posterior.yaml; none without it)."""
    if not Path(summary_file).exists():
        return []
    summary = yaml_files.read(summary_file, aliases=True) or {}
    return [name for name, p in (summary.get("parameters") or {}).items() if not p.get("moved_by_data", True)]


class StalePosteriorWarning(UserWarning):
    """The posterior drawn from was calibrated to other targets than calibration/targets.yaml holds now."""


def drawn_against_current_targets(posterior_file: Path = POSTERIOR_FILE) -> bool | None:
    """Whether a stored posterior was drawn against calibration/targets.yaml as it is now (the summary beside the
    particles, posterior.yaml, records the file's digest); None without a summary that says."""
    summary_file = Path(posterior_file).with_suffix(".yaml")
    if not summary_file.exists():
        return None
    recorded = ((yaml_files.read(summary_file, aliases=True) or {}).get("provenance") or {}).get("targets_file_sha256")
    return None if recorded is None else recorded == short_digest(TARGETS_FILE)


def write(result: PosteriorResult, posterior_file: Path = POSTERIOR_FILE, summary_file: Path = SUMMARY_FILE) -> dict:
    """calibration/posterior.csv (the weighted particles) and posterior.yaml (provenance and summary)."""
    s = result.settings
    body = {
        "provenance": {"date": datetime.date.today().isoformat(), "package_version": package_version(),
                       "git": git_commit(), "method": "ABC-SMC (pyabc), stochastic acceptor with a temperature "
                                                      "schedule: Gaussian errors with sd = each target's tolerance",
                       "scale": s.scale, "seeds": list(range(s.seed, s.seed + s.seeds)), "population": s.population,
                       "particles": len(result.particles), "generations": result.generations,
                       "evaluations": result.evaluations,
                       "final_temperature": round(result.final_temperature, 4),
                       "effective_sample_size": round(effective_sample_size(result.particles.weight.to_numpy()), 1),
                       "exact_posterior": bool(result.final_temperature <= 1.0),
                       "seconds": round(result.seconds, 1), "targets_file_sha256": short_digest(TARGETS_FILE),
                       "particles_file": posterior_file.name},
        **summary(result),
    }
    write_atomically(posterior_file, lambda path: result.particles.to_csv(path, index=False, float_format="%.8g"))
    header = "# Written by `workforce calibrate --posterior`: the Bayesian calibration (see README, Uncertainty).\n"
    write_atomically(summary_file, lambda path: path.write_text(
        header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True), encoding="utf-8"))
    return body


def effective_sample_size(weights: np.ndarray) -> float:
    """Kish's effective sample size of weighted particles, (Σw)² / Σw²: how many equally weighted particles
    they are worth (posterior.yaml records it)."""
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / np.square(w).sum())


def load_particles(path: Path = POSTERIOR_FILE) -> pd.DataFrame:
    """The stored posterior particles (weight and one column per calibrated parameter)."""
    from model.errors import InputError

    if not path.exists():
        raise InputError(f"posterior: {path} does not exist; run `workforce calibrate --posterior` first")
    frame = pd.read_csv(path)
    missing = [name for name in ("weight", *CALIBRATED) if name not in frame]
    if missing or frame.empty:
        raise InputError(f"posterior: {path} lacks the columns {missing or '(no rows)'}")
    return frame


def draws(n: int, seed: int, path: Path = POSTERIOR_FILE) -> list[dict[str, float]]:
    """n parameter sets from the stored posterior (systematic resampling of the weighted particles, seeded); a
    StalePosteriorWarning when it was drawn against other targets than calibration/targets.yaml holds now."""
    frame = load_particles(path)
    if drawn_against_current_targets(path) is False:
        warnings.warn(f"{path} was drawn against another calibration/targets.yaml than the present one: its draws "
                      "are those of that earlier calibration; rerun `workforce calibrate --posterior`",
                      StalePosteriorWarning, stacklevel=2)
    weights = frame.weight.to_numpy() / frame.weight.sum()
    positions = (np.random.default_rng(seed).random() + np.arange(n)) / n
    rows = np.minimum(np.searchsorted(np.cumsum(weights), positions), len(frame) - 1)
    names = [c for c in frame.columns if c in CALIBRATED]
    return [{name: float(frame[name].iloc[r]) for name in names} for r in rows]


def _g(value: float) -> float:
    return float(f"{value:.6g}")

"""Checks of the Bayesian calibration itself: simulation-based calibration (SBC) on stand-ins for the model
built from the model's own statistics.

SBC (Talts et al. 2018): draw a true parameter set from the prior, simulate data from it with the likelihood's
error, calibrate on those data, and record whether each posterior 90% interval covers the truth; over many
replications the coverage should be 90%. Calibrating the full model a hundred times is beyond a 2-core machine,
so the stand-ins keep the model's statistics and their dependence on the parameters:
- `LinearToy`: two parameters, the statistics' local sensitivities measured at the fit (calibration/fitted.yaml);
- `Emulator`: every calibrated parameter, a quadratic response surface fitted to the model runs the Bayesian
  calibration made (its pyabc database).
Both are deterministic functions of the parameters, as the model is on fixed seeds.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from model import yaml_files
from model.calibration import posterior
from model.calibration.inputs import CALIBRATION_DIR, FITTED_FILE, load_calibration
from model.calibration.priors import CALIBRATED, Prior, calibrated_priors
from model.calibration.targets import load_targets

TOY_PARAMETERS = ("quit_base_logit", "certification_drive")  # the fit's best-identified pair (fitted.yaml)
SENSITIVITY_STEP = 0.05  # fitted.yaml's identification: change per 5% of a parameter's range, in tolerances
SBC_FILE = CALIBRATION_DIR / "sbc.csv"


class LinearToy:
    """Statistics = the fit's simulated statistics + the measured local sensitivities x (parameters - fit)."""

    def __init__(self, names: tuple[str, ...] = TOY_PARAMETERS) -> None:
        fitted = yaml_files.read(FITTED_FILE, aliases=True)
        targets = {n: t for n, t in load_targets().items() if t.use == "fit"}
        calibration = load_calibration(use_fitted=False)
        self.names = names
        self.centre = np.array([fitted["parameters"][n] for n in names])
        self.statistics = [t.key for t in targets.values()]
        self.at_centre = np.array([fitted["targets"][n]["simulated"] for n in targets])
        self.slopes = np.array([[fitted["identification"][p][n] * t.tolerance
                                 / (SENSITIVITY_STEP * np.subtract(*calibration.parameters[p].bounds[::-1]))
                                 for p in names] for n, t in targets.items()])

    def __call__(self, parameters: dict) -> dict[str, float]:
        x = np.array([float(parameters[n]) for n in self.names])
        values = self.at_centre + self.slopes @ (x - self.centre)
        return dict(zip(self.statistics, map(float, values), strict=True))


class Emulator:
    """A quadratic response surface of each statistic in the parameters, fitted by least squares to model runs:
    every particle of every generation of a Bayesian calibration (`from_database`), or the stored posterior
    particles (`from_particles`, a narrower region)."""

    def __init__(self, parameters: pd.DataFrame, statistics: pd.DataFrame) -> None:
        x = parameters.to_numpy(dtype=float)
        self.names, self.statistics = tuple(parameters.columns), list(statistics.columns)
        self.low, self.high = x.min(axis=0), x.max(axis=0)
        self.coefficients, *_ = np.linalg.lstsq(self._features(x), statistics.to_numpy(dtype=float), rcond=None)
        self.points = len(x)

    @classmethod
    def from_database(cls, database: Path, names: tuple[str, ...]) -> Emulator:
        import pyabc

        history = pyabc.History(f"sqlite:///{database}")
        frames, sums = [], []
        for t in range(history.max_t + 1):
            frame, _ = history.get_distribution(t=t)
            frames.append(frame.reset_index(drop=True)[list(names)])
            sums.extend(history.get_weighted_sum_stats(t=t)[1])
        return cls(pd.concat(frames, ignore_index=True), pd.DataFrame(sums))

    @classmethod
    def from_particles(cls, path: Path = posterior.POSTERIOR_FILE) -> Emulator:
        frame = posterior.load_particles(path)
        stats = frame[[c for c in frame.columns if c.startswith("stat:")]]
        return cls(frame[[c for c in frame.columns if c in CALIBRATED]], stats.rename(columns=lambda c: c[5:]))

    def _features(self, x: np.ndarray) -> np.ndarray:
        z = (x - self.low) / np.where(self.high > self.low, self.high - self.low, 1.0)
        pairs = [z[:, i] * z[:, j] for i in range(z.shape[1]) for j in range(i, z.shape[1])]
        return np.column_stack([np.ones(len(z)), z, *pairs])

    def __call__(self, parameters: dict) -> dict[str, float]:
        x = np.array([[float(parameters[n]) for n in self.names]])
        return dict(zip(self.statistics, map(float, (self._features(x) @ self.coefficients)[0]), strict=True))


@dataclass(frozen=True)
class SbcSettings:
    """Replications, and the sampler's settings: by default those of the Bayesian calibration itself, since
    SBC checks the inference as it is run."""

    replications: int = 40
    population: int = posterior.PosteriorSettings.population
    generations: int = posterior.PosteriorSettings.generations
    seed: int = 0


def sbc(simulator, priors: dict[str, Prior], settings: SbcSettings) -> pd.DataFrame:  # noqa: ANN001
    """One row per replication and parameter: the truth, the posterior 90% interval, whether it covers the truth,
    and the truth's rank among 100 posterior draws (uniform over replications when the calibration is right)."""
    targets = {n: t for n, t in load_targets().items() if t.use == "fit"}
    rng = np.random.default_rng(settings.seed)
    rows = []
    for replication in range(settings.replications):
        u = rng.random(len(priors))
        truth = {name: float(p.quantile(np.array(u[k]))) for k, (name, p) in enumerate(priors.items())}
        clean = simulator(truth)
        observed = {n: t.model_copy(update={"value": clean[t.key] + rng.normal(0.0, t.tolerance)})
                    for n, t in targets.items()}
        run = posterior.PosteriorSettings(population=settings.population, generations=settings.generations,
                                          seed=settings.seed * 100_003 + replication, budget_seconds=3600.0)
        with tempfile.TemporaryDirectory() as folder:
            result = posterior.calibrate(run, Path(folder), observed, priors, simulator=simulator)
        weights = result.particles.weight.to_numpy()
        ranks = rng.choice(len(weights), size=100, p=weights / weights.sum())
        for name in priors:
            values = result.particles[name].to_numpy()
            lo, hi = posterior.weighted_quantiles(values, weights, [0.05, 0.95])
            rows.append({"replication": replication, "parameter": name, "truth": truth[name], "lo": lo, "hi": hi,
                         "covered": bool(lo <= truth[name] <= hi), "rank": int((values[ranks] < truth[name]).sum()),
                         "final_temperature": result.final_temperature})
    return pd.DataFrame(rows)


def coverage(table: pd.DataFrame) -> pd.Series:
    """Share of replications whose 90% interval covers the truth, by parameter and overall ('all')."""
    by = table.groupby("parameter", sort=False).covered.mean()
    return pd.concat([by, pd.Series({"all": table.covered.mean()})])


def calibrated_priors_of(names: tuple[str, ...]) -> dict[str, Prior]:
    return calibrated_priors(load_calibration(use_fitted=False), names)


def toy_priors() -> dict[str, Prior]:
    return calibrated_priors_of(TOY_PARAMETERS)


def narrowed(priors: dict[str, Prior], emulator: Emulator) -> dict[str, Prior]:
    """Priors cut to the region the emulator was fitted on (a response surface is not trusted outside it)."""
    return {name: replace(p, lower=max(p.lower, float(emulator.low[k])), upper=min(p.upper, float(emulator.high[k])))
            for k, (name, p) in enumerate(priors.items())}


"""What we do not know, carried into policy effects: the draws a comparison runs under and the decomposition of
each effect's variance into simulation noise, fitted-parameter and assumed-response uncertainty.

Design (nested): `fitted` draws of the calibrated parameters from the Bayesian calibration's posterior
(calibration/posterior.csv), and under each of them `per_fitted` draws of the assumed lever responses from
their priors (model/calibration/priors.py, a Latin hypercube over all N draws), each run on the same R seeds. A baseline
reads no lever response, so it runs once per fitted draw and seed and pairs with every reform run under that
fitted draw. The decomposition is the balanced nested random-effects analysis of variance (the law of total
variance, fitted parameters first): fitted share = Var(E[effect | fitted]) / total; assumed share = the
variance between response draws under the same fitted draw (it includes their interaction); noise = the
variance between seeds of the same draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model.calibration import posterior
from model.calibration.inputs import load_calibration
from model.calibration.priors import response_priors

SOURCES = ("noise", "fitted", "assumed")
LABELS = {"noise": "simulation noise", "fitted": "calibrated parameters", "assumed": "assumed lever responses"}
INTERVAL = 0.90
MAX_DRAWS = 1000


@dataclass(frozen=True)
class Draw:
    """One parameter set of a comparison: the fitted draw it belongs to and its parameter values."""

    fitted: int
    parameters: dict[str, float]  # calibrated (posterior) and assumed-response (prior) values


@dataclass(frozen=True)
class Design:
    fitted: list[dict[str, float]]  # posterior draws of the calibrated parameters
    draws: list[Draw]  # fitted-major: draw k belongs to fitted draw k // per_fitted

    @property
    def per_fitted(self) -> int:
        return len(self.draws) // len(self.fitted)


def design(n: int, seed: int, posterior_file=posterior.POSTERIOR_FILE,  # noqa: ANN001 - a Path
           nested: bool = True) -> Design:
    """N draws: round(sqrt N) posterior draws (at least 2), each with N / that many response draws (N is rounded
    up to fill every fitted draw equally: 20 → 4 × 5), the design the variance decomposition needs. Not `nested`:
    N posterior draws, each with its own response draw, the design that spreads a predictive band best (with 10
    posterior draws the 2020 turnover of the draws averaged 0.23 where the posterior's is 0.265)."""
    from model.errors import InputError

    if not 2 <= n <= MAX_DRAWS:
        raise InputError(f"posterior: {n} is outside the allowed range 2 to {MAX_DRAWS} draws")
    n_fitted = max(2, round(math.sqrt(n))) if nested else n
    per_fitted = math.ceil(n / n_fitted)
    fitted = posterior.draws(n_fitted, seed, posterior_file)
    responses = _response_draws(n_fitted * per_fitted, seed)
    draws = [Draw(k // per_fitted, {**fitted[k // per_fitted], **responses[k]}) for k in range(len(responses))]
    return Design(fitted, draws)


def _response_draws(n: int, seed: int) -> list[dict[str, float]]:
    from model.calibration.priors import draw

    return draw(response_priors(load_calibration()), n, seed)


def decompose(samples: np.ndarray, per_fitted: int) -> dict[str, np.ndarray]:
    """Mean, total interval and variance shares of effects sampled on a nested design.

    `samples` has shape (draws, seeds, ...): draws fitted-major, `per_fitted` draws under each fitted draw.
    Returns arrays over the trailing axes: mean; lo and hi (the 5% and 95% quantiles of all draw-by-seed
    samples: the effect's spread over what we do not know, at the run's scale); variance; and a share per
    source (SOURCES) that sum to one where the variance is positive (NaN where the effect does not vary).
    """
    n_draws, r = samples.shape[:2]
    a, m = n_draws // per_fitted, per_fitted
    y = samples.reshape(a, m, r, *samples.shape[2:])
    cell = y.mean(axis=2)
    group = cell.mean(axis=1)
    grand = group.mean(axis=0)
    noise = ((y - cell[:, :, None]) ** 2).sum(axis=(0, 1, 2)) / (a * m * (r - 1)) if r > 1 else np.zeros_like(grand)
    ms_assumed = r * ((cell - group[:, None]) ** 2).sum(axis=(0, 1)) / (a * (m - 1)) if m > 1 else None
    ms_fitted = m * r * ((group - grand) ** 2).sum(axis=0) / (a - 1) if a > 1 else None
    var_assumed = np.maximum(0.0, (ms_assumed - noise) / r) if ms_assumed is not None else np.zeros_like(grand)
    base = ms_assumed if ms_assumed is not None else noise
    var_fitted = np.maximum(0.0, (ms_fitted - base) / (m * r)) if ms_fitted is not None else np.zeros_like(grand)
    total = noise + var_assumed + var_fitted
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = {name: np.where(total > 0, part / np.where(total > 0, total, 1.0), np.nan)
                  for name, part in zip(SOURCES, (noise, var_fitted, var_assumed), strict=True)}
    flat = samples.reshape(n_draws * r, *samples.shape[2:])
    lo, hi = np.quantile(flat, [(1 - INTERVAL) / 2, (1 + INTERVAL) / 2], axis=0)
    return {"mean": flat.mean(axis=0), "lo": lo, "hi": hi, "variance": total,
            **{f"share_{name}": share for name, share in shares.items()}}


def influential_responses(effects: np.ndarray, design_: Design, top: int = 2,
                          level: float = 0.05) -> list[tuple[str, float]]:
    """The assumed responses an effect moves with most: Spearman correlation, over the response draws, between
    a response and the effect's deviation from its fitted draw's mean (seeds averaged). A response is named only
    when its correlation is significant at `level` after a Bonferroni correction over all the responses drawn,
    so that with a few dozen draws chance correlations (with a response the option never reads) are not named;
    with few draws only strong dependences pass."""
    from scipy.stats import spearmanr

    per = design_.per_fitted
    if per < 3:
        return []
    draw_means = effects.reshape(len(design_.fitted), per, -1).mean(axis=2)
    deviation = (draw_means - draw_means.mean(axis=1, keepdims=True)).reshape(-1)
    if not np.ptp(deviation) > 0:
        return []
    names = [name for name in design_.draws[0].parameters if name not in design_.fitted[0]]
    out = []
    for name in names:
        values = np.array([d.parameters[name] for d in design_.draws])
        if np.ptp(values) > 0:
            test = spearmanr(values, deviation)
            if float(test.pvalue) < level / len(names):
                out.append((name, float(test.statistic)))
    return sorted(out, key=lambda item: -abs(item[1]))[:top]


def verdict(lo: float, hi: float) -> str:
    """'robust' when the total interval excludes zero, 'none' when every sample is exactly zero (the option
    does not act on this outcome), else 'uncertain'."""
    if lo == 0 and hi == 0:
        return "none"
    return "robust" if (lo > 0 or hi < 0) else "uncertain"

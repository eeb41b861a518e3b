"""Paired comparison of scenarios: reform minus baseline on the same seeds (common random numbers).

Every scenario runs on each of R seeds; because every draw is keyed by (seed, month, worker slot,
decision), a reform and its baseline see the same draws, and the paired difference isolates the
reform's effect. Effects are reported per month, KPI and group as the mean over the R pairs with a
90% Student-t interval for that mean.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.errors import InputError
from model.runner import check_seed, resolve_scenario, simulate
from model.scenario import Scenario

KEYS = ["date", "kpi", "dimension", "group"]
INTERVAL = 0.90
# headline: (column, kpi, scale factor) read at the last reported month
HEADLINE = (("delta_high_skill_workers", "high_skill_workers", 1.0),
            ("delta_high_skill_share", "high_skill_share", 1.0),
            ("delta_turnover_pp", "turnover_rate_annual", 100.0),
            ("delta_mean_wage_yuan_month", "mean_wage_yuan_month", 1.0),
            ("delta_output_index", "output_index", 1.0))


@dataclass
class Comparison:
    """Effects of each reform against the baseline, the headline table and the runs' manifests."""

    effects: pd.DataFrame  # scenario, date, kpi, dimension, group, mean, lo, hi
    headline: pd.DataFrame  # one row per reform
    manifest: dict


def compare(baseline: Scenario | str | Path, reforms: list[Scenario | str | Path], seeds: int = 10,
            scale: float = 0.01, seed: int = 0, start: str | None = None, end: str | None = None,
            threads: int | None = None, on_run: Callable[[int, int], None] | None = None) -> Comparison:
    """Run the baseline and each reform on seeds seed .. seed + seeds - 1; return paired effects.

    All scenarios are reported over the baseline's period (after `start` / `end` overrides).
    """
    if not 1 <= int(seeds) <= 10_000:
        raise InputError(f"seeds: {seeds} is outside the allowed range 1 to 10000")
    check_seed(seed + seeds - 1)
    base_spec, _ = resolve_scenario(baseline, start, end)
    period = base_spec.period
    specs = [resolve_scenario(r, period.start, period.end) for r in reforms]  # validate all before running
    names = _unique_names([base_spec.name, *[s.name for s, _ in specs]])
    n_runs, done = seeds * (1 + len(reforms)), 0
    differences: dict[str, list[np.ndarray]] = {name: [] for name in names[1:]}
    manifests: dict[str, list[dict]] = {name: [] for name in names}
    frame = None
    for r in range(seeds):
        base_table, base_manifest = simulate(baseline, scale, seed + r, period.start, period.end, threads)
        manifests[names[0]].append(base_manifest)
        done += 1
        if on_run:
            on_run(done, n_runs)
        if frame is None:
            frame = base_table[KEYS]
        for name, reform in zip(names[1:], reforms, strict=True):
            table, manifest = simulate(reform, scale, seed + r, period.start, period.end, threads)
            if r == 0 and not table[KEYS].equals(frame):
                raise RuntimeError(f"KPI tables of {names[0]!r} and {name!r} do not line up")
            differences[name].append(table["value"].to_numpy() - base_table["value"].to_numpy())
            manifests[name].append(manifest)
            done += 1
            if on_run:
                on_run(done, n_runs)
    effects = pd.concat([_summarise(name, frame, np.stack(d)) for name, d in differences.items()],
                        ignore_index=True)
    manifest = {
        "baseline": names[0], "reforms": names[1:], "seeds": list(range(seed, seed + seeds)), "scale": scale,
        "period": period.model_dump(), "interval": f"{INTERVAL:.0%} Student-t interval of the mean paired effect",
        "runs": {name: runs for name, runs in manifests.items()},
    }
    return Comparison(effects, headline_table(effects, period.end), manifest)


def _summarise(name: str, keys: pd.DataFrame, diffs: np.ndarray) -> pd.DataFrame:
    """Mean and 90% t-interval over replications (rows of `diffs`); NaN interval with one replication."""
    from scipy import stats  # imported here: scipy.stats costs a second at every `workforce` start

    n = diffs.shape[0]
    mean = diffs.mean(axis=0)
    if n > 1:
        half = stats.t.ppf(0.5 + INTERVAL / 2, n - 1) * diffs.std(axis=0, ddof=1) / np.sqrt(n)
    else:
        half = np.full_like(mean, np.nan)
    out = keys.copy()
    out.insert(0, "scenario", name)
    out["mean"], out["lo"], out["hi"] = mean, mean - half, mean + half
    return out


def headline_table(effects: pd.DataFrame, last_month: str) -> pd.DataFrame:
    """One row per reform: province effects at the last reported month, each with its interval."""
    last = pd.Timestamp(f"{last_month}-01")
    rows = []
    province = effects[(effects.dimension == "province") & (effects.date == last)]
    for name, group in province.groupby("scenario", sort=False):
        by_kpi = group.set_index("kpi")
        row = {"scenario": name, "month": last_month}
        for column, kpi, factor in HEADLINE:
            for stat in ("mean", "lo", "hi"):
                row[f"{column}_{stat}" if stat != "mean" else column] = by_kpi.loc[kpi, stat] * factor
        rows.append(row)
    return pd.DataFrame(rows)


def _unique_names(names: list[str]) -> list[str]:
    """Scenario names as given, numbered where two scenarios share a name."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out

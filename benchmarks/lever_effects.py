"""The lever effects the README quotes, measured: each lever against the baseline on the same seeds.

    python -m benchmarks.lever_effects                 # both tables (about 6 minutes on 2 cores)
    python -m benchmarks.lever_effects --only supply   # or: --only learning_rate

- `learning_rate`: Δ high-skill workers and Δ industrial workers in 2030 by lever, at three values of the
  assumed `learning_rate_monthly` (scale 0.005, seeds 0 and 1).
- `supply`: Δ industrial workers and Δ employed at 2023-12 under pay parity, the career ladder everywhere
  and a placebo that trains 0.1% of workers a year (scale 0.005, seeds 0 and 1).

Results go to benchmarks/results/lever_effects.json and are printed (thousands of workers, full scale).
"""

from __future__ import annotations

import argparse
import datetime
import json
from pathlib import Path

import numpy as np

from model.calibration.inputs import FITTED_FILE
from model.experiments.runner import simulate
from model.files import short_digest
from model.provenance import git_commit, package_version
from model.scenario import Scenario

RESULTS = Path(__file__).resolve().parent / "results"
SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SCALE, SEEDS = 0.005, (0, 1)
LEARNING_RATES = (0.015, 0.025, 0.04)
LEVER_FILES = {"pay parity": "lever_pay_parity.yaml", "reform_2020": "reform_2020.yaml",
               "training subsidy": "lever_training_subsidy.yaml", "apprenticeship": "lever_apprenticeship.yaml"}
SUPPLY_LEVERS = {"pay parity": {"pay_parity": {"gap_closed_share": 0.5}},
                 "career ladder": {"career_ladder": {"adoption_share": 1.0}},
                 "placebo": {"training_subsidy": {"annual_quota": 23_000, "annual_budget_yuan": 1e9}}}


def _last(table, kpi: str) -> float:  # noqa: ANN001 - a KPI table
    rows = table[(table.dimension == "province") & (table.kpi == kpi)].sort_values("date")
    return float(rows.value.iloc[-1])


def _effects(baseline, reform, kpis: tuple[str, ...]) -> list[float]:  # noqa: ANN001
    return [(_last(reform, k) - _last(baseline, k)) / 1e3 for k in kpis]


def by_learning_rate() -> dict:
    out = {}
    for rate in LEARNING_RATES:
        parameters = {"learning_rate_monthly": rate}
        draws = {name: [] for name in LEVER_FILES}
        for seed in SEEDS:
            base = simulate(SCENARIOS / "baseline.yaml", SCALE, seed, end="2030-12", parameters=parameters).table
            for name, file in LEVER_FILES.items():
                run = simulate(SCENARIOS / file, SCALE, seed, end="2030-12", parameters=parameters).table
                draws[name].append(_effects(base, run, ("high_skill_workers", "workers")))
        out[str(rate)] = {name: dict(zip(("delta_high_skill_k", "delta_workers_k"),
                                         np.mean(v, axis=0).round(0).tolist(), strict=True))
                          for name, v in draws.items()}
    return out


def supply() -> dict:
    def spec(levers: dict) -> Scenario:
        return Scenario.model_validate({"name": "s", "period": {"start": "2020-01", "end": "2023-12"},
                                        "levers": levers})

    draws = {name: [] for name in SUPPLY_LEVERS}
    for seed in SEEDS:
        base = simulate(spec({}), SCALE, seed).table
        for name, levers in SUPPLY_LEVERS.items():
            draws[name].append(_effects(base, simulate(spec(levers), SCALE, seed).table, ("workers", "employed")))
    return {name: dict(zip(("delta_workers_k", "delta_employed_k"), np.mean(v, axis=0).round(0).tolist(),
                           strict=True)) for name, v in draws.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("learning_rate", "supply"))
    args = parser.parse_args()
    result = {"date": datetime.date.today().isoformat(), "package_version": package_version(), "git": git_commit(),
              "fitted_sha256": short_digest(FITTED_FILE), "scale": SCALE, "seeds": list(SEEDS)}
    if args.only in (None, "learning_rate"):
        result["learning_rate"] = by_learning_rate()
    if args.only in (None, "supply"):
        result["supply"] = supply()
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "lever_effects.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""Running one scenario: the `run` API, its provenance manifest, and atomic writing of results."""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numba
import pandas as pd

from model.calibration.inputs import CALIBRATION_DIR, Calibration, Leaf, load_calibration
from model.engine.calendar import month_label
from model.engine.workforce_model import WorkforceModel
from model.errors import InputError
from model.experiments.overrides import Overrides, ScenarioInput
from model.experiments.overrides import apply as apply_overrides
from model.files import file_sha256, write_together
from model.outputs.distribution import WorkerSnapshot
from model.provenance import environment, git_commit, package_version
from model.scenario import Scenario, ScenarioFile


def read_scenario(scenario: ScenarioInput | None) -> Scenario | ScenarioFile | None:
    """A scenario given as a file or a shipped name, read once (ScenarioFile); objects as they are."""
    if scenario is None or isinstance(scenario, Scenario | ScenarioFile):
        return scenario
    return ScenarioFile.read(scenario)


def resolve_scenario(scenario: ScenarioInput | None, start: str | None = None, end: str | None = None,
                     overrides: Overrides | None = None) -> tuple[Scenario, ScenarioFile | None, dict[str, Leaf]]:
    """A Scenario object, the file it was read from (None for objects made in code) and the parameters its
    overrides replace, with the period and the lever settings overridden (model/experiments/overrides.py)."""
    read = read_scenario(scenario)
    if read is None:
        spec, source = Scenario.baseline(), None
    elif isinstance(read, ScenarioFile):
        spec, source = read.scenario, read
    else:
        spec, source = read, None
    if start or end:
        spec = spec.with_period(start, end)
    spec, parameters = apply_overrides(spec, overrides)
    return spec, source, parameters


def check_scale(scale: float) -> float:
    """The share of the workforce simulated: above 0, at most 1 (full scale; the smallest workable scale is
    checked by the model, which knows the workforce's size)."""
    try:
        value = float(scale)
    except (TypeError, ValueError):
        value = float("nan")
    if not 0 < value <= 1:
        raise InputError(f"scale: {scale} is outside the allowed range 0 (exclusive) to 1 (full scale)")
    return value


def check_seed(seed: int) -> int:
    if not 0 <= int(seed) < 2**63:
        raise InputError(f"seed: {seed} is outside the allowed range 0 to 2^63-1")
    return int(seed)


@dataclass
class SimulatedRun:
    """One run's results: the KPI table, the cost ledger, the manifest and, if asked for, the final workers."""

    table: pd.DataFrame  # tidy KPIs: date, kpi, dimension, group, value
    ledger: pd.DataFrame  # date, programme, payer, yuan
    manifest: dict
    workers: WorkerSnapshot | None = None


def simulate(scenario: ScenarioInput | None = None, scale: float = 0.01, seed: int = 0,
             start: str | None = None, end: str | None = None, threads: int | None = None,
             on_month: Callable[[int, int], None] | None = None, keep_workers: bool = False,
             parameters: Mapping[str, Leaf] | None = None, overrides: Overrides | None = None,
             calibration: Calibration | None = None) -> SimulatedRun:
    """Run a scenario; return its KPI table, cost ledger and manifest (provenance, parameters, timings).

    `calibration` is the calibration to start from (default: the bundled one, calibration/*.yaml with the fit);
    `parameters` replaces behavioural parameters' values (names and bounds of calibration/parameters.yaml);
    `overrides` changes settings by path (`levers.…`, `parameters.…`; experiments/overrides.py) and wins over both.
    The manifest records the parameter values the run used, whichever way they were set.
    """
    spec, source, changed = resolve_scenario(scenario, start, end, overrides)
    seed = check_seed(seed)
    check_scale(scale)
    started = time.perf_counter()
    calibration = (calibration or load_calibration()).with_overrides({**(parameters or {}), **changed})
    model = WorkforceModel(spec, scale=scale, seed=seed, calibration=calibration, threads=threads)
    model.run_until(on_month=on_month)
    table = model.kpi_table()
    wall = time.perf_counter() - started
    manifest = {
        "scenario": {"file": source and source.file, "sha256": source and source.sha256, "key": spec.key,
                     **spec.model_dump(), "id": spec.scenario_id,
                     "overrides": {k: v for k, v in (overrides or {}).items()}},
        "seed": seed,
        "scale": model.scale,
        "simulated_months": {"first": month_label(model.start_month), "last": month_label(spec.period.last_month)},
        "reported_months": {"first": spec.period.start, "last": spec.period.end},
        "parameters": model.calibration.parameter_values(),
        "calibration_files": {p.name: file_sha256(p) for p in sorted(CALIBRATION_DIR.glob("*.yaml"))},
        "package_version": package_version(),
        "git": git_commit(),
        "environment": {**environment(), "threads": numba.get_num_threads()},
        "workers": {"at_start": int(round(model.workers_at_base)), "slots": model.workers.capacity,
                    "worker_state_bytes": model.workers.nbytes(), "memory_estimate_bytes": model.memory_estimate_bytes,
                    "start": model.start_source},
        "timings_seconds": {"total": round(wall, 3), **{k: round(v, 3) for k, v in model.phase_seconds.items()}},
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }
    table.attrs["provenance"] = manifest
    return SimulatedRun(table, model.cost_ledger(), manifest, WorkerSnapshot.of(model) if keep_workers else None)


def run(scenario: ScenarioInput | None = None, scale: float = 0.01, seed: int = 0,
        start: str | None = None, end: str | None = None, threads: int | None = None,
        overrides: Overrides | None = None) -> pd.DataFrame:
    """Run a scenario (an object, a file, or a shipped scenario's name such as "baseline") and return the tidy
    KPI table (date, kpi, dimension, group, value).

    `overrides` changes settings without a file: {"levers.training_subsidy.annual_quota": 200000,
    "parameters.learning_rate_monthly": 0.03}, validated as a scenario file is.
    The manifest (scenario, parameters, seed, scale, code version, timings) is in `table.attrs["provenance"]`.
    """
    return simulate(scenario, scale, seed, start, end, threads, overrides=overrides).table


def check_output_dir(out: Path, overwrite: bool) -> None:
    """Refuse to write over finished results unless asked to; refuse a path that is a file."""
    if out.exists() and not out.is_dir():
        raise InputError(f"out: {out} exists and is not a directory")
    if (out / "manifest.json").exists() and not overwrite:
        raise InputError(f"out: {out} already holds results; choose another --out or pass --overwrite")


def write_results(out: Path, writers: dict[str, Callable[[Path], None]], manifest: dict) -> None:
    """Write result files atomically: each to a temporary name, then renamed; manifest.json last.

    A directory with a manifest always holds complete results; files of earlier results that are
    not rewritten are left as they were.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest_text = json.dumps(manifest, indent=2, ensure_ascii=False, default=str)
    write_together({**{out / name: write for name, write in writers.items()},
                    out / "manifest.json": lambda path: path.write_text(manifest_text, encoding="utf-8")})


def write_run(out: Path, result: SimulatedRun) -> None:
    """kpis.parquet, ledger.parquet and manifest.json of one run."""
    write_results(out, {"kpis.parquet": lambda path: result.table.to_parquet(path, index=False),
                        "ledger.parquet": lambda path: result.ledger.to_parquet(path, index=False)}, result.manifest)

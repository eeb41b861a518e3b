"""Experiment files: the runs a sweep makes — base scenarios, factors, a design, seeds, scale, period, KPIs kept.

An experiment (scenarios/experiments/*.yaml) varies scenario settings (`levers.…` paths) and behavioural
parameters (`parameters.<name>`) over a design (a full grid, or SALib's Latin hypercube, Sobol/Saltelli
or Morris samplers), for every base scenario and seed. An optional baseline runs on the same seeds and
parameter values, so every run has a paired baseline run (common random numbers).
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationError,
    model_validator,
)

from model import shipped
from model.calibration.inputs import CALIBRATION_DIR, Calibration, Leaf, load_calibration
from model.errors import InputError
from model.experiments.overrides import holder
from model.experiments.runner import check_scale
from model.experiments.uncertainty import MAX_DRAWS
from model.files import file_sha256, text_digest
from model.outputs.kpis import DIMENSIONS, KPI_IDS, LEDGER_KPI_IDS
from model.reporting.labels import LABELS, label
from model.scenario import (
    LAST_MONTH_LABEL,
    BilingualDescription,
    BilingualName,
    Description,
    Name,
    Period,
    Scenario,
    first_error,
    in_language,
    load_scenario,
    read_mapping,
    read_text,
)

MAX_FACTORS = 50
MAX_SEEDS = 1000
MAX_RUNS = 1_000_000
DEFAULT_KPIS = ("workers", "high_skill_workers", "high_skill_share", "certified_share", "mean_wage_yuan_month",
                "turnover_rate_annual", "quits", "output_index", "fiscal_cost_yuan", "employer_cost_yuan")
Number = StrictFloat | StrictInt


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"{value} is not a finite number")
    return value


FiniteNumber = Annotated[Number, AfterValidator(_finite)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Factor(Strict):
    """One thing the experiment varies: a scenario setting or a behavioural parameter, by path.

    `set` puts the factor's value at each path; `multiply` scales the dated values (or the parameter's
    value) already there. Grid designs list `values`; sampled designs give a `range` [low, high].
    """

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    description: str = Field(default="", max_length=2000)
    # how reports and charts name the factor (a text or {zh, en}); default: the parameter's label, else the name
    label: Name | BilingualName | None = None
    path: str | list[str] = Field(min_length=1)
    mode: Literal["set", "multiply"] = "set"
    values: list[FiniteNumber] | None = Field(default=None, min_length=1, max_length=1000)
    range: tuple[FiniteNumber, FiniteNumber] | None = None

    @property
    def paths(self) -> list[str]:
        return [self.path] if isinstance(self.path, str) else list(self.path)

    def label_in(self, lang: str) -> str:
        """The factor's name for a report language: its own label, a parameter's label, else its id."""
        if self.label is not None:
            return in_language(self.label, lang)
        if self.kind == "parameter" and len(self.paths) == 1:
            parameter = self.paths[0].removeprefix("parameters.")
            if parameter in LABELS:
                return label(parameter, lang)
        return self.name

    @property
    def kind(self) -> Literal["scenario", "parameter"]:
        return "parameter" if self.paths[0].startswith("parameters.") else "scenario"

    @model_validator(mode="after")
    def _paths_and_range(self) -> Factor:
        kinds = set()
        for path in self.paths:
            parts = path.split(".")
            if parts[0] == "levers" and len(parts) >= 3 and all(parts):
                kinds.add("scenario")
            elif parts[0] == "parameters" and len(parts) == 2 and parts[1]:
                kinds.add("parameter")
            else:
                raise ValueError(f"path {path!r}: use levers.<lever>.<setting>[...] or parameters.<name>")
        if len(kinds) > 1:
            raise ValueError("paths: one factor sets either scenario settings or parameters, not both")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range: low {self.range[0]} must be below high {self.range[1]}")
        return self


class Design(Strict):
    """How points are chosen: grid (every combination of the factors' values), lhs (`samples` points),
    sobol (Saltelli's scheme: samples x (factors + 2) points, samples a power of 2; x (2 factors + 2)
    with second_order) or morris (`samples` trajectories on `levels` levels)."""

    method: Literal["grid", "lhs", "sobol", "morris"]
    samples: Annotated[StrictInt, Field(ge=1, le=100_000)] | None = None
    levels: Annotated[StrictInt, Field(ge=2, le=20)] = 4
    second_order: StrictBool = False
    seed: Annotated[StrictInt, Field(ge=0, le=2**32 - 1)] = 0

    @model_validator(mode="after")
    def _samples(self) -> Design:
        if self.method == "grid":
            if self.samples is not None:
                raise ValueError("samples: a grid takes every combination of the factors' values; leave samples out")
        elif self.samples is None:
            raise ValueError(f"samples: is required for method {self.method}")
        elif self.method == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"samples: {self.samples} is not a power of 2 (Sobol sequences need 2, 4, 8, ...)")
        return self


KpiId = Literal[(*KPI_IDS, *LEDGER_KPI_IDS)]  # type: ignore[valid-type]
DimensionId = Literal[DIMENSIONS]  # type: ignore[valid-type]


class Keep(Strict):
    """The KPIs each run stores: which KPIs and dimensions, and at which months. `annual` keeps each
    December (and the last month); `last` the last month only; flows (quits, costs, ...) are summed
    over the months between kept months, so at `last` a flow is the period total."""

    kpis: list[KpiId] = Field(default=list(DEFAULT_KPIS), min_length=1)
    dimensions: list[DimensionId] = Field(default=["province"], min_length=1)
    months: Literal["last", "annual", "all"] = "annual"


class Experiment(Strict):
    """A sweep: base scenario files (paths relative to the experiment file), an optional baseline, factors,
    a design, seeds, scale, the reported period and the KPIs kept."""

    name: Name | BilingualName
    description: Description | BilingualDescription = ""
    baseline: str | None = None
    scenarios: list[str] = Field(min_length=1, max_length=50)
    factors: list[Factor] = Field(min_length=1, max_length=MAX_FACTORS)
    design: Design
    seeds: Annotated[StrictInt, Field(ge=1, le=MAX_SEEDS)] = 2
    first_seed: Annotated[StrictInt, Field(ge=0, le=2**62)] = 0
    # each seed runs under this many draws of the calibrated parameters from calibration/posterior.csv
    # (0: the calibration in force); factors that set a calibrated parameter override the draw
    posterior_draws: Annotated[StrictInt, Field(ge=0, le=MAX_DRAWS)] = 0
    scale: Annotated[Number, Field(gt=0, le=1)] = 0.01
    period: Period = Period()
    keep: Keep = Keep()

    @model_validator(mode="after")
    def _factors_fit_design(self) -> Experiment:
        names = [f.name for f in self.factors]
        if len(set(names)) < len(names):
            repeated = ", ".join(sorted({n for n in names if names.count(n) > 1}))
            raise ValueError(f"factors: names must be unique ({repeated} repeated)")
        for k, factor in enumerate(self.factors):
            if self.design.method == "grid" and factor.values is None:
                raise ValueError(f"factors.{k}.values: a grid design needs the list of values of {factor.name}")
            if self.design.method != "grid" and factor.range is None:
                raise ValueError(f"factors.{k}.range: a {self.design.method} design needs [low, high] for "
                                 f"{factor.name}")
        if self.design.method in ("sobol", "morris") and len(self.factors) < 2:
            raise ValueError(f"factors: a {self.design.method} design needs at least 2 factors")
        return self


@dataclass(frozen=True)
class RunSpec:
    """One run of a sweep: what to simulate and where it sits in the design."""

    run_id: str
    role: Literal["baseline", "scenario"]
    scenario_index: int  # -1 for the baseline
    point: int
    seed: int
    paired_baseline: str | None
    factors: dict[str, float]  # the factor values this run uses (a baseline: those of the parameters it reads)
    scenario: Scenario
    parameters: dict[str, Leaf]
    draw: int = -1  # the posterior draw it runs under (-1: the calibration in force)


@dataclass(frozen=True)
class Plan:
    """An experiment resolved into its design points and runs, with a fingerprint of what defines them."""

    experiment: Experiment
    source: Path
    design: pd.DataFrame  # point, then one column per factor
    runs: list[RunSpec]
    scenario_names: list[str]
    baseline_name: str | None
    fingerprint: str
    definition: dict  # what the fingerprint covers (stored beside the results)


def salib_problem(experiment: Experiment) -> dict:
    factors = experiment.factors
    return {"num_vars": len(factors), "names": [f.name for f in factors],
            "bounds": [list(f.range) if f.range else [min(f.values), max(f.values)] for f in factors]}


def parse_experiment(text: str, where: str) -> Experiment:
    raw = read_mapping(text, where, kind="experiment")
    try:
        return Experiment.model_validate(raw)
    except ValidationError as exc:
        raise InputError(first_error(where, exc, Experiment)) from None


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file, or a shipped one by name; problems are one-line InputErrors naming
    file and field."""
    path = shipped.locate(path, "experiment")
    return parse_experiment(read_text(path, str(path), kind="experiment"), str(path))


def design_points(experiment: Experiment) -> np.ndarray:
    """The design: float64[points, factors], in the sampler's order (grid: first factor slowest)."""
    from SALib.sample import latin, morris, sobol  # imported here: SALib pulls in matplotlib

    d = experiment.design
    problem = salib_problem(experiment)
    if d.method == "grid":
        return np.array(list(itertools.product(*[f.values for f in experiment.factors])), dtype=np.float64)
    if d.method == "lhs":
        return latin.sample(problem, d.samples, seed=d.seed)
    if d.method == "sobol":
        return sobol.sample(problem, d.samples, calc_second_order=d.second_order, seed=d.seed)
    return morris.sample(problem, d.samples, num_levels=d.levels, seed=d.seed)


def plan_experiment(path: str | Path, scale: float | None = None, seeds: int | None = None, end: str | None = None,
                    max_points: int | None = None) -> Plan:
    """Resolve an experiment file: validate every design point's scenarios and parameters, list the runs.

    `scale` and `end` override the file's (they change what each run is, so they enter the fingerprint);
    `seeds` and `max_points` (only the first N design points) choose how many of the runs are made.
    """
    path = shipped.locate(path, "experiment")
    experiment = load_experiment(path)
    where = str(path)
    changes: dict = {}
    if scale is not None:
        changes["scale"] = check_scale(scale)
    if end is not None:
        try:
            changes["period"] = Period(start=experiment.period.start, end=end)
        except ValidationError as exc:
            raise InputError("end: " + exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
    experiment = experiment.model_copy(update=changes)
    n_seeds = experiment.seeds if seeds is None else seeds
    if not 1 <= n_seeds <= MAX_SEEDS:
        raise InputError(f"seeds: {n_seeds} is outside the allowed range 1 to {MAX_SEEDS}")
    if max_points is not None and max_points < 1:
        raise InputError(f"max_runs: {max_points} is outside the allowed range (1 or more design points)")
    calibration = load_calibration()
    _check_parameter_factors(experiment, calibration, where)

    def scenario_at(relative: str, field: str) -> tuple[Scenario, Path]:
        file = (path.resolve().parent / relative).resolve()
        try:
            spec = load_scenario(file)
            return spec.with_period(experiment.period.start, experiment.period.end), file
        except InputError as exc:
            raise InputError(f"{where}: {field}: {exc}") from None

    bases = [scenario_at(s, f"scenarios.{k}") for k, s in enumerate(experiment.scenarios)]
    baseline = scenario_at(experiment.baseline, "baseline") if experiment.baseline else None
    points = design_points(experiment)
    n_points = len(points) if max_points is None else min(max_points, len(points))
    n_draws = max(1, experiment.posterior_draws)
    n_runs = n_points * n_seeds * n_draws * (len(bases) + (1 if baseline else 0))
    if n_runs > MAX_RUNS:
        raise InputError(f"{where}: the design makes {n_runs:,} runs; the allowed maximum is {MAX_RUNS:,} "
                         "(fewer samples, seeds or --max-runs)")
    design = pd.DataFrame(points, columns=[f.name for f in experiment.factors])
    design.insert(0, "point", np.arange(len(points)))
    seed_values = range(experiment.first_seed, experiment.first_seed + n_seeds)
    scenario_factors = [f for f in experiment.factors if f.kind == "scenario"]
    parameter_factors = [f for f in experiment.factors if f.kind == "parameter"]
    # The baseline depends only on the parameter factors it reads: with no lever switched on, it reads
    # none of the lever responses (`scope: levers`), so points differing only in those share its runs.
    baseline_reads = [f for f in parameter_factors if not (baseline and not list(baseline[0].levers.active()) and all(
        calibration.parameters[p.split(".", 1)[1]].scope == "levers" for p in f.paths))]
    # replications: (draw, seed); without posterior draws the run ids are as before
    from model.calibration import posterior  # imported here: the posterior's module writes through the results store's

    draws = posterior.draws(experiment.posterior_draws, experiment.first_seed) if experiment.posterior_draws else [{}]
    replications = [(d, s, f"-d{d:03d}" * bool(experiment.posterior_draws) + f"-seed{s}")
                    for d in range(len(draws)) for s in seed_values]
    runs: list[RunSpec] = []
    baseline_point: dict[tuple, int] = {}  # values of the parameters it reads -> first point with them
    for p in range(n_points):
        values = dict(zip(design.columns[1:], points[p], strict=True))
        parameters = _parameter_overrides(parameter_factors, values, calibration, where, p)
        paired = None
        if baseline:
            b = baseline_point.setdefault(tuple(values[f.name] for f in baseline_reads), p)
            if b == p:
                read = _parameter_overrides(baseline_reads, values, calibration, where, p)
                used = {f.name: float(values[f.name]) for f in baseline_reads}
                runs += [RunSpec(f"baseline-p{p:05d}{tag}", "baseline", -1, p, s, None, used, baseline[0],
                                 {**draws[d], **read}, draw=d if experiment.posterior_draws else -1)
                         for d, s, tag in replications]
            paired = b
        for k, (base, _) in enumerate(bases):
            spec = _apply_scenario_factors(base, scenario_factors, values, where, p)
            runs += [RunSpec(f"scenario{k}-p{p:05d}{tag}", "scenario", k, p, s,
                             None if paired is None else f"baseline-p{paired:05d}{tag}",
                             {name: float(v) for name, v in values.items()}, spec, {**draws[d], **parameters},
                             draw=d if experiment.posterior_draws else -1)
                     for d, s, tag in replications]
    files = {str(f.relative_to(path.resolve().parent) if f.is_relative_to(path.resolve().parent) else f):
             file_sha256(f) for f in [f for _, f in bases] + ([baseline[1]] if baseline else [])}
    definition = {
        "experiment": experiment.model_dump(mode="json", exclude={"seeds"}),
        "experiment_file_sha256": file_sha256(path),
        "scenario_files_sha256": files,
        "scenarios": [b.model_dump(mode="json") for b, _ in bases],
        "baseline": baseline[0].model_dump(mode="json") if baseline else None,
        "calibration_files_sha256": {p.name: file_sha256(p) for p in sorted(CALIBRATION_DIR.glob("*.yaml"))},
        **({"posterior_sha256": file_sha256(posterior.POSTERIOR_FILE)} if experiment.posterior_draws else {}),
    }
    fingerprint = text_digest(json.dumps(definition, sort_keys=True, ensure_ascii=False))
    return Plan(experiment, path, design, runs, [b.key for b, _ in bases], baseline[0].key if baseline else None,
                fingerprint, definition)


def _check_parameter_factors(experiment: Experiment, calibration: Calibration, where: str) -> None:
    """Parameter factors name known parameters; a `set` factor's values lie within the parameter's bounds."""
    for k, factor in enumerate(experiment.factors):
        if factor.kind != "parameter":
            continue
        for path in factor.paths:
            name = path.split(".", 1)[1]
            if name not in calibration.parameters:
                raise InputError(f"{where}: factors.{k}.path: unknown parameter {name!r} (see calibration/"
                                 "parameters.yaml)")
            lo, hi = calibration.parameters[name].bounds
            numbers = factor.values if factor.values is not None else list(factor.range)
            if factor.mode == "set" and not all(lo <= v <= hi for v in numbers):
                field = "values" if factor.values is not None else "range"
                raise InputError(f"{where}: factors.{k}.{field}: {name} must stay within its bounds [{lo:g}, {hi:g}]")


def _parameter_overrides(factors: list[Factor], values: dict[str, float], calibration: Calibration, where: str,
                         point: int) -> dict[str, Leaf]:
    out: dict[str, Leaf] = {}
    for factor in factors:
        v = float(values[factor.name])
        for path in factor.paths:
            name = path.split(".", 1)[1]
            out[name] = v if factor.mode == "set" else _scaled(calibration.value(name), v)
    try:
        calibration.with_overrides(out)
    except InputError as exc:
        raise InputError(f"{where}: design point {point}: {exc}") from None
    return out


def _scaled(value: Leaf, factor: float) -> Leaf:
    if isinstance(value, dict):
        return {k: _scaled(v, factor) for k, v in value.items()}
    if isinstance(value, list):
        return [_scaled(v, factor) for v in value]
    return float(value) * factor


def _apply_scenario_factors(base: Scenario, factors: list[Factor], values: dict[str, float], where: str,
                            point: int) -> Scenario:
    """The base scenario with each factor's value set at (or multiplied into) its paths, validated again."""
    if not factors:
        return base
    mapping = base.model_dump(mode="json", exclude_none=True)
    for factor in factors:
        for path in factor.paths:
            _apply(mapping, path.split("."), values[factor.name], factor.mode,
                   f"{where}: factors.{factor.name}.path: {path}")
    # the period rule of `run --end`: dated values after a shortened period are allowed and never take effect
    mapping["period"] = {"start": base.period.start, "end": LAST_MONTH_LABEL}
    try:
        return Scenario.model_validate(mapping).with_period(base.period.start, base.period.end)
    except ValidationError as exc:
        detail = first_error(f"scenario {base.key!r}", exc).split(": ", 1)[1]
        raise InputError(f"{where}: design point {point} ({_describe(values)}) gives an invalid scenario: "
                         f"{detail}") from None


def _apply(mapping: dict, parts: list[str], value: float, mode: str, where: str) -> None:
    """Set the value at a path (an integer setting stays an integer), or multiply the dated values there, which
    must be set in the base scenario."""
    node = holder(mapping, parts, where, create=mode == "set")
    leaf = parts[-1]
    if mode == "set":
        number = float(value)
        node[leaf] = int(number) if isinstance(node.get(leaf), int) and number.is_integer() else number
        return
    if leaf not in node:
        raise InputError(f"{where}: {leaf!r} is not set in the base scenario (multiply needs values to scale)")
    node[leaf] = _multiply_dated(copy.deepcopy(node[leaf]), value, where)


def _multiply_dated(node: object, value: float, where: str) -> object:
    """Dated values ({values: {month: number}, ramp_months}) or a mapping of them, scaled by `value`."""
    if isinstance(node, dict) and "values" in node and isinstance(node["values"], dict):
        node["values"] = {month: float(v) * value for month, v in node["values"].items()}
        return node
    if isinstance(node, dict):
        return {k: _multiply_dated(v, value, where) for k, v in node.items()}
    raise InputError(f"{where}: multiply applies to dated values or mappings of them")


def _describe(values: dict[str, float]) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in values.items())

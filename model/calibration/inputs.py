"""Loads and validates the calibration files (structure, behavioural parameters, retirement law).

Every number the population and the monthly rules use comes through here, with its source
or its stated assumption. Problems are reported as one-line `InputError`s naming file and field.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from model import yaml_files
from model.engine.calendar import BASE_MONTH_LABEL
from model.errors import InputError, field_error
from model.files import file_sha256
from model.shipped import CALIBRATION_DIR

FITTED_FILE = CALIBRATION_DIR / "fitted.yaml"  # written by `workforce calibrate`

Number = float
Leaf = Number | list[Number] | dict[str, Number] | dict[str, dict[str, Number]]


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    publisher: str
    year: int
    address: str


class StructureEntry(BaseModel):
    """A structural input: a published figure (with source) or an explicit assumption."""

    model_config = ConfigDict(extra="forbid")
    description: str
    unit: str
    value: Leaf
    year: int | None = None
    source: Source | None = None
    assumption: str | None = None
    range: tuple[float, float] | None = None


class Parameter(BaseModel):
    """A behavioural parameter with bounds and a note on the evidence behind it."""

    model_config = ConfigDict(extra="forbid")
    description: str
    unit: str
    value: Leaf
    bounds: tuple[float, float]
    status: Literal["assumed", "fitted"]
    scope: Literal["model", "levers"] = "model"  # levers: read only when a lever is switched on
    evidence: str


def _numbers(value: Leaf) -> list[tuple[str, float]]:
    """Flatten a value into (path suffix, number) pairs."""
    if isinstance(value, dict):
        return [(f".{k}{sub}", x) for k, v in value.items() for sub, x in _numbers(v)]
    if isinstance(value, list):
        return [(f"[{i}]", float(x)) for i, x in enumerate(value)]
    return [("", float(value))]


def _check_shape(where: str, value: object, like: object) -> None:
    """A replacement value has the form of the value it replaces: a number, or the same keys or length."""
    if isinstance(like, dict):
        if not isinstance(value, dict) or set(value) != set(like):
            raise InputError(f"{where}: must be a mapping with the keys {', '.join(map(str, like))}")
        for key in like:
            _check_shape(f"{where}.{key}", value[key], like[key])
    elif isinstance(like, list):
        if not isinstance(value, list) or len(value) != len(like):
            raise InputError(f"{where}: must be a list of {len(like)} numbers")
        for k, (v, w) in enumerate(zip(value, like, strict=True)):
            _check_shape(f"{where}[{k}]", v, w)
    elif isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise InputError(f"{where}: must be a number")


def read_entries(path: Path, schema: type[BaseModel], kind: str = "entries") -> dict[str, BaseModel]:
    """A calibration file's named entries, each validated by `schema`; problems are one-line InputErrors naming
    the file, the entry and the field."""
    raw = yaml_files.read(path, aliases=True)
    if not isinstance(raw, dict) or not raw:
        raise InputError(f"{path}: expected a mapping of named {kind} at the top level")
    entries = {}
    for name, body in raw.items():
        try:
            entries[name] = schema.model_validate(body)
        except ValidationError as exc:
            raise field_error(f"{path}: {name}", exc) from None
    return entries


def _validated(path: Path, schema: type[BaseModel]) -> dict[str, BaseModel]:
    entries = read_entries(path, schema)
    for name, entry in entries.items():
        for suffix, number in _numbers(entry.value):
            if not math.isfinite(number):
                raise InputError(f"{path}: {name}.value{suffix}: must be a finite number")
    return entries


def _check_structure(path: Path, entries: Mapping[str, StructureEntry]) -> None:
    for name, entry in entries.items():
        if entry.source is None and entry.assumption is None:
            raise InputError(f"{path}: {name}: needs a source (title, publisher, year, address) or an assumption")


def _check_bounds(path: Path, entries: Mapping[str, Parameter]) -> None:
    for name, p in entries.items():
        lo, hi = p.bounds
        for suffix, number in _numbers(p.value):
            if not lo <= number <= hi:
                raise InputError(f"{path}: {name}.value{suffix} = {number:g} is outside the allowed range "
                                 f"[{lo:g}, {hi:g}]")


@dataclass(frozen=True)
class Calibration:
    """The calibration inputs of one run: structure, behavioural parameters, retirement law. `start` is the month
    the structure describes and every run starts in: the base month, or an earlier one for a calibration
    backcast to it (model/calibration/backcast.py), which only the baseline can run."""

    structure: dict[str, StructureEntry]
    parameters: dict[str, Parameter]
    retirement: dict[str, StructureEntry]
    overrides: dict[str, Leaf] = field(default_factory=dict)
    start: str = BASE_MONTH_LABEL

    def value(self, name: str) -> Leaf:
        """The value of a structure entry or parameter (overrides first)."""
        if name in self.overrides:
            return self.overrides[name]
        for table in (self.parameters, self.structure, self.retirement):
            if name in table:
                return table[name].value
        raise KeyError(name)

    def scalar(self, name: str) -> float:
        value = self.value(name)
        if isinstance(value, (dict, list)):
            raise InputError(f"calibration: {name} must be a single number")
        return float(value)

    def vector(self, name: str, ids: Sequence[str | int]) -> np.ndarray:
        """A keyed value as a float64 array in the order of `ids` (category ids or band bounds)."""
        value = self.value(name)
        if not isinstance(value, dict):
            raise InputError(f"calibration: {name} must map {list(ids)} to numbers")
        keys = {str(k) for k in value}
        wanted = [str(i) for i in ids]
        if keys != set(wanted):
            missing, extra = sorted(set(wanted) - keys), sorted(keys - set(wanted))
            raise InputError(f"calibration: {name}: keys must be {wanted} (missing {missing}, unknown {extra})")
        by_key = {str(k): v for k, v in value.items()}
        return np.array([float(by_key[k]) for k in wanted])

    def shares(self, name: str, ids: Sequence[str | int]) -> np.ndarray:
        """A vector of shares, checked to be non-negative and to sum to 1 (within 0.5%)."""
        v = self.vector(name, ids)
        total = v.sum()
        if (v < 0).any() or abs(total - 1.0) > 0.005:
            raise InputError(f"calibration: {name}: shares must be ≥ 0 and sum to 1 (they sum to {total:.4f})")
        return v / total

    def with_overrides(self, overrides: Mapping[str, Leaf]) -> Calibration:
        """A copy with some parameters replaced; names and bounds are checked."""
        for name, value in overrides.items():
            if name not in self.parameters:
                raise InputError(f"parameter override: unknown parameter {name!r}")
            _check_shape(f"parameter override: {name}", value, self.parameters[name].value)
            lo, hi = self.parameters[name].bounds
            for suffix, number in _numbers(value):
                if not (math.isfinite(number) and lo <= number <= hi):
                    raise InputError(f"parameter override: {name}{suffix}: {number:g} is outside the allowed "
                                     f"range {lo:g} to {hi:g}")
        return replace(self, overrides={**self.overrides, **overrides})

    def parameter_values(self) -> dict[str, Leaf]:
        """Every behavioural parameter's value in force (for provenance)."""
        return {name: self.value(name) for name in self.parameters}


def _lever_parameters(known: set[str]) -> dict[str, Parameter]:
    """Response parameters that lever plug-ins declare in their module (`PARAMETERS`, entries of the form of
    parameters.yaml's), checked like the file's."""
    from model.levers import MODULES  # the levers read calibrations: imported when one is loaded

    out = {}
    for module in MODULES:
        for name, body in getattr(module, "PARAMETERS", {}).items():
            where = f"lever {module.NAME}: PARAMETERS"
            if name in known or name in out:
                raise InputError(f"{where}: {name} is already a parameter")
            try:
                out[name] = Parameter.model_validate(body)
            except ValidationError as exc:
                raise field_error(f"{where}: {name}", exc) from None
    return out


def point_fit(path: Path = FITTED_FILE) -> dict | None:
    """The point fit of fitted.yaml as outputs record it (None without one): its values, objective, date, search
    method, every target's published and simulated figure, and the file's sha256, which each run's manifest also
    records."""
    if not Path(path).exists():
        return None
    fitted = yaml_files.read(path, aliases=True)
    if not isinstance(fitted, dict):
        raise InputError(f"{path}: expected a mapping with `parameters`, `objective` and `targets`")
    provenance = fitted.get("provenance") or {}
    return {"sha256": file_sha256(path), "date": str(provenance.get("date", "")),
            "method": str(provenance.get("method", "")), "objective": fitted.get("objective"),
            "parameters": fitted.get("parameters") or {}, "targets": fitted.get("targets") or {}}


def load_calibration(directory: Path = CALIBRATION_DIR, use_fitted: bool = True) -> Calibration:
    """Read and validate population.yaml, parameters.yaml and retirement.yaml, with the fitted values of
    fitted.yaml (when present and `use_fitted`) in place of the defaults of the fitted parameters."""
    structure = _validated(directory / "population.yaml", StructureEntry)
    _check_structure(directory / "population.yaml", structure)
    retirement = _validated(directory / "retirement.yaml", StructureEntry)
    _check_structure(directory / "retirement.yaml", retirement)
    parameters = _validated(directory / "parameters.yaml", Parameter)
    parameters.update(_lever_parameters(set(parameters)))
    _check_bounds(directory / "parameters.yaml", parameters)
    calibration = Calibration(structure, parameters, retirement)
    fitted = directory / FITTED_FILE.name
    if use_fitted and fitted.exists():
        values = yaml_files.read(fitted, aliases=True)
        if not isinstance(values, dict) or not isinstance(values.get("parameters"), dict):
            raise InputError(f"{fitted}: expected a mapping `parameters` of fitted values")
        try:
            calibration = calibration.with_overrides(values["parameters"])
        except InputError as exc:
            raise InputError(f"{fitted}: {exc}") from None
    return calibration

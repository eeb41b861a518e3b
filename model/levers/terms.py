"""The building blocks of lever settings: dated values, coverage of employers, worker eligibility, sources.

A dated value follows PolicyEngine parameter files: values by start month ('YYYY-MM'), each optionally
phased in linearly over `ramp_months`; a plain number means that value from the start of the run.
Before its first date a value is 0 (the lever is off).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
    field_validator,
    model_validator,
)

from model.engine import categories as cat
from model.engine.calendar import BASE_MONTH, BASE_MONTH_LABEL, month_index
from model.engine.employers import EmployerTable

MAX_RAMP_MONTHS = 240

CityId = Literal[cat.CITY_IDS]  # type: ignore[valid-type]
SectorId = Literal[cat.SECTORS]  # type: ignore[valid-type]
OwnershipId = Literal[cat.OWNERSHIPS]  # type: ignore[valid-type]
SizeId = Literal[cat.SIZES]  # type: ignore[valid-type]
GradeId = Literal[cat.GRADES]  # type: ignore[valid-type]
TargetGradeId = Literal[cat.GRADES[1:]]  # type: ignore[valid-type]
GenerationId = Literal[cat.MIGRANT_GENERATIONS]  # type: ignore[valid-type]
EducationId = Literal[cat.EDUCATIONS]  # type: ignore[valid-type]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def check_month(label: object) -> str:
    """A 'YYYY-MM' month label from the base month on (dates past the end simply never take effect)."""
    text = str(label)
    try:
        index = month_index(text)
    except Exception:
        raise ValueError(f"{text!r} is not a month; use YYYY-MM from {BASE_MONTH_LABEL}") from None
    if index < BASE_MONTH:
        raise ValueError(f"{text} is before the simulation starts ({BASE_MONTH_LABEL})")
    return text


Month = Annotated[str, BeforeValidator(check_month)]


@dataclass(frozen=True)
class Range:
    """A setting's allowed range and unit, kept in its type for messages and for `workforce levers`."""

    lo: float
    hi: float
    unit: str


def bounded_int(lo: int, hi: int, unit: str) -> object:
    """An integer field with its allowed range in the error message."""
    def check(value: int) -> int:
        if not lo <= value <= hi:
            raise ValueError(f"{value} is outside the allowed range {lo} to {hi} {unit}")
        return value
    return Annotated[StrictInt, AfterValidator(check), Range(lo, hi, unit)]


class Schedule(Strict):
    """Values by start month, each reached over `ramp_months` by a linear path from the value before it."""

    values: dict[Month, StrictFloat] = Field(min_length=1)
    ramp_months: bounded_int(0, MAX_RAMP_MONTHS, "months") = 0  # type: ignore[valid-type]

    @field_validator("values")
    @classmethod
    def _dates_in_order(cls, values: dict[str, float]) -> dict[str, float]:
        months = [month_index(k) for k in values]
        for (a, b), label in zip(zip(months, months[1:], strict=False), list(values)[1:], strict=False):
            if b <= a:
                raise ValueError(f"dates must be in increasing order ({label} comes after a later or equal date)")
        return values

    def last_date(self) -> str:
        return max(self.values, key=month_index)

    def series(self, last_month: int) -> np.ndarray:
        """The value in every month from the base month to `last_month` (float64)."""
        n = last_month - BASE_MONTH + 1
        out = np.zeros(n)
        before = 0.0
        steps = sorted((month_index(k) - BASE_MONTH, v) for k, v in self.values.items())
        for k, (start, value) in enumerate(steps):
            if start >= n:
                break
            end = steps[k + 1][0] if k + 1 < len(steps) else n
            months = np.arange(start, min(end, n))
            if self.ramp_months > 0:
                reached = np.minimum(1.0, (months - start + 1) / self.ramp_months)
                out[months] = before + (value - before) * reached
            else:
                out[months] = value
            before = float(out[months[-1]]) if len(months) else value
        return out

    def at(self, month_offset: int) -> float:
        """The value in the month `month_offset` months after the base month."""
        return float(self.series(BASE_MONTH + month_offset)[month_offset])


def _as_schedule(value: object) -> object:
    """A plain number is a value from the start of the run."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return {"values": {BASE_MONTH_LABEL: float(value)}}
        except OverflowError:
            raise ValueError("is too large a number") from None
    if not isinstance(value, (dict, Schedule)):
        raise ValueError("must be a number, or dated values {values: {YYYY-MM: number, ...}, ramp_months: N}")
    return value


def _in_range(lo: float, hi: float, unit: str):  # noqa: ANN202 - a pydantic validator
    def check(schedule: Schedule) -> Schedule:
        for month, value in schedule.values.items():
            if not lo <= value <= hi:  # also rejects NaN
                raise ValueError(f"{value:g} (from {month}) is outside the allowed range {lo:g} to {hi:g} {unit}")
        return schedule
    return check


def dated(lo: float, hi: float, unit: str) -> object:
    """The type of a dated value with its allowed range and unit (for messages)."""
    return Annotated[Schedule, BeforeValidator(_as_schedule), AfterValidator(_in_range(lo, hi, unit)),
                     Range(lo, hi, unit)]


Share = dated(0.0, 1.0, "(a share)")
Yuan = dated(0.0, 1e12, "yuan")
Persons = dated(0.0, 1e8, "persons")
Months = dated(1.0, 120.0, "months")


class Source(Strict):
    """Where a setting comes from (the source article, a policy document)."""

    title: str = Field(min_length=1, max_length=500)
    publisher: str = Field(default="", max_length=500)
    year: bounded_int(1949, 2100, "")  # type: ignore[valid-type]
    address: str = Field(default="", max_length=2000)
    note: str = Field(default="", max_length=2000)


class Coverage(Strict):
    """Which employers a lever reaches. `scope: pilot` limits it to pilot firms and to employers in pilot
    cities from the dates of the pilot_rollout lever; the lists narrow it further (omitted = all)."""

    scope: Literal["province", "pilot"] = "province"
    cities: list[CityId] | None = Field(default=None, min_length=1)
    sectors: list[SectorId] | None = Field(default=None, min_length=1)
    ownerships: list[OwnershipId] | None = Field(default=None, min_length=1)
    sizes: list[SizeId] | None = Field(default=None, min_length=1)

    def employers(self, table: EmployerTable) -> np.ndarray:
        """Boolean mask of the employer rows the lists select (before the pilot scope)."""
        mask = np.ones(len(table.city), dtype=bool)
        for ids, column, allowed in ((self.cities, table.city, cat.CITY_IDS), (self.sectors, table.sector, cat.SECTORS),
                                     (self.ownerships, table.ownership, cat.OWNERSHIPS),
                                     (self.sizes, table.size, cat.SIZES)):
            if ids is not None:
                mask &= np.isin(column, [allowed.index(x) for x in ids])
        return mask


class Eligibility(Strict):
    """Which workers a programme admits (omitted = no restriction)."""

    groups: list[GenerationId] | None = Field(default=None, min_length=1)
    max_grade: GradeId | None = None
    min_age_years: bounded_int(16, 70, "years") = 16  # type: ignore[valid-type]
    max_age_years: bounded_int(16, 70, "years") = 70  # type: ignore[valid-type]
    max_education: EducationId | None = None

    @model_validator(mode="after")
    def _ages_in_order(self) -> Eligibility:
        if self.min_age_years > self.max_age_years:
            raise ValueError(f"min_age_years {self.min_age_years} is above max_age_years {self.max_age_years}")
        return self

    def generation_mask(self) -> np.ndarray:
        ids = self.groups or list(cat.MIGRANT_GENERATIONS)
        return np.array([g in ids for g in cat.MIGRANT_GENERATIONS], dtype=np.uint8)

    def grade_mask(self) -> np.ndarray:
        top = cat.MAX_GRADE if self.max_grade is None else cat.GRADES.index(self.max_grade)
        return (np.arange(len(cat.GRADES)) <= top).astype(np.float64)

    def top_education(self) -> int:
        return len(cat.EDUCATIONS) - 1 if self.max_education is None else cat.EDUCATIONS.index(self.max_education)


def limit_at(schedule: Schedule | None, month_offset: int) -> float:
    """A quota or budget in force in the month; infinite when the scenario sets none."""
    return np.inf if schedule is None else schedule.at(month_offset)


class LeverSettings(Strict):
    """What every lever carries besides its own parameters."""

    description: str = Field(default="", max_length=5000)
    source: Source | None = None
    coverage: Coverage = Coverage()

    def dated_months(self) -> list[tuple[str, str]]:
        """(field path, last month) of every dated setting, for the check against the scenario's period."""
        out = []
        for name, value in self:
            if isinstance(value, Schedule):
                out.append((name, value.last_date()))
            elif isinstance(value, dict):
                out += [(f"{name}.{k}", v.last_date()) for k, v in value.items() if isinstance(v, Schedule)]
        return out

"""Scenario files: a strict schema and a safe YAML loader.

A scenario names itself, says what it is and fixes the reported period; the policy levers
come as further keys. Unknown keys, bad months and out-of-order dates are one-line errors.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from model.calendar import BASE_MONTH, BASE_MONTH_LABEL, month_index
from model.errors import InputError

LAST_MONTH_LABEL = "2060-12"
MAX_FILE_BYTES = 1_000_000


class Period(BaseModel):
    """Months reported, inclusive ('YYYY-MM'); simulation always starts at the base month 2020-01."""

    model_config = ConfigDict(extra="forbid")
    start: str = BASE_MONTH_LABEL
    end: str = "2030-12"

    @field_validator("start", "end", mode="before")
    @classmethod
    def _is_month(cls, value: object) -> str:
        label = str(value)
        try:
            index = month_index(label)
        except InputError:
            allowed = f"{BASE_MONTH_LABEL} and {LAST_MONTH_LABEL}"
            raise ValueError(f"{label!r} is not a month; use YYYY-MM between {allowed}") from None
        if not BASE_MONTH <= index <= month_index(LAST_MONTH_LABEL):
            raise ValueError(f"{label} is outside the allowed range {BASE_MONTH_LABEL} to {LAST_MONTH_LABEL}")
        return label

    @model_validator(mode="after")
    def _in_order(self) -> Period:
        if month_index(self.end) < month_index(self.start):
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    @property
    def first_month(self) -> int:
        return month_index(self.start)

    @property
    def last_month(self) -> int:
        return month_index(self.end)


class Scenario(BaseModel):
    """A scenario: name (Chinese allowed), description and period."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    period: Period = Period()

    @classmethod
    def baseline(cls) -> Scenario:
        return cls(name="baseline", description="No reform measures.")

    def with_period(self, start: str | None = None, end: str | None = None) -> Scenario:
        """A copy with the period overridden (e.g. by command-line flags), validated again."""
        period = {"start": start or self.period.start, "end": end or self.period.end}
        try:
            return self.model_copy(update={"period": Period(**period)})
        except ValidationError as exc:
            raise InputError(_first_error("period", exc)) from None


class _NoAliasLoader(yaml.SafeLoader):
    """Safe YAML without aliases: no object construction and no alias expansion bombs."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.YAMLError(f"aliases (*name) are not allowed in scenario files (line {mark.line + 1})")
        return super().compose_node(parent, index)


def _first_error(where: str, exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown key (allowed: name, description, period and the levers)"
    return f"{where}: {loc}: {msg}"


def parse_scenario(text: str, where: str = "scenario") -> Scenario:
    try:
        raw = yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        raise InputError(f"{where}: not valid YAML{line}: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{where}: a scenario must be a mapping with at least a name")
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise InputError(_first_error(where, exc)) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; every problem is a one-line InputError naming file and field."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InputError(f"{path}: scenario file is larger than {MAX_FILE_BYTES} bytes")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such scenario file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_scenario(text, str(path))

"""Scenario files: a strict schema, a safe YAML loader and `extends` (a scenario built on another).

A scenario names itself, says what it is, fixes the reported period and sets its policy levers
(model/levers). Unknown keys, unknown levers, bad months, out-of-order dates and out-of-range values
are one-line errors naming the file and the field.
"""

from __future__ import annotations

import re
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from model import shipped, yaml_files
from model.engine.calendar import BASE_MONTH, BASE_MONTH_LABEL, month_index
from model.errors import InputError, problem
from model.files import file_sha256, text_digest
from model.levers import LEVER_IDS, Levers

LAST_MONTH_LABEL = "2060-12"
MAX_FILE_BYTES = 1_000_000
MAX_EXTENDS_DEPTH = 8


def printable(value: str, allowed: str) -> str:
    """Text without control characters (NUL, terminal escapes) other than those allowed."""
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in value):
        raise ValueError("contains a control character; use printable text")
    return value


# A scenario's or experiment's name and description: no control characters (newlines and tabs in a description)
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(lambda v: printable(v, ""))]
Description = Annotated[str, Field(max_length=10_000), AfterValidator(lambda v: printable(v, "\n\t"))]


class BilingualName(BaseModel):
    """A name in both report languages (`name: {zh: ..., en: ...}`)."""

    model_config = ConfigDict(extra="forbid")
    zh: Name
    en: Name


class BilingualDescription(BaseModel):
    """A description in both report languages."""

    model_config = ConfigDict(extra="forbid")
    zh: Description
    en: Description


def in_language(text: str | dict | BilingualName | BilingualDescription, lang: str) -> str:
    """The text for a report language: a plain string is the same in both; a bilingual text, as validated or as
    recorded in a manifest (`{zh, en}`), gives that language's."""
    if isinstance(text, str):
        return text
    return str(text.get(lang, "")) if isinstance(text, dict) else getattr(text, lang)


def name_key(name: str | BilingualName) -> str:
    """What results are keyed by (the `scenario` column, the manifest): a plain name as written, a bilingual
    one as 'zh (en)'."""
    if isinstance(name, str):
        return name
    return name.zh if name.zh == name.en else f"{name.zh} ({name.en})"


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


def slug(text: str) -> str:
    """A stable identifier from a text: lower-case ASCII letters, digits and `_`; a digest when none are left."""
    out = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:60]
    return out or "scenario_" + text_digest(text, 8)


class Scenario(BaseModel):
    """A scenario: a stable id (default: the file name, or the English name), name and description (a string,
    or `{zh: ..., en: ...}` for the report languages), period and the levers it sets."""

    model_config = ConfigDict(extra="forbid")
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.+-]{0,79}$")] | None = None
    name: Name | BilingualName
    description: Description | BilingualDescription = ""
    period: Period = Period()
    levers: Levers = Levers()  # type: ignore[valid-type]

    @property
    def key(self) -> str:
        """The name results are keyed by (model.scenario.name_key)."""
        return name_key(self.name)

    @property
    def scenario_id(self) -> str:
        """The id outputs carry beside the display name: as given, else from the English name."""
        return self.id or slug(in_language(self.name, "en"))

    @model_validator(mode="after")
    def _lever_dates_in_period(self) -> Scenario:
        end = self.period.last_month
        for module, settings in self.levers.active():
            for path, label in settings.dated_months():
                if month_index(label) > end:
                    raise ValueError(f"levers.{module.NAME}.{path}: {label} is after the end of the period "
                                     f"({self.period.end}); allowed: {BASE_MONTH_LABEL} to {self.period.end}")
        if self.levers.pilot_rollout is None:
            for module, settings in self.levers.active():
                if settings.coverage.scope == "pilot":
                    raise ValueError(f"levers.{module.NAME}.coverage.scope: 'pilot' needs the pilot_rollout lever "
                                     "(which firms and cities are pilots, and from when)")
        return self

    @classmethod
    def baseline(cls) -> Scenario:
        return cls(id="baseline", name=BilingualName(zh="基准情景", en="baseline"),
                   description=BilingualDescription(zh="不实施任何产改措施。", en="No reform measures."))

    def with_period(self, start: str | None = None, end: str | None = None) -> Scenario:
        """A copy with the period overridden (e.g. by command-line flags), validated again."""
        period = {"start": start or self.period.start, "end": end or self.period.end}
        try:
            return self.model_copy(update={"period": Period(**period)})
        except ValidationError as exc:
            raise InputError(first_error("period", exc)) from None


def first_error(where: str, exc: ValidationError, root: type[BaseModel] | None = None) -> str:
    """The first validation problem as one line: where, the field path, what is allowed."""
    root = root or Scenario
    errors = exc.errors()
    err = errors[0]
    if err["type"] == "string_type" and len(errors) > 1 and errors[1]["loc"][:1] == err["loc"][:1]:
        # a text or {zh, en}: a mapping's problem is in its bilingual form; anything else is neither
        if isinstance(err["input"], dict):
            err = errors[1]
        else:
            return f"{where}: {err['loc'][0]}: must be a text, or {{zh: ..., en: ...}} with both languages"
    path, msg = problem(err)
    loc = ".".join(path)
    if err["type"] == "extra_forbidden":
        if root is Scenario and path[:1] == ["levers"] and len(path) == 2:
            msg = f"unknown lever (allowed: {', '.join(LEVER_IDS)})"
        elif len(path) == 2 and path[0] in ("name", "description"):
            msg = "unknown key (allowed: zh, en)"
        elif root is Scenario and len(path) == 1:
            msg = "unknown key (allowed: id, name, description, period, levers, extends)"
        else:
            allowed = _keys_at(path[:-1], root)
            msg = f"unknown key (allowed: {', '.join(allowed)})" if allowed else "unknown key"
    if not path and msg.startswith("levers."):  # a whole-scenario check that names the field itself
        loc, msg = msg.split(": ", 1)
    return f"{where}: {loc}: {msg}" if loc else f"{where}: {msg}"


def _keys_at(path: list[str], root: type[BaseModel]) -> list[str]:
    """The keys a schema allows at a path of mappings (for the message on an unknown key)."""
    model: object = root
    for part in path:
        if part.isdigit():  # an item of a list of mappings: the list's item schema applies
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return []
        model = next((a for a in _flat_args(fields[part].annotation) if hasattr(a, "model_fields")), None)
    return list(getattr(model, "model_fields", {}))


def _flat_args(annotation: object) -> list[object]:
    """A field's annotation with Optional / Annotated unwrapped."""
    args = getattr(annotation, "__args__", None)
    if getattr(annotation, "__metadata__", None) is not None:
        return _flat_args(getattr(annotation, "__origin__", annotation))
    if args and getattr(annotation, "__origin__", None) is not dict:
        return [x for a in args for x in _flat_args(a)]
    return [annotation]


def merge(base: dict, change: dict) -> dict:
    """`extends`: mappings merge key by key (dated values gain or replace dates); any other value, lists
    included, replaces the base's; a key set to null removes it (e.g. a lever switched off)."""
    out = dict(base)
    for key, value in change.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def read_mapping(text: str, where: str, kind: str = "scenario") -> dict:
    """A YAML mapping with string keys, read safely (model/yaml_files.py); one-line errors."""
    raw = yaml_files.parse(text, where)
    if not isinstance(raw, dict):
        raise InputError(f"{where}: a {kind} must be a mapping with at least a name")
    return raw


def _resolved(text: str, where: str, directory: Path, chain: tuple[Path, ...]) -> dict:
    """The scenario's mapping with its `extends` chain merged in (bases first)."""
    raw = read_mapping(text, where)
    base_name = raw.pop("extends", None)
    if base_name is None:
        _no_empty_levers(raw, {}, where)
        return raw
    if not isinstance(base_name, str) or not base_name.strip():
        raise InputError(f"{where}: extends: must be the path of a scenario file or a shipped scenario's name, e.g. "
                         "extends: baseline.yaml")
    base_path = shipped.locate(base_name, directory=directory).resolve()
    if base_path in chain:
        raise InputError(f"{where}: extends: {base_name} extends this file again (a cycle)")
    if len(chain) >= MAX_EXTENDS_DEPTH:
        raise InputError(f"{where}: extends: more than {MAX_EXTENDS_DEPTH} levels of extends")
    base = _resolved(read_text(base_path, f"{where}: extends: {base_name}"), str(base_path), base_path.parent,
                     (*chain, base_path))
    _no_empty_levers(raw, base, where)
    # a scenario says what it is itself: a base's name and description would mislabel it
    return merge({k: v for k, v in base.items() if k not in ("id", "name", "description")}, raw)


def _no_empty_levers(raw: dict, base: dict, where: str) -> None:
    """A lever written with nothing after it switches off the base's lever under `extends`; with no such lever
    to switch off it is a mistake, not a silent no-op."""
    levers = raw.get("levers")
    if not isinstance(levers, dict):
        return
    inherited = base.get("levers") if isinstance(base.get("levers"), dict) else {}
    for name, body in levers.items():
        if body is None and name not in inherited:
            raise InputError(f"{where}: levers.{name}: has no settings; write {{}} for its defaults, or remove it "
                             "(null switches off a lever inherited through extends)")


def parse_scenario(text: str, where: str = "scenario", directory: Path | None = None,
                   chain: tuple[Path, ...] = ()) -> Scenario:
    """Validate scenario text (`extends` paths are relative to `directory`, default the working directory)."""
    raw = _resolved(text, where, directory or Path.cwd(), chain)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise InputError(first_error(where, exc)) from None


def read_text(path: Path, where: str, kind: str = "scenario") -> str:
    """A regular UTF-8 file of at most MAX_FILE_BYTES; one-line errors. Pipes, devices and directories are
    refused before reading (a FIFO would block forever, /dev/zero never ends), and at most one byte more
    than the cap is read whatever the file claims its size is."""
    try:
        mode = path.stat().st_mode  # follows symlinks; a loop raises OSError (ELOOP)
        if stat.S_ISDIR(mode):
            raise InputError(f"{where}: is a directory, not a {kind} file")
        if not stat.S_ISREG(mode):
            raise InputError(f"{where}: not a regular file (a pipe, socket or device); give a {kind} file")
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            raise InputError(f"{where}: {kind} file is larger than {MAX_FILE_BYTES} bytes")
        return data.decode("utf-8")
    except FileNotFoundError:
        example = {"scenario": "baseline", "experiment": "subsidy_x_parity_grid"}.get(kind)
        hint = f" (a shipped {kind} can be given by its name, e.g. {example})" if example else ""
        raise InputError(f"{where}: no such {kind} file{hint}") from None
    except UnicodeDecodeError:
        raise InputError(f"{where}: not UTF-8 text") from None
    except IsADirectoryError:
        raise InputError(f"{where}: is a directory, not a {kind} file") from None
    except OSError as exc:
        raise InputError(f"{where}: cannot read ({exc.strerror})") from None


@dataclass(frozen=True)
class ScenarioFile:
    """A scenario file read once: the scenario, and the file and its sha256 that the manifests of its runs record,
    so that runs in other processes need not read the file again."""

    scenario: Scenario
    file: str
    sha256: str

    @classmethod
    def read(cls, path: str | Path) -> ScenarioFile:
        """A scenario file, or a shipped scenario by name, read and validated (load_scenario)."""
        path = shipped.locate(path)
        return cls(load_scenario(path), str(path), file_sha256(path))


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file, or a shipped scenario by name (`load_scenario("baseline")`); every
    problem is a one-line InputError naming file and field."""
    path = shipped.locate(path)
    spec = parse_scenario(read_text(path, str(path)), str(path), path.resolve().parent, (path.resolve(),))
    return spec if spec.id else spec.model_copy(update={"id": slug(path.stem)})

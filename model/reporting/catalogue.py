"""What can be set: every lever setting (path, allowed values, unit, default) and every behavioural parameter
(unit, bounds, value in force, status, evidence), read from the schemas and calibration/parameters.yaml, for
`workforce levers`, `workforce parameters` and `--set PATH=VALUE`."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Literal, get_args, get_origin

import pandas as pd
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from model.calibration.inputs import load_calibration
from model.levers import MODULES
from model.levers.terms import Range, Schedule, Source
from model.reporting.labels import label

# settings every lever carries that are text, not numbers to vary
_NOT_SETTINGS = {"description", "source"}


def lever_settings() -> pd.DataFrame:
    """One row per setting: lever, path (`levers.<lever>.<setting>...`), labels, kind, allowed, unit, default."""
    rows = []
    for module in MODULES:
        for path, annotation, default, keyed in _fields(module.Settings, f"levers.{module.NAME}"):
            kind, allowed, unit = _describe(annotation)
            rows.append({"lever": module.NAME, "lever_zh": label(module.NAME, "zh"),
                         "lever_en": label(module.NAME, "en"), "path": path,
                         "setting_zh": _setting_label(path, keyed, "zh"),
                         "setting_en": _setting_label(path, keyed, "en"),
                         "kind": kind, "allowed": allowed, "unit": unit, "default": default})
    return pd.DataFrame(rows)


def _setting_label(path: str, keyed: bool, lang: str) -> str:
    """`levers.<lever>.eligibility.max_grade` → the label of max_grade; a keyed entry (`subsidy_yuan.junior`)
    → the setting's label and the key's."""
    parts = path.split(".")
    return f"{label(parts[-2], lang)}: {label(parts[-1], lang)}" if keyed else label(parts[-1], lang)


def parameters() -> pd.DataFrame:
    """One row per behavioural parameter: path, labels, unit, bounds, default (parameters.yaml; for a fitted
    parameter the prior's centre), value in force (fitted values included),
    status (fitted / assumed), scope (model / levers: read only with a lever on) and evidence."""
    calibration = load_calibration()
    rows = []
    for name, p in calibration.parameters.items():
        rows.append({"path": f"parameters.{name}", "name_zh": label(name, "zh"), "name_en": label(name, "en"),
                     "description": " ".join(str(p.description).split()), "unit": p.unit, "lo": p.bounds[0],
                     "hi": p.bounds[1], "default": _text(p.value), "value": _text(calibration.value(name)),
                     "status": p.status, "scope": p.scope, "evidence": " ".join(str(p.evidence or "").split())})
    return pd.DataFrame(rows)


def _fields(model: type[BaseModel], prefix: str) -> list[tuple[str, object, str, bool]]:
    """(path, type, default as text, whether the last part is a key of a mapping) of every setting."""
    out = []
    for name, info in model.model_fields.items():
        if name in _NOT_SETTINGS:
            continue
        path = f"{prefix}.{name}"
        annotation = info.annotation if not info.metadata else Annotated[(info.annotation, *info.metadata)]
        default = info.default_factory() if info.default_factory else info.default
        inner = _nested_model(annotation)
        if inner is not None:
            out += _fields(inner, path)
            continue
        keys = _mapping_keys(annotation)
        if keys is not None:
            value_type = get_args(_strip_optional(annotation))[1]
            for key in keys:
                item = default.get(key) if isinstance(default, dict) else None
                out.append((f"{path}.{key}", value_type, _default_text(item, required=False), True))
            continue
        out.append((path, annotation, _default_text(default, info.is_required()), False))
    return out


def _strip_optional(annotation: object) -> object:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _nested_model(annotation: object) -> type[BaseModel] | None:
    inner = _strip_optional(annotation)
    ok = isinstance(inner, type) and issubclass(inner, BaseModel) and inner not in (Schedule, Source)
    return inner if ok else None


def _mapping_keys(annotation: object) -> list[str] | None:
    inner = _strip_optional(annotation)
    if get_origin(inner) is dict:
        keys = get_args(get_args(inner)[0]) if get_origin(get_args(inner)[0]) is Literal else ()
        return list(keys)
    return None


def _describe(annotation: object) -> tuple[str, str, str]:
    """(kind, allowed values, unit) of a setting's type."""
    optional = False
    metadata: tuple = ()
    while True:
        if get_origin(annotation) is Annotated:
            metadata += get_args(annotation)[1:]
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in get_args(annotation):
            optional = True
            annotation = _strip_optional(annotation)
        else:
            break
    base = annotation
    bounds = next((m for m in metadata if isinstance(m, Range)), None)
    suffix = " (optional)" if optional else ""
    if get_origin(base) is Literal:
        return "choice" + suffix, " | ".join(map(str, get_args(base))), ""
    if get_origin(base) is list:
        choices = get_args(get_args(base)[0])
        return "list" + suffix, "any of " + ", ".join(map(str, choices)), ""
    if bounds is not None:
        kind = "dated number" if base is Schedule else "integer"
        return kind + suffix, f"{_number(bounds.lo)} to {_number(bounds.hi)}", bounds.unit.strip("()")
    if base is str:
        return "month" + suffix, "YYYY-MM from 2020-01", ""
    return getattr(base, "__name__", str(base)) + suffix, "", ""


def _default_text(value: object, required: bool) -> str:
    if required:
        return "(required)"
    if value is None:
        return "none"
    if isinstance(value, Schedule):
        dated = ", ".join(f"{_number(v)} from {m}" for m, v in value.values.items())
        return dated + (f", ramp {value.ramp_months} months" if value.ramp_months else "")
    if value is PydanticUndefined:
        return ""
    return _text(value)


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:g}"


def _text(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_text(v)}" for k, v in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(map(_text, value))
    return f"{value:g}" if isinstance(value, float) else str(value)

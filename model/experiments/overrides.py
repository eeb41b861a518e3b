"""What-if settings without YAML: change a scenario's lever settings (`levers.<lever>.<setting>...`) or a
behavioural parameter (`parameters.<name>`) by path, as `run(..., overrides={...})`, `compare(base, [...])` and
`workforce run/compare --set PATH=VALUE` do. The changed scenario is validated by the scenario schema and the
parameters by their bounds, with the same one-line errors as a scenario file."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import yaml
from pydantic import ValidationError

from model.calibration.inputs import Leaf, load_calibration
from model.errors import InputError
from model.files import text_digest
from model.scenario import LAST_MONTH_LABEL, BilingualName, Scenario, ScenarioFile, first_error, read_mapping

Overrides = Mapping[str, object]
ScenarioInput = Scenario | ScenarioFile | str | Path  # an object, a file read once, a file or a shipped name
# an option in a comparison: a scenario, a (scenario, overrides) pair, or overrides of the baseline
Variant = ScenarioInput | tuple[ScenarioInput, Overrides] | Overrides

EXAMPLE = "levers.training_subsidy.annual_quota=200000"


def parse_assignment(text: str) -> tuple[str, object]:
    """`PATH=VALUE` from the command line; VALUE is read as YAML (a number, `true`, a month, `{...}`)."""
    path, sep, value = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise InputError(f"set: {text!r}: write PATH=VALUE, e.g. {EXAMPLE}")
    parsed = read_mapping(f"value: {value}" if value.strip() else "value: null", f"set: {path}", kind="value")
    return path, parsed["value"]


def parse_assignments(texts: list[str] | None) -> dict[str, object]:
    out: dict[str, object] = {}
    for text in texts or []:
        path, value = parse_assignment(text)
        if path in out:
            raise InputError(f"set: {path}: given twice")
        out[path] = value
    return out


def apply(spec: Scenario, overrides: Overrides | None) -> tuple[Scenario, dict[str, Leaf]]:
    """The scenario with its lever settings changed (named and identified as a variant of it) and the behavioural
    parameters to replace."""
    if not overrides:
        return spec, {}
    if not isinstance(overrides, Mapping):
        raise InputError(f"overrides: must be a mapping of PATH to value, e.g. {{{EXAMPLE.replace('=', ': ')}}}")
    levers: dict[str, object] = {}
    parameters: dict[str, Leaf] = {}
    for path, value in overrides.items():
        parts = str(path).split(".")
        if parts[0] == "levers" and len(parts) >= 3 and all(parts):
            levers[str(path)] = value
        elif parts[0] == "parameters" and len(parts) == 2 and parts[1]:
            parameters[parts[1]] = value  # type: ignore[assignment]
        else:
            raise InputError(f"set: {path}: use levers.<lever>.<setting>[...] or parameters.<name>, e.g. {EXAMPLE}")
    _check_parameters(parameters)
    if levers:
        mapping = spec.model_dump(mode="json", exclude_none=True)
        for path, value in levers.items():
            set_path(mapping, path.split("."), value, f"set: {path}")
        # the period rule of `run --end`: dated values after a shortened period are allowed and never take effect
        mapping["period"] = {"start": spec.period.start, "end": LAST_MONTH_LABEL}
        try:
            spec = Scenario.model_validate(mapping).with_period(spec.period.start, spec.period.end)
        except ValidationError as exc:
            raise InputError(first_error("set", exc)) from None
    return _renamed(spec, dict(overrides)), parameters


def holder(mapping: dict, parts: list[str], where: str, create: bool = True) -> dict:
    """The mapping that holds the last part of a dotted path of nested mappings, creating the mappings on the way
    (without `create`, each must be there already)."""
    node = mapping
    for part in parts[:-1]:
        if not create and part not in node:
            raise InputError(f"{where}: {part!r} is not set in the base scenario")
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise InputError(f"{where}: {part!r} holds a value, not settings")
    return node


def set_path(mapping: dict, parts: list[str], value: object, where: str) -> None:
    """Put `value` at a dotted path of nested mappings, creating the mappings on the way."""
    holder(mapping, parts, where)[parts[-1]] = value


def _check_parameters(parameters: dict[str, Leaf]) -> None:
    calibration = load_calibration()
    for name in parameters:
        if name not in calibration.parameters:
            raise InputError(f"set: parameters.{name}: unknown parameter (`workforce parameters` lists them)")
    try:
        calibration.with_overrides(parameters)
    except InputError as exc:
        raise InputError(f"set: parameters.{str(exc).removeprefix('parameter override: ')}") from None


def _renamed(spec: Scenario, overrides: dict[str, object]) -> Scenario:
    """A variant's name says what was changed; its id is the scenario's id and a digest of the changes."""
    text = json.dumps(overrides, sort_keys=True, ensure_ascii=False, default=str)
    digest = text_digest(text, 8)
    changes = "; ".join(f"{path.split('.', 1)[1]}={_short(value)}" for path, value in overrides.items())
    name = spec.name if isinstance(spec.name, BilingualName) else BilingualName(zh=spec.name, en=spec.name)
    zh, en = f"{name.zh}（{changes}）", f"{name.en} ({changes})"
    if max(len(zh), len(en)) > 200:
        zh, en = f"{name.zh}（改动 {digest}）", f"{name.en} (changes {digest})"
    return spec.model_copy(update={"name": BilingualName(zh=zh, en=en), "id": f"{spec.scenario_id}+{digest}"})


def _short(value: object) -> str:
    return yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip().removesuffix(
        "\n...").strip()


def variant(option: Variant, baseline: ScenarioInput) -> tuple[ScenarioInput, dict[str, object]]:
    """A comparison's option as (scenario, overrides): a dict alone changes the baseline."""
    if isinstance(option, tuple):
        if len(option) != 2 or not isinstance(option[1], Mapping):
            raise InputError("reforms: a pair must be (scenario, {PATH: value, ...})")
        return option[0], dict(option[1])
    if isinstance(option, Mapping):
        return baseline, dict(option)
    return option, {}

"""Reading YAML, the one way every input file is read: safe (no object construction), without duplicate keys or
binary values, with bounded integers, nesting and size, numbers by YAML 1.2's rules (`1e5` is a number, not text
as in YAML 1.1), mapping keys as text. Problems are one-line InputErrors naming the file and the line.

Aliases (`*name`) are refused, except in the calibration files, which use them for repeated sources and are read
on every run with libyaml's parser (twenty times faster); the size bound stops alias-expansion bombs there."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from model.errors import InputError

MAX_INT_DIGITS = 18  # beyond any count of workers or yuan; a float64 holds 15-17 significant digits
MAX_VALUES = 1_000_000  # values in a document, aliases expanded: far beyond any input file


class _Rules:
    """The rules both loaders apply while constructing values."""

    def construct_mapping(self, node, deep=False):  # noqa: ANN001, ANN201 - PyYAML's signature
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in seen:
                raise yaml.YAMLError(f"duplicate key {key!r} (line {key_node.start_mark.line + 1})")
            seen.add(key)
        return super().construct_mapping(node, deep)

    def construct_yaml_binary(self, node):  # noqa: ANN001, ANN201
        raise yaml.YAMLError(f"binary values (!!binary) are not allowed (line {node.start_mark.line + 1})")

    def construct_yaml_int(self, node):  # noqa: ANN001, ANN201
        digits = sum(ch.isdigit() for ch in str(node.value))
        if digits > MAX_INT_DIGITS:
            raise yaml.YAMLError(f"a number of {digits} digits (line {node.start_mark.line + 1}); allowed: at most "
                                 f"{MAX_INT_DIGITS} digits")
        return super().construct_yaml_int(node)


class _StrictLoader(_Rules, yaml.SafeLoader):
    yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark
            raise yaml.YAMLError(f"aliases (*name) are not allowed in these files (line {mark.line + 1})")
        return super().compose_node(parent, index)


class _AliasLoader(_Rules, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    yaml_implicit_resolvers = {k: list(v) for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


for _loader in (_StrictLoader, _AliasLoader):
    _loader.add_constructor("tag:yaml.org,2002:binary", _Rules.construct_yaml_binary)
    _loader.add_constructor("tag:yaml.org,2002:int", _Rules.construct_yaml_int)
    _loader.add_implicit_resolver(  # YAML 1.2 floats: exponent without a dot; tried after YAML 1.1's int/float
        "tag:yaml.org,2002:float", re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)$"),
        list("-+0123456789."))


def string_keys(node: object) -> object:
    """Mapping keys as text: YAML reads `16:` as a number and `2021-01-01:` as a date."""
    if isinstance(node, dict):
        return {str(k): string_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [string_keys(v) for v in node]
    return node


def _size(node: object, limit: int) -> int:
    """The number of values in a document, counting an alias's values each time it is used (stops past `limit`)."""
    stack, count = [node], 0
    while stack and count <= limit:
        item = stack.pop()
        count += 1
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def parse(text: str, where: str, aliases: bool = False) -> object:
    """The YAML document in `text`, keys as text; `where` names it in errors. `aliases` allows `*name`."""
    try:
        document = yaml.load(text, Loader=_AliasLoader if aliases else _StrictLoader)  # noqa: S506 - safe loaders
        if _size(document, MAX_VALUES) > MAX_VALUES:
            raise InputError(f"{where}: more than {MAX_VALUES:,} values (aliases expanded)")
        return string_keys(document)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise InputError(f"{where}: not valid YAML{line}: {problem}") from None
    except RecursionError:
        raise InputError(f"{where}: not valid YAML: nested too deeply") from None


def read(path: Path, aliases: bool = False) -> object:
    """The YAML document in a file (see `parse`)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read file ({getattr(exc, 'strerror', None) or exc})") from None
    return parse(text, str(path), aliases)

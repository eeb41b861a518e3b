"""The project's own error types: problems a user can fix (bad files, flags, values), and failed runs."""

import re

from pydantic import ValidationError
from pydantic_core import ErrorDetails


class InputError(Exception):
    """A user-facing error: the message is one line naming the field and what is allowed."""


class ReplicationsFailed(RuntimeError):  # noqa: N818 - reads as what happened
    """A paired replication of a comparison raised: there is no result; the message says which replication failed
    and gives its error."""


# pydantic's names for the member of a union that failed (`scale.float`, `function-after[...]`), not fields
_TYPE_TAG = re.compile(r"^(float|int|str|bool|none|list|dict|[a-z-]+\[.*\]|Bilingual(Name|Description))$")


def problem(err: ErrorDetails) -> tuple[list[str], str]:
    """One pydantic error as the field path a user wrote (without pydantic's key and union-member tags) and what
    is allowed."""
    path = [str(p) for p in err["loc"] if p != "[key]" and not _TYPE_TAG.match(str(p))]
    message = "is required here" if err["type"] == "missing" else err["msg"].removeprefix("Value error, ")
    return path, message


def field_error(where: str, exc: ValidationError) -> InputError:
    """A pydantic validation error as a one-line InputError: where, the first problem's field path, what is
    allowed. (Scenario and experiment files add hints about their schema: scenario.first_error.)"""
    path, message = problem(exc.errors()[0])
    return InputError(f"{where}.{'.'.join(path)}: {message}" if path else f"{where}: {message}")

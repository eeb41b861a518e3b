"""The project's own error types: problems a user can fix (bad files, flags, values), and failed runs."""

from pydantic import ValidationError


class InputError(Exception):
    """A user-facing error: the message is one line naming the field and what is allowed."""


class ReplicationsFailed(RuntimeError):  # noqa: N818 - reads as what happened
    """Paired replications of a comparison raised: there is no result; the message says how many failed and
    gives the first error."""


def field_error(where: str, exc: ValidationError) -> InputError:
    """A pydantic validation error as a one-line InputError: where, the first problem's field path, what is
    allowed. (Scenario and experiment files add hints about their schema: scenario.first_error.)"""
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    message = "is required here" if err["type"] == "missing" else err["msg"].removeprefix("Value error, ")
    return InputError(f"{where}.{loc}: {message}" if loc else f"{where}: {message}")

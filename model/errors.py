"""The project's own error types: problems a user can fix (bad files, flags, values), and failed runs."""


class InputError(Exception):
    """A user-facing error: the message is one line naming the field and what is allowed."""


class ReplicationsFailed(RuntimeError):  # noqa: N818 - reads as what happened
    """Paired replications of a comparison raised: there is no result; the message says how many failed and
    gives the first error."""

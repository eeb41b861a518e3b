"""The project's own error type for problems a user can fix (bad files, flags, values)."""


class InputError(Exception):
    """A user-facing error: the message is one line naming the field and what is allowed."""

"""Months as integers (year * 12 + month - 1) and their 'YYYY-MM' labels."""

import re

import pandas as pd

from model.errors import InputError

BASE_MONTH_LABEL = "2020-01"  # the calibration base month: every simulation starts here
_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")


def month_index(label: str, field: str = "month") -> int:
    """Parse 'YYYY-MM' into a month index; a bad label is an InputError naming the field."""
    match = _PATTERN.match(str(label).strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InputError(f"{field}: {label!r} is not a month; use YYYY-MM, e.g. 2020-01")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1


def month_label(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_start(index: int) -> pd.Timestamp:
    return pd.Timestamp(year=index // 12, month=index % 12 + 1, day=1)


BASE_MONTH = month_index(BASE_MONTH_LABEL)

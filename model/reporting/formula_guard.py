"""Spreadsheet safety: text that reaches a CSV or xlsx cell is never read as a formula.

OWASP's rule for CSV injection: a cell starting with = + - @ tab or carriage return gets a leading
apostrophe, which spreadsheet programs show as text. Only text columns are touched; numbers stay numbers.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells cannot start a formula."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or isinstance(out[column].dtype, pd.CategoricalDtype | pd.StringDtype):
            out[column] = out[column].map(lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_STARTS)
                                          else v)
    return out

"""A calibration backcast to an earlier start: the population margins of a month before 2020, from which the
baseline runs to 2020 so the fit and its check can match the in-sample years' series, not only 2020's levels and
changes (calibration/README.md, "A backcast start").

What moves, and from which figures (calibration/backcast.yaml, each with its source):
- migrants' ages: each of the survey's bands (16-20, 21-30, 31-40, 41-50, over 50, in completed years) gets its
  national share at the start month (interpolated between survey years), the 2020 margins' bands, which split at the
  survey's edges, keeping their proportions within it;
- grades: the high-skilled share of certified workers along Jiangsu's line from end-2010 to end-2020;
- industrial workers and wage levels: the 2020 figures along the calibrated employment path and each ownership's
  wage growth (the assumed nominal growth, the private employers' sourced gap), so the start is where the model's
  own growth leads to 2020.
Every other margin keeps its 2020 value (calibration/population.yaml), which is an assumption the backcast states.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from model.calibration.inputs import Calibration, StructureEntry, read_entries
from model.engine import categories as cat
from model.engine.calendar import BASE_MONTH, BASE_MONTH_LABEL, month_index, month_label
from model.engine.employers import schedule_growth_by_ownership
from model.errors import InputError
from model.shipped import CALIBRATION_DIR

BACKCAST_FILE = CALIBRATION_DIR / "backcast.yaml"
SURVEY_BANDS = ("16-20", "21-30", "31-40", "41-50", "over 50")
# The survey's bands in completed years (16-20 is 16 to under 21 in years and months): where each ends, excluded
SURVEY_BAND_ENDS_YEARS = (21, 31, 41, 51)


def _survey_band(band: str) -> int:
    """The survey band holding the model's age band 'lo-hi' (years, hi excluded); one across an edge is an error."""
    lower, upper = (int(x) for x in band.split("-"))
    first, last = np.searchsorted(SURVEY_BAND_ENDS_YEARS, [lower, upper - 1], side="right")
    if first != last:
        raise InputError(f"calibration: migrant_age_bands: band {band} crosses an edge of the survey's bands; "
                         f"a backcast needs bands that split at {', '.join(map(str, SURVEY_BAND_ENDS_YEARS))} years")
    return int(first)


def _yearly(entry: StructureEntry, where: str) -> dict[int, object]:
    try:
        return {int(year): value for year, value in entry.value.items()}  # type: ignore[union-attr]
    except (AttributeError, ValueError):
        raise InputError(f"{where}: value must map years to figures") from None


def _interpolate(points: dict[int, float], month: float) -> float:
    months = np.array(sorted(points), dtype=float)
    return float(np.interp(month, months, [points[int(m)] for m in months]))


def allowed_starts(path: Path = BACKCAST_FILE) -> tuple[int, int]:
    """First and last start month (indices) the backcast figures cover: the survey years' middles."""
    years = sorted(_yearly(read_entries(path, StructureEntry)["migrant_age_composition"], str(path)))
    return years[0] * 12 + 6, min(years[-1] * 12 + 6, BASE_MONTH - 1)


def backcast(calibration: Calibration, start: str, path: Path = BACKCAST_FILE) -> Calibration:
    """The calibration with its population margins moved back to `start` (YYYY-MM), from which runs start; the base
    month returns the calibration as it is."""
    if start == BASE_MONTH_LABEL:
        return calibration
    if calibration.start != BASE_MONTH_LABEL:
        raise InputError(f"start: the calibration already starts at {calibration.start}; backcast the base one")
    first, last = allowed_starts(path)
    month = month_index(start, "start")
    if not first <= month <= last:
        raise InputError(f"start: {start} is outside the allowed range {month_label(first)} to {month_label(last)} "
                         f"(the backcast figures of {path.name}), or {BASE_MONTH_LABEL} (the base)")
    figures = read_entries(path, StructureEntry)
    years_back = (BASE_MONTH - month) / 12.0
    c = calibration
    structure = dict(c.structure)

    def moved(name: str, value: object) -> None:
        structure[name] = c.structure[name].model_copy(update={"value": value, "year": month // 12})

    moved("industrial_workers", c.scalar("industrial_workers")
          * (1.0 + c.scalar("employment_growth_per_year")) ** -years_back)
    deflator = dict(zip(cat.OWNERSHIPS, (1.0 + schedule_growth_by_ownership(c)) ** -years_back, strict=True))
    moved("ownership_annual_wages", {k: float(v) * deflator[k] for k, v in c.value("ownership_annual_wages").items()})
    moved("migrant_age_bands", _migrant_age_bands(c, figures["migrant_age_composition"], month, str(path)))
    moved("grade_shares", _grade_shares(c, figures["high_skill_share_of_certified"], month, str(path)))
    return replace(c, structure=structure, start=month_label(month))


def _migrant_age_bands(c: Calibration, entry: StructureEntry, month: int, where: str) -> dict[str, float]:
    """Each survey band at its share at `month` (a year's figure taken at mid-year), the 2020 margins' bands keeping
    their proportions within it."""
    by_year = _yearly(entry, where)
    target = np.array([_interpolate({y * 12 + 6: float(v[b]) for y, v in by_year.items()}, month)
                       for b in SURVEY_BANDS])
    bands = list(c.value("migrant_age_bands"))
    shares = c.shares("migrant_age_bands", bands)
    survey = np.array([_survey_band(b) for b in bands])
    within = shares / np.bincount(survey, weights=shares, minlength=len(SURVEY_BANDS))[survey]
    moved = within * (target / target.sum())[survey]
    return {b: float(v) for b, v in zip(bands, moved / moved.sum(), strict=True)}


def _grade_shares(c: Calibration, entry: StructureEntry, month: int, where: str) -> dict[str, float]:
    """The 2020 mix with the high-skilled share of certified workers at `month` (end-of-year figures, a straight
    line), the certified share and the proportions within the high and the lower certified grades kept."""
    line = {y * 12 + 11: float(v) for y, v in _yearly(entry, where).items()}
    high_of_certified = _interpolate(line, month - 1)  # a start month's state is the end of the month before
    shares = c.shares("grade_shares", cat.GRADES)
    high = np.arange(len(cat.GRADES)) >= cat.HIGH_SKILL_GRADE
    lower = ~high & (np.arange(len(cat.GRADES)) > 0)
    certified = shares[1:].sum()
    out = shares.copy()
    out[high] *= certified * high_of_certified / shares[high].sum()
    out[lower] *= certified * (1.0 - high_of_certified) / shares[lower].sum()
    return {g: float(v) for g, v in zip(cat.GRADES, out, strict=True)}

"""Monthly KPIs: one tally pass over the workers into fine cells, margins by dimension, tidy table.

Sums are exact integers (wages in yuan, output in thousandths), so they do not depend on how the
pass is split across threads. Counts are re-weighted to the full population by 1 / scale.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit, prange

from model import categories as cat
from model import rules as R
from model.calendar import month_start

# Statistics tallied per cell.
STATS = ("workers", "employed", "searching", "certified", "high_skill", "wage_sum", "age_months_sum",
         "over_50", "output_milli", "entries", "exits", "retirements", "quits", "layoffs", "hires",
         "certifications", "job_to_job")
S = {name: k for k, name in enumerate(STATS)}
CELL_SHAPE = (len(cat.CITY_IDS), len(cat.SECTORS), len(cat.GRADES), len(cat.MIGRANT_GENERATIONS), len(cat.AGE_BANDS))
N_CELLS = int(np.prod(CELL_SHAPE))
_N_SECTORS, _N_GRADES, _N_GENERATIONS, _N_BANDS = CELL_SHAPE[1:]
_OVER_50_MONTHS = 50 * 12
DIMENSIONS = ("province", "region", "city", "sector", "grade", "migrant", "migrant_generation", "age_band")
N_PARTS = 16  # independent partial tallies; any number gives the same integer sums


@njit(parallel=True, cache=True)
def tally(month, rules, status, events, employer, employer_city, employer_sector, grade, migrant, age_months,
          wage_yuan_month, human_capital, productivity):
    """Stocks (live workers) and this month's flows (event bits) by cell: int64[N_CELLS, len(STATS)]."""
    n = status.shape[0]
    part_size = (n + N_PARTS - 1) // N_PARTS
    parts = np.zeros((N_PARTS, N_CELLS, len(STATS)), dtype=np.int64)
    for p in prange(N_PARTS):
        acc = parts[p]
        for i in range(p * part_size, min(n, (p + 1) * part_size)):
            st, ev = status[i], events[i]
            if st == cat.GONE and ev == 0:
                continue
            e = employer[i]
            age = age_months[i]
            generation = 0
            if migrant[i]:
                generation = 2 if (month - age) // 12 >= cat.NEW_GENERATION_BIRTH_YEAR else 1
            g = grade[i]
            cell = ((((employer_city[e] * _N_SECTORS + employer_sector[e]) * _N_GRADES + g) * _N_GENERATIONS
                     + generation) * _N_BANDS + R.age_band(rules, age))
            row = acc[cell]
            if st != cat.GONE:
                row[0] += 1
                row[1] += st == cat.EMPLOYED
                row[2] += st == cat.SEARCHING
                row[3] += g >= 1
                row[4] += g >= cat.HIGH_SKILL_GRADE
                row[6] += age
                row[7] += age >= _OVER_50_MONTHS
                if st == cat.EMPLOYED:
                    row[5] += np.int64(np.round(wage_yuan_month[i]))
                    row[8] += np.int64(np.round(1000.0 * R.output_units(rules, productivity[e], human_capital[i])))
            if ev != 0:
                row[9] += (ev & R.ENTERED) != 0
                row[10] += (ev & R.EXITED) != 0
                row[11] += (ev & R.RETIRED) != 0
                row[12] += (ev & R.QUIT) != 0
                row[13] += (ev & R.LAID_OFF) != 0
                row[14] += (ev & R.HIRED) != 0
                row[15] += (ev & R.CERTIFIED) != 0
                row[16] += ((ev & R.HIRED) != 0) and ((ev & (R.QUIT | R.LAID_OFF)) != 0)
    return parts.sum(axis=0)


def _group_axes() -> list[tuple[str, str, np.ndarray]]:
    """(dimension, group, boolean selector over cells) for every reported group."""
    city, sector, grade, generation, band = np.indices(CELL_SHAPE).reshape(5, -1)
    region = np.array(cat.CITY_REGION)[city]
    out = [("province", "Jiangsu", np.ones(N_CELLS, dtype=bool))]
    out += [("region", r, region == k) for k, r in enumerate(cat.REGIONS)]
    out += [("city", c, city == k) for k, c in enumerate(cat.CITY_IDS)]
    out += [("sector", s, sector == k) for k, s in enumerate(cat.SECTORS)]
    out += [("grade", g, grade == k) for k, g in enumerate(cat.GRADES)]
    out += [("migrant", m, (generation > 0) == bool(k)) for k, m in enumerate(cat.MIGRANT_STATUSES)]
    out += [("migrant_generation", m, generation == k) for k, m in enumerate(cat.MIGRANT_GENERATIONS)]
    out += [("age_band", a, band == k) for k, a in enumerate(cat.AGE_BANDS)]
    return out


GROUPS = _group_axes()
GROUP_MATRIX = np.stack([sel for _, _, sel in GROUPS]).astype(np.int64)  # [groups, cells]


def margins(cells: np.ndarray) -> np.ndarray:
    """Sum cell tallies into every reported group: int64[groups, stats]."""
    return GROUP_MATRIX @ cells


def city_grade_mean_wage(cells: np.ndarray) -> np.ndarray:
    """Mean wage of employed workers by city and grade (the outside option), float64[13, 6]."""
    c = cells.reshape(*CELL_SHAPE, len(STATS)).sum(axis=(1, 3, 4))
    with np.errstate(invalid="ignore", divide="ignore"):
        return c[..., S["wage_sum"]] / c[..., S["employed"]]


KPI_IDS = ("workers", "employed", "searching", "entries", "exits", "retirements", "quits", "layoffs", "hires",
           "job_to_job_moves", "certifications", "certified_workers", "high_skill_workers", "high_skill_share",
           "certified_share", "mean_wage_yuan_month", "turnover_rate_annual", "mean_age", "share_over_50",
           "output_index")


def kpi_table(months: list[int], monthly_margins: np.ndarray, scale: float, first_reported: int) -> pd.DataFrame:
    """Tidy table date, kpi, dimension, group, value from margins int64[months, groups, stats]."""
    m = monthly_margins.astype(np.float64)
    w = 1.0 / scale
    col = {name: m[:, :, k] for name, k in S.items()}
    separations = col["quits"] + col["layoffs"]
    window = np.minimum(np.arange(1, len(months) + 1), 12)[:, None]
    trailing_seps = _trailing_sum(separations, 12)
    trailing_employed = _trailing_sum(col["employed"], 12) / window
    with np.errstate(invalid="ignore", divide="ignore"):
        values = {
            "workers": col["workers"] * w,
            "employed": col["employed"] * w,
            "searching": col["searching"] * w,
            "entries": col["entries"] * w,
            "exits": col["exits"] * w,
            "retirements": col["retirements"] * w,
            "quits": col["quits"] * w,
            "layoffs": col["layoffs"] * w,
            "hires": col["hires"] * w,
            "job_to_job_moves": col["job_to_job"] * w,
            "certifications": col["certifications"] * w,
            "certified_workers": col["certified"] * w,
            "high_skill_workers": col["high_skill"] * w,
            "high_skill_share": col["high_skill"] / col["certified"],
            "certified_share": col["certified"] / col["workers"],
            "mean_wage_yuan_month": col["wage_sum"] / col["employed"],
            "turnover_rate_annual": trailing_seps * (12.0 / window) / trailing_employed,
            "mean_age": col["age_months_sum"] / col["workers"] / 12.0,
            "share_over_50": col["over_50"] / col["workers"],
            "output_index": 100.0 * col["output_milli"] / col["output_milli"][0],
        }
    keep = np.array(months) >= first_reported
    dates = [month_start(mo) for mo, k in zip(months, keep) if k]
    dims = [d for d, _, _ in GROUPS]
    groups = [g for _, g, _ in GROUPS]
    frames = []
    for kpi in KPI_IDS:
        v = values[kpi][keep]
        frames.append(pd.DataFrame({
            "date": np.repeat(dates, len(GROUPS)),
            "kpi": kpi,
            "dimension": np.tile(dims, len(dates)),
            "group": np.tile(groups, len(dates)),
            "value": v.reshape(-1),
        }))
    table = pd.concat(frames, ignore_index=True)
    for name in ("kpi", "dimension", "group"):
        table[name] = table[name].astype("category")
    return table


def _trailing_sum(x: np.ndarray, k: int) -> np.ndarray:
    c = np.cumsum(x, axis=0)
    out = c.copy()
    out[k:] = c[k:] - c[:-k]
    return out

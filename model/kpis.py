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

# Statistics tallied per cell: eight stocks every live worker touches (one 64-byte row), four stocks
# of policy and high grades, then twelve flows. Money is in yuan a month.
STATS = ("workers", "employed", "certified", "high_skill", "wage_sum", "age_months_sum", "over_50", "output_milli",
         "employer_cost", "high_skill_wage_sum", "engineer_wage_sum", "apprentices",
         "entries", "exits", "retirements", "quits", "layoffs", "hires", "certifications", "job_to_job",
         "training_enrolments", "apprenticeship_starts", "education_enrolments", "competition_participations")
_N_HOT = STATS.index("employer_cost")
S = {name: k for k, name in enumerate(STATS)}
_N_STOCKS = STATS.index("entries")
_N_POLICY = _N_STOCKS - _N_HOT
_N_FLOWS = len(STATS) - _N_STOCKS
CELL_SHAPE = (len(cat.CITY_IDS), len(cat.SECTORS), len(cat.OWNERSHIPS), len(cat.GRADES), len(cat.MIGRANT_GENERATIONS),
              len(cat.AGE_BANDS))
N_CELLS = int(np.prod(CELL_SHAPE))
_N_SECTORS, _N_OWNERSHIPS, _N_GRADES, _N_GENERATIONS, _N_BANDS = CELL_SHAPE[1:]
_OVER_50_MONTHS = 50 * 12
_NEW_GENERATION_BIRTH_MONTH = cat.NEW_GENERATION_BIRTH_YEAR * 12
DIMENSIONS = ("province", "region", "city", "sector", "grade", "migrant", "migrant_generation", "age_band",
              "programme", "ownership")
_ENROLMENT_FLOW = STATS.index("training_enrolments") - _N_STOCKS - 1  # + programme code


@njit(parallel=True, cache=True)
def tally(n_parts, month, rules, status, events, employer, employer_cell_offset, grade, migrant, birth_month,
          wage_yuan_month, human_capital, programme, productivity_milli, employer_cost_share, engineer_wage_factor,
          use_policy, n_employers):
    """Stocks (live workers) and this month's flows (event bits) by cell: int64[N_CELLS, len(STATS)].

    `employer_cost_share[e, g]` is the share of a wage that policy uplifts add (what the employer pays
    for them); `engineer_wage_factor[e, g]` turns a high grade's wage into its engineer-equivalent wage.

    The slots are split into `n_parts` independent partial tallies; integer sums make the result
    the same for any split, so the split can follow the thread count. Stocks and flows are kept
    in separate tables: every live worker touches the stocks, only the few with events the flows.
    """
    n = status.shape[0]
    part_size = (n + n_parts - 1) // n_parts
    stocks = np.zeros((n_parts, N_CELLS, _N_HOT), dtype=np.int64)
    policy_stocks = np.zeros((n_parts, N_CELLS, _N_POLICY), dtype=np.int64)
    flows = np.zeros((n_parts, N_CELLS, _N_FLOWS), dtype=np.int64)
    by_employer = np.zeros((n_parts, n_employers if use_policy else 0, _N_GRADES, 2), dtype=np.int64)
    for p in prange(n_parts):
        stock, policy_stock, flow, employer_grade = stocks[p], policy_stocks[p], flows[p], by_employer[p]
        for i in range(p * part_size, min(n, (p + 1) * part_size)):
            st, ev = status[i], events[i]
            if st | ev == 0:  # gone before this month (GONE is 0)
                continue
            e = employer[i]
            age = month - birth_month[i]
            g = grade[i]
            generation = migrant[i] * (1 + (month - age >= _NEW_GENERATION_BIRTH_MONTH))  # branch-free
            cell = employer_cell_offset[e] + (g * _N_GENERATIONS + generation) * _N_BANDS + R.age_band(rules, age)
            if st != cat.GONE:
                stock[cell, 0] += 1
                stock[cell, 2] += g >= 1
                stock[cell, 3] += g >= cat.HIGH_SKILL_GRADE
                stock[cell, 5] += age
                stock[cell, 6] += age >= _OVER_50_MONTHS
                if use_policy:
                    policy_stock[cell, 3] += programme[i] == cat.APPRENTICESHIP
                if st == cat.EMPLOYED:
                    wage = wage_yuan_month[i]
                    stock[cell, 1] += 1
                    stock[cell, 4] += np.int64(wage + 0.5)  # wages are positive: round half up
                    stock[cell, 7] += np.int64(R.output_units(rules, productivity_milli[e], human_capital[i]) + 0.5)
                    if use_policy:
                        policy_stock[cell, 0] += np.int64(wage * employer_cost_share[e, g] + 0.5)
                        employer_grade[e, g, 0] += 1
                        employer_grade[e, g, 1] += np.int64(wage + 0.5)
                    if g >= cat.HIGH_SKILL_GRADE:
                        policy_stock[cell, 1] += np.int64(wage + 0.5)
                        policy_stock[cell, 2] += np.int64(wage * engineer_wage_factor[e, g] + 0.5)
            if ev != 0:
                flow[cell, 0] += (ev & R.ENTERED) != 0
                flow[cell, 1] += (ev & R.EXITED) != 0
                flow[cell, 2] += (ev & R.RETIRED) != 0
                flow[cell, 3] += (ev & R.QUIT) != 0
                flow[cell, 4] += (ev & R.LAID_OFF) != 0
                flow[cell, 5] += (ev & R.HIRED) != 0
                flow[cell, 6] += (ev & R.CERTIFIED) != 0
                flow[cell, 7] += ((ev & R.HIRED) != 0) and ((ev & (R.QUIT | R.LAID_OFF)) != 0)
                if ev & R.ENROLLED:
                    flow[cell, _ENROLMENT_FLOW + programme[i]] += 1
    cells = np.concatenate((stocks.sum(axis=0), policy_stocks.sum(axis=0), flows.sum(axis=0)), axis=1)
    return cells, by_employer.sum(axis=0)


def employer_cell_offsets(employer_city: np.ndarray, employer_sector: np.ndarray,
                          employer_ownership: np.ndarray) -> np.ndarray:
    """First tally cell of each employer's city, sector and ownership (the grade, cohort and age axes follow)."""
    place = (employer_city * _N_SECTORS + employer_sector) * _N_OWNERSHIPS + employer_ownership
    return (place * _N_GRADES * _N_GENERATIONS * _N_BANDS).astype(np.int64)


def _groups() -> list[tuple[str, str]]:
    """(dimension, group) of every reported group, in the order of `margins`."""
    return ([("province", "Jiangsu")] + [("region", r) for r in cat.REGIONS]
            + [("city", c) for c in cat.CITY_IDS] + [("sector", s) for s in cat.SECTORS]
            + [("grade", g) for g in cat.GRADES] + [("migrant", m) for m in cat.MIGRANT_STATUSES]
            + [("migrant_generation", m) for m in cat.MIGRANT_GENERATIONS]
            + [("age_band", a) for a in cat.AGE_BANDS] + [("ownership", o) for o in cat.OWNERSHIPS])


GROUPS = _groups()
_REGION_OF_CITY = np.array(cat.CITY_REGION)


def margins(cells: np.ndarray) -> np.ndarray:
    """Sum cell tallies [N_CELLS, statistics] into every reported group: [groups, statistics].

    Plain integer sums over the cell axes (no BLAS: its spinning threads would compete with the kernels).
    """
    c = cells.reshape(*CELL_SHAPE, cells.shape[-1])
    place = c.sum(axis=(4, 5))  # city x sector x ownership x grade
    person = c.sum(axis=(0, 1, 2))  # grade x cohort x age band
    by_city = place.sum(axis=(1, 2, 3))
    by_generation = person.sum(axis=(0, 2))
    by_region = np.stack([by_city[_REGION_OF_CITY == r].sum(axis=0) for r in range(len(cat.REGIONS))])
    by_migrant = np.stack([by_generation[0], by_generation[1:].sum(axis=0)])
    return np.concatenate([by_city.sum(axis=0, keepdims=True), by_region, by_city, place.sum(axis=(0, 2, 3)),
                           person.sum(axis=(1, 2)), by_migrant, by_generation, person.sum(axis=(0, 1)),
                           place.sum(axis=(0, 1, 3))])


def city_grade_mean_wage(cells: np.ndarray) -> np.ndarray:
    """Mean wage of employed workers by city and grade (the outside option), float64[13, 6]."""
    c = cells.reshape(*CELL_SHAPE, len(STATS)).sum(axis=(1, 2, 4, 5))
    with np.errstate(invalid="ignore", divide="ignore"):
        return c[..., S["wage_sum"]] / c[..., S["employed"]]


KPI_IDS = ("workers", "employed", "searching", "entries", "exits", "retirements", "quits", "layoffs", "hires",
           "job_to_job_moves", "certifications", "certified_workers", "high_skill_workers", "high_skill_share",
           "certified_share", "mean_wage_yuan_month", "turnover_rate_annual", "mean_age", "share_over_50",
           "output_index", "employer_cost_yuan", "pay_parity_ratio", "trainees", "apprentices", "apprenticeship_starts",
           "education_upgrades", "competition_participants")
# KPIs of the cost ledger, by programme (dimension `programme`: each lever, then `total`).
LEDGER_KPI_IDS = ("fiscal_cost_yuan", "employer_cost_yuan")
# KPIs counting events in a month (the rest are stocks, ratios or rates at the month's end).
FLOW_KPI_IDS = ("entries", "exits", "retirements", "quits", "layoffs", "hires", "job_to_job_moves", "certifications",
                "employer_cost_yuan", "trainees", "apprenticeship_starts", "education_upgrades",
                "competition_participants", "fiscal_cost_yuan")


def kpi_table(months: list[int], monthly_margins: np.ndarray, scale: float, first_reported: int,
              ledger: dict[str, np.ndarray], programmes: tuple[str, ...]) -> pd.DataFrame:
    """Tidy table date, kpi, dimension, group, value from margins int64[months, groups, stats] and the
    cost ledger (kpi -> yuan at full scale, float64[months, programmes])."""
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
            "searching": (col["workers"] - col["employed"]) * w,
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
            "employer_cost_yuan": col["employer_cost"] * w,
            "pay_parity_ratio": col["high_skill_wage_sum"] / col["engineer_wage_sum"],
            "trainees": col["training_enrolments"] * w,
            "apprentices": col["apprentices"] * w,
            "apprenticeship_starts": col["apprenticeship_starts"] * w,
            "education_upgrades": col["education_enrolments"] * w,
            "competition_participants": col["competition_participations"] * w,
        }
    keep = np.array(months) >= first_reported
    dates = np.array([month_start(mo) for mo, k in zip(months, keep, strict=True) if k], dtype="datetime64[ns]")
    n_dates, n_groups = len(dates), len(GROUPS)
    values_kept = np.stack([values[kpi][keep] for kpi in KPI_IDS])  # [kpi, date, group]
    cost_groups = (*programmes, "total")
    costs = np.stack([np.column_stack([ledger[kpi][keep], ledger[kpi][keep].sum(axis=1)])
                      for kpi in LEDGER_KPI_IDS])  # [kpi, date, programme]
    n_costs = len(LEDGER_KPI_IDS) * n_dates * len(cost_groups)
    kpi_ids = (*KPI_IDS, *(k for k in LEDGER_KPI_IDS if k not in KPI_IDS))
    group_ids = list(dict.fromkeys([g for _, g in GROUPS] + list(cost_groups)))
    group_code = {g: k for k, g in enumerate(group_ids)}
    main_groups = np.array([group_code[g] for _, g in GROUPS])
    main_dimensions = np.array([DIMENSIONS.index(d) for d, _ in GROUPS])
    codes = {
        "kpi": np.concatenate([np.repeat(np.arange(len(KPI_IDS)), n_dates * n_groups),
                               np.repeat([kpi_ids.index(k) for k in LEDGER_KPI_IDS], n_dates * len(cost_groups))]),
        "dimension": np.concatenate([np.tile(main_dimensions, n_dates * len(KPI_IDS)),
                                     np.full(n_costs, DIMENSIONS.index("programme"))]),
        "group": np.concatenate([np.tile(main_groups, n_dates * len(KPI_IDS)),
                                 np.tile([group_code[g] for g in cost_groups], n_dates * len(LEDGER_KPI_IDS))]),
    }
    return pd.DataFrame({
        "date": np.concatenate([np.tile(np.repeat(dates, n_groups), len(KPI_IDS)),
                                np.tile(np.repeat(dates, len(cost_groups)), len(LEDGER_KPI_IDS))]),
        "kpi": pd.Categorical.from_codes(codes["kpi"], kpi_ids),
        "dimension": pd.Categorical.from_codes(codes["dimension"], DIMENSIONS),
        "group": pd.Categorical.from_codes(codes["group"], group_ids),
        "value": np.concatenate([values_kept.reshape(-1), costs.reshape(-1)]),
    })


def _trailing_sum(x: np.ndarray, k: int) -> np.ndarray:
    c = np.cumsum(x, axis=0)
    out = c.copy()
    out[k:] = c[k:] - c[:-k]
    return out

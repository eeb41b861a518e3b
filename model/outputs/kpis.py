"""Monthly KPIs: one tally pass over the workers into two small crosses, margins by dimension, tidy table.

Sums are exact integers (wages in yuan, output in thousandths), so they do not depend on how the
pass is split across threads. Counts are re-weighted to the full population by 1 / scale.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, NamedTuple

import numpy as np
import pandas as pd
from numba import njit, prange

from model.engine import categories as cat
from model.engine import rules as R
from model.engine.calendar import month_start
from model.levers import PROGRAMMES

# Statistics tallied per cell: nine stocks every live worker touches (a 72-byte row), the policy stocks (what
# uplifts cost employers, the wage sums of pay parity, the workers in each programme), then the flows (the month's
# events, and enrolments in each programme). Money is in yuan a month. The tally kernel reads the layout from
# the fixed stocks and flows below and the number of programmes.
_HOT_STOCKS = ("workers", "employed", "certified", "high_skill", "wage_sum", "age_months_sum", "over_50",
               "aged_40_and_under", "output_milli")
_POLICY_STOCKS = ("employer_cost", "high_skill_wage_sum", "engineer_wage_sum")
_EVENT_FLOWS = ("entries", "exits", "retirements", "quits", "layoffs", "hires", "certifications", "job_to_job")
# The pass counts the hot stocks but two: every tally row has one grade, so its certified and high-skill workers
# are all its workers or none (`_ROW_GRADE`), filled in when the parts are added up.
_DERIVED_STOCKS = ("certified", "high_skill")
_COUNTED_STOCKS = tuple(name for name in _HOT_STOCKS if name not in _DERIVED_STOCKS)
# Two counts share each of the pass's first two columns, one in each 32-bit half: the workers and the employed,
# those over 50 and those 40 and under (a part counts fewer than 2**31 workers: the slots themselves would need
# some 80 GB). Two read-modify-writes a cell instead of four: the tally is 10% faster. The other columns hold one
# sum each.
_PAIRED = (("workers", "employed"), ("over_50", "aged_40_and_under"))
_SINGLE = tuple(name for name in _COUNTED_STOCKS if not any(name in pair for pair in _PAIRED))
_HEADS, _AGE_GROUPS = range(len(_PAIRED))  # column of each statistic in the pass's table, for the tally kernel
_WAGE_SUM, _AGE_SUM, _OUTPUT = (len(_PAIRED) + _SINGLE.index(name) for name in ("wage_sum", "age_months_sum",
                                                                                 "output_milli"))
_LOW, _HIGH = np.int64(1), np.int64(1) << np.int64(32)
_PAIRED_COLUMNS = np.array([[_HOT_STOCKS.index(name) for name in pair] for pair in _PAIRED])  # in the cells
_SINGLE_COLUMNS = np.array([_HOT_STOCKS.index(name) for name in _SINGLE])
_WORKERS_COLUMN = _HOT_STOCKS.index("workers")
_CERTIFIED_COLUMN, _HIGH_SKILL_COLUMN = map(_HOT_STOCKS.index, _DERIVED_STOCKS)
_EMPLOYER_COST, _HIGH_SKILL_WAGES, _ENGINEER_WAGES = map(_POLICY_STOCKS.index, (
    "employer_cost", "high_skill_wage_sum", "engineer_wage_sum"))
_ENTRIES, _EXITS, _RETIREMENTS, _QUITS, _LAYOFFS, _HIRES, _CERTIFICATIONS, _JOB_TO_JOB = map(_EVENT_FLOWS.index, (
    "entries", "exits", "retirements", "quits", "layoffs", "hires", "certifications", "job_to_job"))
STATS = (*_HOT_STOCKS, *_POLICY_STOCKS, *(p.participants_statistic for p in PROGRAMMES),
         *_EVENT_FLOWS, *(p.enrolment_statistic for p in PROGRAMMES))
S = {name: k for k, name in enumerate(STATS)}
_N_HOT = len(_HOT_STOCKS)
_N_STOCKS = S[_EVENT_FLOWS[0]]
# Every reported group is a margin of one of two crosses, so the tally counts each worker once in each: the place
# cross (city x sector x ownership x grade) and the person cross (grade x migrant cohort x age band). Both fit in
# a core's cache, where the full cross of all six axes (35,100 cells) did not. A tally's rows are the place cells
# followed by the person cells.
PLACE_SHAPE = (len(cat.CITY_IDS), len(cat.SECTORS), len(cat.OWNERSHIPS), len(cat.GRADES))
PERSON_SHAPE = (len(cat.GRADES), len(cat.MIGRANT_GENERATIONS), len(cat.AGE_BANDS))
N_PLACE_CELLS = int(np.prod(PLACE_SHAPE))
N_ROWS = N_PLACE_CELLS + int(np.prod(PERSON_SHAPE))
_N_SECTORS, _N_OWNERSHIPS, _N_GRADES = PLACE_SHAPE[1:]
_N_GENERATIONS, _N_BANDS = PERSON_SHAPE[1:]
# ages in completed years (周岁), as the migrant survey counts them: its bands 41-50 and 50岁以上 meet at 51
_OVER_50_MONTHS = 51 * 12  # 50岁以上: over 50 in completed years
_UNDER_41_MONTHS = 41 * 12  # 40岁及以下: 40 and under in completed years
_NEW_GENERATION_BIRTH_MONTH = cat.NEW_GENERATION_BIRTH_YEAR * 12
_ROW_GRADE = np.concatenate([np.indices(PLACE_SHAPE)[-1].ravel(), np.indices(PERSON_SHAPE)[0].ravel()])
DIMENSIONS = ("province", "region", "city", "sector", "grade", "migrant", "migrant_generation", "age_band",
              "programme", "ownership")


class TallyParts(NamedTuple):
    """Each thread's partial tallies, kept from month to month (the tally zeroes them): hot stocks, policy stocks
    and flows by tally row, and employed workers and wage bill by employer and grade (with policy only)."""

    stocks: np.ndarray  # int64[parts, N_ROWS, counted hot stocks (two pairs in one column each)]
    policy_stocks: np.ndarray  # int64[parts, N_ROWS, policy stocks + programmes]
    flows: np.ndarray  # int64[parts, N_ROWS, flows + programmes]
    by_employer: np.ndarray  # int64[parts, employers (0 without policy), grades, 2]

    @classmethod
    def allocate(cls, n_parts: int, n_employers: int, n_programmes: int, use_policy: bool) -> TallyParts:
        return cls(np.empty((n_parts, N_ROWS, len(_PAIRED) + len(_SINGLE)), dtype=np.int64),
                   np.empty((n_parts, N_ROWS, len(_POLICY_STOCKS) + n_programmes), dtype=np.int64),
                   np.empty((n_parts, N_ROWS, len(_EVENT_FLOWS) + n_programmes), dtype=np.int64),
                   np.empty((n_parts, n_employers if use_policy else 0, _N_GRADES, 2), dtype=np.int64))


@njit(parallel=True, cache=True)
def tally(parts, month, rules, w, employer_place_row, grade_wage, productivity_milli, employer_cost_share,
          engineer_wage_factor, use_policy, n_programmes):
    """Stocks (live workers) and this month's flows (event bits) by tally row (the place cells, then the person
    cells): int64[N_ROWS, len(STATS)], and the employed workers and wage bill by employer and grade.

    The pass first sets each employed worker's wage from the month's pay schedule `grade_wage[e, g]` (the wage
    phase, folded into this pass: nothing between the schedule's setting and the accounting reads a wage, and
    the workers hired or entering in between get theirs here). `employer_place_row[e]` is the first place
    cell of employer e (its city, sector and ownership; the grade follows). `employer_cost_share[e, g]` is the
    share of a wage that policy uplifts add (what the employer pays for them); `engineer_wage_factor[e, g]` turns
    a high grade's wage into its engineer-equivalent wage.

    The slots are split into one independent partial tally per part of `parts` (TallyParts, reused from month to
    month so that no month pays for fresh memory); integer sums make the result the same for any split, so the
    split can follow the thread count. Stocks and flows are kept in separate tables: every live worker touches
    the stocks, only the few with events the flows. The policy stocks end with the workers in each of
    `n_programmes` programmes, the flows with each one's enrolments.
    """
    status = w.status
    events = w.events
    employer = w.employer
    grade = w.grade
    migrant = w.migrant
    birth_month = w.birth_month
    wage_yuan_month = w.wage_yuan_month
    human_capital = w.human_capital
    programme = w.programme
    stocks = parts.stocks
    policy_stocks = parts.policy_stocks
    flows = parts.flows
    by_employer = parts.by_employer
    n_parts = stocks.shape[0]
    n_rows = stocks.shape[1]
    n_policy, n_flows = policy_stocks.shape[2], flows.shape[2]
    in_programme, enrolled = len(_POLICY_STOCKS) - 1, len(_EVENT_FLOWS) - 1  # + programme code
    n = status.shape[0]
    part_size = (n + n_parts - 1) // n_parts
    for p in prange(n_parts):
        stock, policy_stock, flow, employer_grade = stocks[p], policy_stocks[p], flows[p], by_employer[p]
        stock[:] = 0
        policy_stock[:] = 0
        flow[:] = 0
        employer_grade[:] = 0
        for i in range(p * part_size, min(n, (p + 1) * part_size)):
            st, ev = status[i], events[i]
            if st | ev == 0:  # gone before this month (GONE is 0)
                continue
            e = employer[i]
            age = month - birth_month[i]
            g = grade[i]
            generation = migrant[i] * (1 + (month - age >= _NEW_GENERATION_BIRTH_MONTH))  # branch-free
            place = employer_place_row[e] + g
            person = N_PLACE_CELLS + (g * _N_GENERATIONS + generation) * _N_BANDS + R.age_band(rules, age)
            if st != cat.GONE:
                high_skill = g >= cat.HIGH_SKILL_GRADE
                over_50, under_41 = age >= _OVER_50_MONTHS, age < _UNDER_41_MONTHS
                employed = st == cat.EMPLOYED
                wage = np.float32(R.wage(rules, grade_wage[e, g], g, human_capital[i], migrant[i])) if employed \
                    else np.float32(0.0)
                if employed:
                    wage_yuan_month[i] = wage
                wage_yuan = np.int64(wage + 0.5) if employed else 0  # wages are positive: round half up
                output = np.int64(R.output_units(rules, productivity_milli[e], human_capital[i]) + 0.5) if employed \
                    else 0
                heads = _LOW + employed * _HIGH
                age_groups = over_50 * _LOW + under_41 * _HIGH
                for cell in (place, person):
                    stock[cell, _HEADS] += heads
                    stock[cell, _AGE_GROUPS] += age_groups
                    stock[cell, _AGE_SUM] += age
                    stock[cell, _WAGE_SUM] += wage_yuan
                    stock[cell, _OUTPUT] += output
                if use_policy and programme[i] != cat.NO_PROGRAMME:
                    for cell in (place, person):
                        policy_stock[cell, in_programme + programme[i]] += 1
                if employed:
                    if use_policy:
                        employer_cost = np.int64(wage * employer_cost_share[e, g] + 0.5)
                        for cell in (place, person):
                            policy_stock[cell, _EMPLOYER_COST] += employer_cost
                        employer_grade[e, g, 0] += 1
                        employer_grade[e, g, 1] += wage_yuan
                    if high_skill:
                        engineer_wage = np.int64(wage * engineer_wage_factor[e, g] + 0.5)
                        for cell in (place, person):
                            policy_stock[cell, _HIGH_SKILL_WAGES] += wage_yuan
                            policy_stock[cell, _ENGINEER_WAGES] += engineer_wage
            if ev != 0:
                for cell in (place, person):
                    flow[cell, _ENTRIES] += (ev & R.ENTERED) != 0
                    flow[cell, _EXITS] += (ev & R.EXITED) != 0
                    flow[cell, _RETIREMENTS] += (ev & R.RETIRED) != 0
                    flow[cell, _QUITS] += (ev & R.QUIT) != 0
                    flow[cell, _LAYOFFS] += (ev & R.LAID_OFF) != 0
                    flow[cell, _HIRES] += (ev & R.HIRED) != 0
                    flow[cell, _CERTIFICATIONS] += (ev & R.CERTIFIED) != 0
                    flow[cell, _JOB_TO_JOB] += ((ev & R.HIRED) != 0) and ((ev & (R.QUIT | R.LAID_OFF)) != 0)
                    if ev & R.ENROLLED:
                        flow[cell, enrolled + programme[i]] += 1
    cells = np.empty((n_rows, _N_HOT + n_policy + n_flows), dtype=np.int64)
    for c in prange(n_rows):
        for k in range(_PAIRED_COLUMNS.shape[0]):
            low, high = 0, 0
            for p in range(n_parts):
                low += stocks[p, c, k] & 0xFFFFFFFF
                high += stocks[p, c, k] >> 32
            cells[c, _PAIRED_COLUMNS[k, 0]], cells[c, _PAIRED_COLUMNS[k, 1]] = low, high
        for k in range(_SINGLE_COLUMNS.shape[0]):
            total = 0
            for p in range(n_parts):
                total += stocks[p, c, _PAIRED_COLUMNS.shape[0] + k]
            cells[c, _SINGLE_COLUMNS[k]] = total
        workers = cells[c, _WORKERS_COLUMN]
        cells[c, _CERTIFIED_COLUMN] = workers if _ROW_GRADE[c] >= 1 else 0
        cells[c, _HIGH_SKILL_COLUMN] = workers if _ROW_GRADE[c] >= cat.HIGH_SKILL_GRADE else 0
        for k in range(n_policy):
            total = 0
            for p in range(n_parts):
                total += policy_stocks[p, c, k]
            cells[c, _N_HOT + k] = total
        for k in range(n_flows):
            total = 0
            for p in range(n_parts):
                total += flows[p, c, k]
            cells[c, _N_HOT + n_policy + k] = total
    return cells, by_employer.sum(axis=0)


def employer_place_rows(employer_city: np.ndarray, employer_sector: np.ndarray,
                        employer_ownership: np.ndarray) -> np.ndarray:
    """First place cell of each employer's city, sector and ownership (the grade follows)."""
    place = (employer_city * _N_SECTORS + employer_sector) * _N_OWNERSHIPS + employer_ownership
    return (place * _N_GRADES).astype(np.int64)


def tally_rows(place_row: np.ndarray, grade: np.ndarray, generation: np.ndarray, band: np.ndarray) -> tuple:
    """The place cell and the person cell of workers (numpy; the tally kernel computes the same inline)."""
    grade = grade.astype(np.int64)
    return place_row + grade, N_PLACE_CELLS + (grade * _N_GENERATIONS + generation) * _N_BANDS + band


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
    """Sum tally rows [N_ROWS, statistics] into every reported group: [groups, statistics].

    Plain integer sums over the cell axes (no BLAS: its spinning threads would compete with the kernels).
    """
    place = cells[:N_PLACE_CELLS].reshape(*PLACE_SHAPE, cells.shape[-1])  # city x sector x ownership x grade
    person = cells[N_PLACE_CELLS:].reshape(*PERSON_SHAPE, cells.shape[-1])  # grade x cohort x age band
    by_city = place.sum(axis=(1, 2, 3))
    by_generation = person.sum(axis=(0, 2))
    by_region = np.stack([by_city[_REGION_OF_CITY == r].sum(axis=0) for r in range(len(cat.REGIONS))])
    by_migrant = np.stack([by_generation[0], by_generation[1:].sum(axis=0)])
    return np.concatenate([by_city.sum(axis=0, keepdims=True), by_region, by_city, place.sum(axis=(0, 2, 3)),
                           person.sum(axis=(1, 2)), by_migrant, by_generation, person.sum(axis=(0, 1)),
                           place.sum(axis=(0, 1, 3))])


def city_grade_mean_wage(cells: np.ndarray) -> np.ndarray:
    """Mean wage of employed workers by city and grade (the outside option), float64[13, 6]."""
    c = cells[:N_PLACE_CELLS, [S["wage_sum"], S["employed"]]].reshape(*PLACE_SHAPE, 2).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return c[..., 0] / c[..., 1]


class Tallies:
    """What a KPI's formula reads: `t[statistic]`, the month-by-group sums float64[months, groups] of a tallied
    statistic (STATS), and `t.weight`, 1 / scale, which turns simulated counts into counts of the province."""

    def __init__(self, monthly_margins: np.ndarray, scale: float) -> None:
        self._sums = monthly_margins.astype(np.float64)
        self.weight = 1.0 / scale

    def __getitem__(self, statistic: str) -> np.ndarray:
        return self._sums[:, :, S[statistic]]


@dataclass(frozen=True)
class Kpi:
    """A KPI: its id (a contract: files and code select KPIs by it), what kind of number it is, its unit
    (labels.UNITS), its Chinese and English labels, and its formula over the tallies. A KPI with
    `by_programme` is also reported from the cost ledger, by lever (dimension `programme`); a KPI without a
    formula is reported from the ledger only."""

    id: str
    kind: Literal["stock", "flow", "rate"]  # a count at the month's end; events in the month; a ratio or mean
    unit: str
    labels: tuple[str, str]
    formula: Callable[[Tallies], np.ndarray] | None = None
    by_programme: bool = False


def _count(statistic: str) -> Callable[[Tallies], np.ndarray]:
    return lambda t: t[statistic] * t.weight


def _ratio(numerator: str, denominator: str) -> Callable[[Tallies], np.ndarray]:
    return lambda t: t[numerator] / t[denominator]


def _turnover(t: Tallies) -> np.ndarray:
    """Separations (quits and layoffs) of the last 12 months over mean employment, annualised in the first year."""
    window = np.minimum(np.arange(1, t["quits"].shape[0] + 1), 12)[:, None]
    return (_trailing_sum(t["quits"] + t["layoffs"], 12) * (12.0 / window)
            / (_trailing_sum(t["employed"], 12) / window))


def _programme_kpis() -> list[Kpi]:
    """Each programme's participants (if it reports them) and enrolments, from its declaration."""
    out = []
    for p in PROGRAMMES:
        if p.participants_kpi is not None:
            kpi_id, zh, en = p.participants_kpi
            out.append(Kpi(kpi_id, "stock", "workers", (zh, en), _count(p.participants_statistic)))
        kpi_id, zh, en = p.enrolment_kpi
        out.append(Kpi(kpi_id, "flow", "workers", (zh, en), _count(p.enrolment_statistic)))
    return out


# The KPI registry: the one place a KPI is defined, in the order of the KPI table.
KPIS = {k.id: k for k in (
    Kpi("workers", "stock", "workers", ("产业工人数", "Industrial workers"), _count("workers")),
    Kpi("employed", "stock", "workers", ("在岗人数", "Employed"), _count("employed")),
    Kpi("searching", "stock", "workers", ("求职人数", "Searching"),
        lambda t: (t["workers"] - t["employed"]) * t.weight),
    Kpi("entries", "flow", "workers", ("新进入人数", "Entries"), _count("entries")),
    Kpi("exits", "flow", "workers", ("退出人数", "Exits"), _count("exits")),
    Kpi("retirements", "flow", "workers", ("退休人数", "Retirements"), _count("retirements")),
    Kpi("quits", "flow", "workers", ("辞职人数", "Quits"), _count("quits")),
    Kpi("layoffs", "flow", "workers", ("裁员人数", "Layoffs"), _count("layoffs")),
    Kpi("hires", "flow", "workers", ("招聘人数", "Hires"), _count("hires")),
    Kpi("job_to_job_moves", "flow", "workers", ("跳槽人数", "Job-to-job moves"), _count("job_to_job")),
    Kpi("certifications", "flow", "workers", ("取证人数", "Certifications"), _count("certifications")),
    Kpi("certified_workers", "stock", "workers", ("持证人数", "Certified workers"), _count("certified")),
    Kpi("high_skill_workers", "stock", "workers", ("高技能人才数", "High-skill workers"), _count("high_skill")),
    Kpi("high_skill_share", "rate", "share", ("高技能人才占持证比例", "High-skill share of certified"),
        _ratio("high_skill", "certified")),
    Kpi("certified_share", "rate", "share", ("持证比例", "Certified share"), _ratio("certified", "workers")),
    Kpi("mean_wage_yuan_month", "rate", "yuan_month", ("月均工资（元）", "Mean wage (yuan/month)"),
        _ratio("wage_sum", "employed")),
    Kpi("turnover_rate_annual", "rate", "share", ("年流动率", "Annual turnover"), _turnover),
    Kpi("mean_age", "rate", "years", ("平均年龄", "Mean age"), lambda t: t["age_months_sum"] / t["workers"] / 12.0),
    Kpi("share_over_50", "rate", "share", ("50岁以上占比", "Share over 50"), _ratio("over_50", "workers")),
    Kpi("share_40_and_under", "rate", "share", ("40岁及以下占比", "Share aged 40 and under"),
        _ratio("aged_40_and_under", "workers")),
    Kpi("output_index", "rate", "index", ("产出指数", "Output index"),
        lambda t: 100.0 * t["output_milli"] / t["output_milli"][0]),
    Kpi("employer_cost_yuan", "flow", "yuan", ("企业成本（元）", "Employer cost (yuan)"), _count("employer_cost"),
        by_programme=True),
    Kpi("pay_parity_ratio", "rate", "ratio", ("技能/工程待遇比", "Pay parity ratio"),
        _ratio("high_skill_wage_sum", "engineer_wage_sum")),
    *_programme_kpis(),
    Kpi("fiscal_cost_yuan", "flow", "yuan", ("财政支出（元）", "Fiscal cost (yuan)"), by_programme=True),
)}
# KPIs computed from the tallies, by every dimension but `programme`.
KPI_IDS = tuple(k.id for k in KPIS.values() if k.formula is not None)
# KPIs of the cost ledger, by programme (dimension `programme`: each lever, then `total`).
LEDGER_KPI_IDS = tuple(k.id for k in KPIS.values() if k.by_programme)
# KPIs counting events in a month, summed over a period (the rest are stocks, ratios or rates at the month's end).
FLOW_KPI_IDS = tuple(k.id for k in KPIS.values() if k.kind == "flow")


def kpi_table(months: list[int], monthly_margins: np.ndarray, scale: float, first_reported: int,
              ledger: dict[str, np.ndarray], programmes: tuple[str, ...]) -> pd.DataFrame:
    """Tidy table date, kpi, dimension, group, value from margins int64[months, groups, stats] and the
    cost ledger (kpi -> yuan at full scale, float64[months, programmes])."""
    tallies = Tallies(monthly_margins, scale)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = {kpi: KPIS[kpi].formula(tallies) for kpi in KPI_IDS}
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

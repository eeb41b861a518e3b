"""Employers: cells of city x sector x ownership x size plus the reform's pilot firms, as Mesa agents.

The canonical employer state is a small columnar table (the kernels read it); each Mesa agent is a
view of one row and holds the monthly decisions: wage premium and hiring target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import mesa
import numpy as np
from numba import njit

from model.calibration.inputs import Calibration
from model.engine import categories as cat

N_CELLS = len(cat.CITY_IDS) * len(cat.SECTORS) * len(cat.OWNERSHIPS) * len(cat.SIZES)


@njit(cache=True, inline="always")
def cell_index(city, sector, ownership, size):
    """Employer row of the cell."""
    return ((city * len(cat.SECTORS) + sector) * len(cat.OWNERSHIPS) + ownership) * len(cat.SIZES) + size


@dataclass
class EmployerTable:
    """One row per employer: its place, pilot status, wage levels and the month's decisions."""

    city: np.ndarray
    sector: np.ndarray
    ownership: np.ndarray
    size: np.ndarray
    pilot_batch: np.ndarray  # 0 not a pilot, 1 first batch, 2 expansion
    pilot_start_month: np.ndarray  # month index the firm joined the pilot, -1 if never
    wage_level: np.ndarray  # monthly yuan before grade ladder and premium, base month
    productivity: np.ndarray  # output per unit of effective labour (relative)
    premium: np.ndarray  # relative wage premium, adjusted monthly
    base_headcount: np.ndarray  # headcount at the start (simulated workers)
    target_headcount: np.ndarray  # headcount the employer wants this month


@dataclass(frozen=True)
class PilotFirms:
    """Where pilot firms sit: per cell, the first pilot row, how many, and each firm's share of the cell."""

    first_row: np.ndarray  # int64[N_CELLS], -1 if none
    count: np.ndarray  # int64[N_CELLS]
    share_each: np.ndarray  # float64[N_CELLS]


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    quota = weights / weights.sum() * total
    counts = np.floor(quota).astype(np.int64)
    order = np.argsort(-(quota - counts), kind="stable")
    counts[order[: total - counts.sum()]] += 1
    return counts


def cell_shares(calibration: Calibration) -> dict[str, np.ndarray]:
    """Share of workers by city, sector, ownership and size (cities from region x within-region)."""
    region = calibration.shares("region_shares", cat.REGIONS)
    within = calibration.vector("city_shares_within_region", cat.CITY_IDS)
    city = np.array([region[r] for r in cat.CITY_REGION]) * within
    for r in range(len(cat.REGIONS)):
        members = np.array(cat.CITY_REGION) == r
        city[members] *= region[r] / city[members].sum()
    return {
        "city": city / city.sum(),
        "sector": calibration.shares("sector_shares", cat.SECTORS),
        "ownership": calibration.shares("ownership_shares", cat.OWNERSHIPS),
        "size": calibration.shares("size_shares", cat.SIZES),
    }


def build_employer_table(calibration: Calibration) -> tuple[EmployerTable, PilotFirms]:
    """All cells plus pilot firms; wage levels are relative here and scaled to yuan by the population."""
    shares = cell_shares(calibration)
    grid = np.array(np.meshgrid(*(np.arange(len(v)) for v in (cat.CITY_IDS, cat.SECTORS, cat.OWNERSHIPS, cat.SIZES)),
                                indexing="ij")).reshape(4, -1)
    city, sector, ownership, size = grid
    cell_weight = (shares["city"][city] * shares["sector"][sector] * shares["ownership"][ownership]
                   * shares["size"][size])

    pilots = calibration.value("pilot_firms")
    n_pilots, pilot_workers = int(pilots["all_firms"]), float(pilots["workers"])
    total_workers = calibration.scalar("industrial_workers")
    large = np.flatnonzero(size == cat.SIZES.index("large"))
    per_cell = np.zeros(N_CELLS, dtype=np.int64)
    per_cell[large] = _largest_remainder(cell_weight[large], n_pilots)
    host_cells = np.repeat(np.arange(N_CELLS), per_cell)
    # the first batch: firms in the largest host cells
    batch = np.full(n_pilots, 2, dtype=np.int64)
    batch[np.argsort(-cell_weight[host_cells], kind="stable")[: int(pilots["first_batch_firms"])]] = 1
    start = np.where(batch == 1, int(pilots["first_batch_year"]) * 12, int(pilots["expansion_year"]) * 12)

    first_row = np.full(N_CELLS, -1, dtype=np.int64)
    first_row[per_cell > 0] = N_CELLS + np.cumsum(per_cell)[per_cell > 0] - per_cell[per_cell > 0]
    firm_share = pilot_workers / n_pilots / total_workers
    share_each = np.where(per_cell > 0, firm_share / np.maximum(cell_weight, 1e-300), 0.0)
    share_each = np.minimum(share_each, 0.9 / np.maximum(per_cell, 1))

    def with_pilots(cells_column: np.ndarray) -> np.ndarray:
        return np.concatenate([cells_column, cells_column[host_cells]])

    levels = {
        "city": _relative(calibration.vector("city_wage_levels", cat.CITY_IDS), shares["city"]),
        "sector": _relative(calibration.vector("sector_wage_levels", cat.SECTORS), shares["sector"]),
        "size": _relative(calibration.vector("size_wage_levels", cat.SIZES), shares["size"]),
    }
    level = levels["city"][city] * levels["sector"][sector] * levels["size"][size]
    n = N_CELLS + n_pilots
    table = EmployerTable(
        city=with_pilots(city), sector=with_pilots(sector), ownership=with_pilots(ownership),
        size=with_pilots(size),
        pilot_batch=np.concatenate([np.zeros(N_CELLS, dtype=np.int64), batch]),
        pilot_start_month=np.concatenate([np.full(N_CELLS, -1, dtype=np.int64), start]),
        wage_level=with_pilots(level), productivity=with_pilots(level),
        premium=np.ones(n),
        base_headcount=np.zeros(n), target_headcount=np.zeros(n),
    )
    return table, PilotFirms(first_row, per_cell, share_each)


def schedule_growth_by_ownership(calibration: Calibration) -> np.ndarray:
    """Yearly growth of employers' wage schedules by ownership (state, private, foreign): private employers' grow
    by `wage_growth_gap_private_per_year` less than the others', and the mean weighted by the ownership shares is
    `nominal_wage_growth_per_year`."""
    private = np.array(cat.OWNERSHIPS) == "private"
    private_share = calibration.shares("ownership_shares", cat.OWNERSHIPS)[private].sum()
    gap = calibration.scalar("wage_growth_gap_private_per_year")
    return calibration.scalar("nominal_wage_growth_per_year") + gap * (private - private_share)


def grade_wages(table: EmployerTable, grade_ladder: np.ndarray, growth_by_ownership: np.ndarray,
                months_since_base: int) -> np.ndarray:
    """Monthly wage schedule by employer and grade (before the worker's own terms), yuan."""
    growth = (1.0 + growth_by_ownership[table.ownership]) ** (months_since_base / 12.0)
    return (table.wage_level * table.premium * growth)[:, None] * grade_ladder[None, :]


def _relative(levels: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return levels / (levels * weights).sum() * weights.sum()


@dataclass(frozen=True)
class PremiumRule:
    """How employers move their wage premium with their unfilled vacancies (calibration/parameters.yaml)."""

    speed: float  # wage_adjustment_speed: log points a month per unit of excess unfilled rate
    lowest: float  # wage_premium_range
    highest: float
    recent_months: float  # vacancy_smoothing_months
    normal_months: float  # vacancy_norm_months


@dataclass
class UnfilledMemory:
    """What employers remember of their unfilled vacancy rates: each employer row's and the market's rate averaged
    over the recent months and over the longer horizon taken as normal. Each average is the running mean of the
    months seen until its horizon fills, then an exponential one, so neither starts from one month's noise;
    until the recent horizon fills the two are the same number."""

    recent: np.ndarray  # float64 per employer row
    normal: np.ndarray
    market_recent: float = 0.0
    market_normal: float = 0.0
    months_seen: int = 0

    @classmethod
    def empty(cls, n_employers: int) -> UnfilledMemory:
        return cls(np.zeros(n_employers), np.zeros(n_employers))

    def update(self, aggregates, rule: PremiumRule) -> None:  # noqa: ANN001 - WorkforceAggregates
        self.months_seen += 1
        recent_months = min(self.months_seen, rule.recent_months)
        normal_months = min(self.months_seen, rule.normal_months)
        self.recent += (aggregates.unfilled_rate - self.recent) / recent_months
        self.normal += (aggregates.unfilled_rate - self.normal) / normal_months
        self.market_recent += (aggregates.market_unfilled_rate - self.market_recent) / recent_months
        self.market_normal += (aggregates.market_unfilled_rate - self.market_normal) / normal_months

    def excess(self) -> np.ndarray:
        """Per employer row: how far its recent rate is above its normal, less how far the market's is."""
        return (self.recent - self.normal) - (self.market_recent - self.market_normal)


class Employer(mesa.Agent):
    """An employer cell or pilot firm. It owns its decisions (wage premium, hiring target); the
    kernels read them from the employer table, refreshed after every round of decisions."""

    def __init__(self, model: mesa.Model, table: EmployerTable, row: int) -> None:
        super().__init__(model)
        self.table = table
        self.row = row
        self.premium = float(table.premium[row])
        self.base_headcount = float(table.base_headcount[row])
        self.target_headcount = float(table.target_headcount[row])

    @property
    def is_pilot(self) -> bool:
        return bool(self.table.pilot_batch[self.row] > 0)

    def decide(self, excess_unfilled: float | None, employment_index: float, normal_vacancy_rate: float,
               rule: PremiumRule) -> None:
        """The month's decisions from the employer's remembered unfilled rates (None before the first month).

        Wage premium: an employer whose recent unfilled rate rises above what it takes as normal, by more than
        the market's does, raises its relative premium; one whose rate falls lowers it. A rate that is
        persistently high (a low-paying employer loses more workers) is its normal and moves nothing, so the
        pay gaps between employers persist. Hiring target: the starting workforce moved with the employment
        path, plus normal vacancies.
        """
        if excess_unfilled is not None:
            premium = self.premium * math.exp(rule.speed * excess_unfilled)
            self.premium = min(max(premium, rule.lowest), rule.highest)
        self.target_headcount = self.base_headcount * employment_index * (1.0 + normal_vacancy_rate)


def employers_decide(employers: list[Employer], aggregates, memory: UnfilledMemory,  # noqa: ANN001
                     employment_index: float, normal_vacancy_rate: float, rule: PremiumRule) -> None:
    """The month's aggregates (WorkforceAggregates, or None before the first month) update what employers remember
    of their unfilled rates; every employer decides from its row; the table then takes up the decisions."""
    n = len(employers)
    if aggregates is not None:
        memory.update(aggregates, rule)
    excess = memory.excess().tolist() if aggregates is not None else [None] * n
    for employer, excess_unfilled in zip(employers, excess, strict=True):
        employer.decide(excess_unfilled, employment_index, normal_vacancy_rate, rule)
    table = employers[0].table
    table.premium[:] = np.fromiter((e.premium for e in employers), dtype=np.float64, count=n)
    table.target_headcount[:] = np.fromiter((e.target_headcount for e in employers), dtype=np.float64, count=n)

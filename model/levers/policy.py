"""A month of policy: the tables the kernels read, at their identity when no lever acts.

Levers write into a `MonthPolicy`: multiplicative wage uplifts by employer and grade (one per lever,
for the cost ledger), additive quit log-odds, learning and certification multipliers, programme
offers and fiscal outlays that do not depend on enrolments. Identity tables leave every result
bit for bit as in the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from model.calibration.inputs import Calibration
from model.engine import categories as cat
from model.engine.employers import EmployerTable
from model.errors import InputError
from model.levers.programme import Programme

N_GRADES = len(cat.GRADES)


@dataclass
class Offer:
    """A programme open for enrolment this month, with its rationing limits for the calendar year."""

    lever: str
    programme: str  # the lever's Programme id
    covered: np.ndarray  # bool[employers]
    take_up: np.ndarray  # monthly application probability by current grade, float64[grades]
    generations: np.ndarray  # uint8[3]: eligible migrant generations
    age_months: tuple[int, int]  # eligible ages, inclusive
    top_education: int  # highest eligible education level
    annual_quota: float  # persons per calendar year at full scale (inf: none)
    annual_budget: float  # yuan per calendar year at full scale (inf: none)
    cost_by_grade: np.ndarray  # fiscal yuan per enrolment by current grade
    duration_months: int
    winner_share: float = 0.0  # share of participants promoted one grade on enrolment (competitions)
    completion_grade: int = 0  # the grade a "grade" completion leads to


def programme_offer(lever: str, programme: Programme, settings, ctx: PolicyContext, month_offset: int,  # noqa: ANN001
                    take_up: np.ndarray, cost_by_grade: np.ndarray, annual_quota, duration_months: float,  # noqa: ANN001
                    winner_share: float = 0.0, completion_grade: int = 0) -> Offer:
    """An offer from a programme lever's settings (coverage, eligibility, annual budget) and its terms."""
    from model.levers.terms import limit_at

    e = settings.eligibility
    return Offer(lever=lever, programme=programme.id, covered=ctx.covered(settings.coverage, month_offset),
                 take_up=take_up * e.grade_mask(), generations=e.generation_mask(),
                 age_months=(e.min_age_years * 12, e.max_age_years * 12 + 11), top_education=e.top_education(),
                 annual_quota=limit_at(annual_quota, month_offset),
                 annual_budget=limit_at(settings.annual_budget_yuan, month_offset),
                 cost_by_grade=cost_by_grade, duration_months=max(1, round(duration_months)),
                 winner_share=winner_share, completion_grade=completion_grade)


@dataclass
class EntryOffer:
    """A programme the month's entrants to covered employers start (a share of them), with the state's subsidy
    per participant-year (booked monthly on the participants at the month's end)."""

    lever: str
    programme: str  # the lever's Programme id
    share_by_employer: np.ndarray  # float64[employers]
    duration_months: int
    completion_grade: int
    subsidy_yuan_year: float


@dataclass
class MonthPolicy:
    """Every policy table of one month."""

    n_employers: int
    wage_uplift: dict[str, np.ndarray] = field(default_factory=dict)  # lever -> [employers, grades] factor
    parity_uplift: np.ndarray | None = None  # pay parity's own factor (for pay_parity_ratio)
    quit_shift: np.ndarray = None  # type: ignore[assignment]  # [employers, grades] log-odds
    learning_multiplier: np.ndarray = None  # type: ignore[assignment]  # [employers]
    certification_multiplier: np.ndarray = None  # type: ignore[assignment]  # [employers, target grade]
    offers: list[Offer] = field(default_factory=list)
    entry_offers: list[EntryOffer] = field(default_factory=list)
    fixed_fiscal_yuan: dict[str, float] = field(default_factory=dict)  # lever -> yuan at full scale

    def __post_init__(self) -> None:
        shape = (self.n_employers, N_GRADES)
        self.quit_shift = np.zeros(shape)
        self.learning_multiplier = np.ones(self.n_employers)
        self.certification_multiplier = np.ones(shape)

    def total_uplift(self) -> np.ndarray | None:
        """The product of every lever's wage uplift, or None when no lever moves wages."""
        if not self.wage_uplift:
            return None
        total = np.ones((self.n_employers, N_GRADES))
        for factor in self.wage_uplift.values():
            total = total * factor
        return total


@dataclass
class PolicyContext:
    """What levers read to build a month's tables."""

    table: EmployerTable
    calibration: Calibration
    scale: float
    pilot_by_month: np.ndarray | None  # bool[months, employers] from the pilot_rollout lever, or None
    high_skill_employed: np.ndarray  # simulated employed high-skill workers by employer, last month
    high_skill_wage_bill: np.ndarray  # their monthly wage bill by employer, yuan

    def covered(self, coverage, month_offset: int) -> np.ndarray:  # noqa: ANN001 - terms.Coverage
        """Employer rows a lever's coverage reaches in the month (offset from the base month)."""
        mask = coverage.employers(self.table)
        if coverage.scope == "pilot":
            if self.pilot_by_month is None:
                raise InputError("coverage.scope: 'pilot' needs the pilot_rollout lever in the scenario")
            mask &= self.pilot_by_month[month_offset]
        return mask

"""Education upgrade (求学圆梦): subsidised part-time study toward the next education level.

Places are rationed by an annual number and budget; studying raises learning, and completion raises
the education level (parameters education_upgrade_* in calibration/parameters.yaml).
"""

from __future__ import annotations

import numpy as np

from model.engine import categories as cat
from model.levers.policy import MonthPolicy, PolicyContext, programme_offer
from model.levers.programme import Programme
from model.levers.terms import Eligibility, LeverSettings, Months, Persons, Schedule, Yuan

NAME = "education_upgrade"
# Settings at which the lever does nothing: its runs are the baseline bit for bit (tests/test_levers.py).
ZERO_STRENGTH = {"annual_places": 0}
PROGRAMME = Programme(
    id="education_upgrade", enrolment_kpi=("education_upgrades", "学历提升人数", "Education upgrades"),
    learning_multiplier="education_upgrade_learning_multiplier", completion="education",
    completion_rate="education_upgrade_completion_rate")


class Settings(LeverSettings):
    """Annual places, the subsidy per place, study length and who may apply."""

    annual_places: Persons
    subsidy_yuan: Yuan = Schedule(values={"2020-01": 740.0})
    annual_budget_yuan: Yuan | None = None
    duration_months: Months = Schedule(values={"2020-01": 30.0})
    eligibility: Eligibility = Eligibility(max_education="senior_secondary", max_age_years=50)


def contribute(settings: Settings, ctx: PolicyContext, month_offset: int, policy: MonthPolicy) -> None:
    if settings.annual_places.at(month_offset) <= 0:
        return
    take_up = np.full(len(cat.GRADES), ctx.calibration.scalar("education_upgrade_interest_monthly"))
    cost = np.full(len(cat.GRADES), settings.subsidy_yuan.at(month_offset))
    policy.offers.append(programme_offer(NAME, PROGRAMME, settings, ctx, month_offset, take_up, cost,
                                         settings.annual_places, settings.duration_months.at(month_offset)))

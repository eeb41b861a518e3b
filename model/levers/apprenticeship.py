"""Apprenticeship (现代学徒制, 企业新型学徒制): a share of entrants to covered employers start an apprenticeship.

Apprentices learn faster and quit less while in it; on completion most reach the completion grade
(parameters apprenticeship_* in calibration/parameters.yaml). The state pays a subsidy per apprentice-year.
"""

from __future__ import annotations

import numpy as np

from model.engine import categories as cat
from model.levers.policy import EntryOffer, MonthPolicy, PolicyContext
from model.levers.programme import Programme
from model.levers.terms import LeverSettings, Months, Schedule, Share, TargetGradeId, Yuan

NAME = "apprenticeship"
# Settings at which the lever does nothing: its runs are the baseline bit for bit (tests/test_levers.py).
ZERO_STRENGTH = {"entrant_share": 0, "subsidy_yuan_year": 0}
PROGRAMME = Programme(
    id="apprenticeship", enrolment_kpi=("apprenticeship_starts", "新招学徒", "Apprenticeship starts"),
    participants_kpi=("apprentices", "在训学徒", "Apprentices"), joined_at="entry",
    learning_multiplier="apprenticeship_learning_multiplier", quit_shift="apprenticeship_quit_shift",
    completion="grade", completion_rate="apprenticeship_completion_rate", ends_with_the_job=True)


class Settings(LeverSettings):
    """Share of entrants apprenticed, length, subsidy per apprentice-year and the grade completion leads to."""

    entrant_share: Share
    duration_months: Months = Schedule(values={"2020-01": 24.0})
    subsidy_yuan_year: Yuan = Schedule(values={"2020-01": 5000.0})
    completion_grade: TargetGradeId = "intermediate"


def contribute(settings: Settings, ctx: PolicyContext, month_offset: int, policy: MonthPolicy) -> None:
    share = settings.entrant_share.at(month_offset)
    subsidy = settings.subsidy_yuan_year.at(month_offset)
    if share <= 0 and subsidy <= 0:
        return
    by_employer = np.where(ctx.covered(settings.coverage, month_offset), share, 0.0)
    policy.entry_offers.append(EntryOffer(NAME, PROGRAMME.id, by_employer,
                                          max(1, round(settings.duration_months.at(month_offset))),
                                          cat.GRADES.index(settings.completion_grade), subsidy))

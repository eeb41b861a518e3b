"""Skill competitions (职业技能竞赛): participations rationed by an annual number; taking part adds
human capital, and a share of participants (the winners) are promoted one grade directly."""

from __future__ import annotations

import numpy as np

from model.engine import categories as cat
from model.levers.policy import MonthPolicy, PolicyContext, programme_offer
from model.levers.programme import Programme
from model.levers.terms import Eligibility, LeverSettings, Persons, Schedule, Share, Yuan

NAME = "skill_competitions"
# Settings at which the lever does nothing: its runs are the baseline bit for bit (tests/test_levers.py).
ZERO_STRENGTH = {"annual_participations": 0}
PROGRAMME = Programme(
    id="competition", enrolment_kpi=("competition_participants", "参赛人次", "Competition participants"),
    seniority_cut="training_seniority_cut", enrolment_gain="competition_human_capital_gain")


class Settings(LeverSettings):
    """Annual participations, the public cost of each, and the share of participants promoted."""

    annual_participations: Persons
    cost_yuan_per_participation: Yuan = Schedule(values={"2020-01": 100.0})
    winner_share: Share = Schedule(values={"2020-01": 0.002})
    annual_budget_yuan: Yuan | None = None
    eligibility: Eligibility = Eligibility()


def contribute(settings: Settings, ctx: PolicyContext, month_offset: int, policy: MonthPolicy) -> None:
    if settings.annual_participations.at(month_offset) <= 0:
        return
    take_up = np.full(len(cat.GRADES), ctx.calibration.scalar("competition_interest_monthly"))
    cost = np.full(len(cat.GRADES), settings.cost_yuan_per_participation.at(month_offset))
    policy.offers.append(programme_offer(NAME, PROGRAMME, settings, ctx, month_offset, take_up, cost,
                                         settings.annual_participations, 1, settings.winner_share.at(month_offset)))

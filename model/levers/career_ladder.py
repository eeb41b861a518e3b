"""Dual career ladder (职业与职务发展双通道): high-grade workers can rise without leaving the bench.

Where adopted, high-grade quits fall and promotion to 技师 and 高级技师 speeds up (parameters
career_ladder_* in calibration/parameters.yaml).
"""

from __future__ import annotations

from model.engine import categories as cat
from model.levers.policy import MonthPolicy, PolicyContext
from model.levers.terms import LeverSettings, Schedule, Share

NAME = "career_ladder"
# Settings at which the lever does nothing: its runs are the baseline bit for bit (tests/test_levers.py).
ZERO_STRENGTH = {"adoption_share": 0}
PROMOTION_GRADES = slice(cat.GRADES.index("technician"), None)  # target grades whose exams it speeds


class Settings(LeverSettings):
    """The share of covered employers' high-grade workers the ladder reaches."""

    adoption_share: Share = Schedule(values={"2020-01": 1.0})


def contribute(settings: Settings, ctx: PolicyContext, month_offset: int, policy: MonthPolicy) -> None:
    adoption = settings.adoption_share.at(month_offset)
    covered = ctx.covered(settings.coverage, month_offset)
    c = ctx.calibration
    policy.quit_shift[covered, cat.HIGH_SKILL_GRADE:] += adoption * c.scalar("career_ladder_quit_shift")
    policy.certification_multiplier[covered, PROMOTION_GRADES] *= (
        1.0 + adoption * (c.scalar("career_ladder_certification_multiplier") - 1.0))

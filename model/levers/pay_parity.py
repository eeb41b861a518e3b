"""Pay parity (高技能人才与工程技术人才职业发展贯通): 高级工 / 技师 / 高级技师 paid toward 助理工程师 / 工程师 /
高级工程师. Covered employers close a share of the gap to the engineer-equivalent wage, at their own cost.
"""

from __future__ import annotations

import numpy as np

from model.engine import categories as cat
from model.levers.policy import N_GRADES, MonthPolicy, PolicyContext
from model.levers.terms import LeverSettings, Schedule, Share

NAME = "pay_parity"
# Settings at which the lever does nothing: its runs are the baseline bit for bit (tests/test_levers.py).
ZERO_STRENGTH = {"gap_closed_share": 0}
PARITY_GRADES = cat.GRADES[cat.HIGH_SKILL_GRADE:]


def engineer_ratio(ctx: PolicyContext) -> np.ndarray:
    """Engineer-equivalent wage over the grade's wage, by grade (1 below 高级工)."""
    ratio = np.ones(N_GRADES)
    ratio[cat.HIGH_SKILL_GRADE:] = ctx.calibration.vector("engineer_equivalent_pay_ratio", PARITY_GRADES)
    return ratio


class Settings(LeverSettings):
    """The share of the gap to engineer-equivalent pay that covered employers close (0 none, 1 full parity)."""

    gap_closed_share: Share = Schedule(values={"2020-01": 0.5})


def contribute(settings: Settings, ctx: PolicyContext, month_offset: int, policy: MonthPolicy) -> None:
    share = settings.gap_closed_share.at(month_offset)
    covered = ctx.covered(settings.coverage, month_offset)
    uplift = np.ones((policy.n_employers, N_GRADES))
    uplift[covered] = 1.0 + share * (engineer_ratio(ctx) - 1.0)
    policy.wage_uplift[NAME] = uplift
    policy.parity_uplift = uplift

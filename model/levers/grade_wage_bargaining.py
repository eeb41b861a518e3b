"""Grade-wage bargaining (能级工资集体协商): covered employers pay a negotiated premium per grade."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from model.engine import categories as cat
from model.levers.policy import N_GRADES, MonthPolicy, PolicyContext
from model.levers.terms import GradeId, LeverSettings, Schedule, Share

NAME = "grade_wage_bargaining"
# Settings at which the lever does nothing: its runs are the baseline bit for bit (tests/test_levers.py).
ZERO_STRENGTH = dict(premium=dict.fromkeys(cat.GRADES, 0))


def _default_premium() -> dict[str, Schedule]:
    return {g: Schedule(values={"2020-01": v}) for g, v in
            {"intermediate": 0.03, "senior": 0.06, "technician": 0.10, "senior_technician": 0.15}.items()}


class Settings(LeverSettings):
    """Premium on the wage schedule by grade (0.1 = 10% more), where the collective contract covers."""

    premium: dict[GradeId, Share] = Field(default_factory=_default_premium)


def contribute(settings: Settings, ctx: PolicyContext, month_offset: int, policy: MonthPolicy) -> None:
    premium = np.zeros(N_GRADES)
    for grade, schedule in settings.premium.items():
        premium[cat.GRADES.index(grade)] = schedule.at(month_offset)
    uplift = np.ones((policy.n_employers, N_GRADES))
    uplift[ctx.covered(settings.coverage, month_offset)] = 1.0 + premium
    policy.wage_uplift[NAME] = uplift

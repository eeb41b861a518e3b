"""Innovation rewards (省科学技术奖工人类别, 知识产权银行): a public reward pool for high-grade workers.

Covered high-grade workers value their expected reward like wage: the quit log-odds fall by
quit_wage_elasticity x innovation_reward_valuation x log(1 + expected reward / annual wage).
"""

from __future__ import annotations

import math

import numpy as np

from model.engine import categories as cat
from model.levers.policy import MonthPolicy, PolicyContext
from model.levers.terms import LeverSettings, Schedule, Yuan

NAME = "innovation_rewards"
# Settings at which the lever does nothing: its runs are the baseline bit for bit (tests/test_levers.py).
ZERO_STRENGTH = {"reward_pool_yuan_year": 0}


class Settings(LeverSettings):
    """The annual reward pool, yuan (paid out monthly while covered high-grade workers exist)."""

    reward_pool_yuan_year: Yuan = Schedule(values={"2020-01": 0.0})


def contribute(settings: Settings, ctx: PolicyContext, month_offset: int, policy: MonthPolicy) -> None:
    pool = settings.reward_pool_yuan_year.at(month_offset)
    covered = ctx.covered(settings.coverage, month_offset)
    workers = float(ctx.high_skill_employed[covered].sum())
    if pool <= 0 or workers <= 0:
        return
    annual_wage = 12.0 * float(ctx.high_skill_wage_bill[covered].sum()) / workers
    reward_each = pool * ctx.scale / workers  # yuan per covered worker and year
    c = ctx.calibration
    shift = -c.scalar("quit_wage_elasticity") * c.scalar("innovation_reward_valuation") * math.log1p(
        reward_each / annual_wage)
    policy.quit_shift[np.ix_(covered, np.arange(cat.HIGH_SKILL_GRADE, len(cat.GRADES)))] += shift
    policy.fixed_fiscal_yuan[NAME] = pool / 12.0

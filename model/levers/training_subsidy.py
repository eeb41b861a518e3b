"""Training subsidy (补贴性职业技能培训): subsidised courses toward the next grade, with quota and budget.

Take-up responds to the subsidy for the target grade; while in training a worker gains human capital
and is likelier to be certified (parameters training_* in calibration/parameters.yaml).
"""

from __future__ import annotations

import numpy as np
from pydantic import Field

from model.engine import categories as cat
from model.levers.policy import MonthPolicy, PolicyContext, programme_offer
from model.levers.programme import Programme
from model.levers.terms import Eligibility, LeverSettings, Months, Persons, Schedule, TargetGradeId, Yuan

NAME = "training_subsidy"
# Settings at which the lever does nothing: its runs are the baseline bit for bit (tests/test_levers.py).
ZERO_STRENGTH = dict(subsidy_yuan=dict.fromkeys(cat.GRADES[1:], 0))
PROGRAMME = Programme(
    id="training", enrolment_kpi=("trainees", "补贴培训人数", "Trainees"),
    learning_gain="training_human_capital_gain_monthly", certification_multiplier="training_certification_multiplier",
    sit_floor="training_exam_sitting_monthly", seniority_cut="training_seniority_cut")
# Jiangsu's class-A schedule for production trades, yuan per person (2023; calibration/README.md, "Lever settings").
CLASS_A_SCHEDULE = {"junior": 1000.0, "intermediate": 1500.0, "senior": 2000.0, "technician": 3500.0,
                    "senior_technician": 4300.0}


def _class_a() -> dict[str, Schedule]:
    return {grade: Schedule(values={"2020-01": yuan}) for grade, yuan in CLASS_A_SCHEDULE.items()}


class Settings(LeverSettings):
    """Subsidy per certificate grade aimed at, an annual quota and budget, course length, who is eligible."""

    subsidy_yuan: dict[TargetGradeId, Yuan] = Field(default_factory=_class_a)
    annual_quota: Persons | None = None
    annual_budget_yuan: Yuan | None = None
    duration_months: Months = Schedule(values={"2020-01": 3.0})
    eligibility: Eligibility = Eligibility()


def subsidy_by_grade(settings: Settings, month_offset: int) -> np.ndarray:
    """Subsidy in yuan for a course toward the next grade, by the worker's current grade (0 at the top)."""
    subsidy = np.zeros(len(cat.GRADES))
    for grade, schedule in settings.subsidy_yuan.items():
        subsidy[cat.GRADES.index(grade) - 1] = schedule.at(month_offset)
    return subsidy


def contribute(settings: Settings, ctx: PolicyContext, month_offset: int, policy: MonthPolicy) -> None:
    """Take-up = training_take_up_monthly x (subsidy / reference subsidy) ^ elasticity, capped at 1."""
    c = ctx.calibration
    subsidy = subsidy_by_grade(settings, month_offset)
    reference = c.scalar("training_reference_subsidy_yuan")
    take_up = np.where(subsidy > 0, c.scalar("training_take_up_monthly")
                       * (np.maximum(subsidy, 1e-300) / reference) ** c.scalar("training_take_up_subsidy_elasticity"),
                       0.0)
    if not take_up.any():
        return
    policy.offers.append(programme_offer(NAME, PROGRAMME, settings, ctx, month_offset, np.minimum(take_up, 1.0),
                                         subsidy, settings.annual_quota, settings.duration_months.at(month_offset)))

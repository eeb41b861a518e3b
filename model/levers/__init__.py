"""The reform's nine policy levers (DESIGN.md §4), one module each with the same interface.

Each module has `NAME`, a pydantic `Settings` (its dated parameters, coverage and source) and
`contribute(settings, context, month_offset, policy)`, which writes the lever's part of a month's
policy tables. `Levers` is the `levers:` block of a scenario file.
"""

from __future__ import annotations

import numpy as np
from pydantic import create_model

from model.levers import (
    apprenticeship,
    career_ladder,
    education_upgrade,
    grade_wage_bargaining,
    innovation_rewards,
    pay_parity,
    pilot_rollout,
    skill_competitions,
    training_subsidy,
)
from model.levers.policy import MonthPolicy, PolicyContext
from model.levers.terms import Strict

# In the order they are applied each month.
MODULES = (pilot_rollout, training_subsidy, pay_parity, apprenticeship, grade_wage_bargaining, career_ladder,
           education_upgrade, skill_competitions, innovation_rewards)
LEVER_IDS = tuple(m.NAME for m in MODULES)


class _LeverSet(Strict):
    def active(self) -> list[tuple[object, object]]:
        """(module, settings) of every lever the scenario sets, in application order."""
        return [(m, getattr(self, m.NAME)) for m in MODULES if getattr(self, m.NAME) is not None]


# The `levers:` block of a scenario: one optional field per lever; an omitted lever is off.
Levers = create_model("Levers", __base__=_LeverSet, **{m.NAME: (m.Settings | None, None) for m in MODULES})


def month_policy(levers: Levers, ctx: PolicyContext, month_offset: int, n_employers: int) -> MonthPolicy:
    """The policy tables of one month: identity tables, then each active lever's contribution, then the
    workers' response to pay uplifts: where the next grade gains more than the current one, the exam
    sitting rate rises with elasticity certification_wage_response."""
    policy = MonthPolicy(n_employers)
    for module, settings in levers.active():
        module.contribute(settings, ctx, month_offset, policy)
    uplift = policy.total_uplift()
    if uplift is not None:
        gain_of_next_grade = uplift[:, 1:] / uplift[:, :-1]
        policy.certification_multiplier[:, 1:] *= gain_of_next_grade ** ctx.calibration.scalar(
            "certification_wage_response")
    return policy


def pilot_table(levers: Levers, table, last_month: int) -> np.ndarray | None:  # noqa: ANN001 - EmployerTable
    """Pilot membership by month and employer, when the scenario has the pilot_rollout lever."""
    if levers.pilot_rollout is None:
        return None
    return pilot_rollout.pilot_by_month(levers.pilot_rollout, table, last_month)

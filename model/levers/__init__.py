"""The reform's nine policy levers (DESIGN.md §4), one module each with the same interface, and the registry of
levers and their programmes.

Each module has `NAME`, a pydantic `Settings` (its dated parameters, coverage and source), `ZERO_STRENGTH` (the
settings at which it does nothing: the baseline bit for bit) and `contribute(settings, context, month_offset,
policy)`, which writes the lever's part of a month's policy tables. A lever that runs a programme declares it
as `PROGRAMME` (levers/programme.py); a lever may bring its own response parameters as `PARAMETERS` (entries of
the form of calibration/parameters.yaml's) and Chinese and English labels for its ids as `LABELS`. `Levers` is
the `levers:` block of a scenario file.

More levers plug in without editing the model: a package names its lever modules under the entry-point group
`workforce.levers` (in pyproject.toml: `[project.entry-points."workforce.levers"] mentoring = "pkg.mentoring"`);
they are applied after the nine, in name order.
"""

from __future__ import annotations

import types
from importlib.metadata import entry_points

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
from model.levers.programme import Programme
from model.levers.terms import Strict

PLUGIN_GROUP = "workforce.levers"
_BUILT_IN = (pilot_rollout, training_subsidy, pay_parity, apprenticeship, grade_wage_bargaining, career_ladder,
             education_upgrade, skill_competitions, innovation_rewards)


def _plugins() -> tuple[types.ModuleType, ...]:
    """Lever modules other packages register under PLUGIN_GROUP, checked for the lever interface."""
    modules = []
    for point in sorted(entry_points(group=PLUGIN_GROUP), key=lambda p: p.name):
        module = point.load()
        missing = [a for a in ("NAME", "Settings", "ZERO_STRENGTH", "contribute") if not hasattr(module, a)]
        if missing:
            raise ImportError(f"lever plug-in {point.value}: lacks {', '.join(missing)} (model/levers/__init__.py)")
        modules.append(module)
    return tuple(modules)


# In the order they are applied each month.
MODULES = _BUILT_IN + _plugins()
LEVER_IDS = tuple(m.NAME for m in MODULES)
if len(set(LEVER_IDS)) != len(LEVER_IDS):
    raise ImportError(f"two levers share a name: {LEVER_IDS}")
# The programmes, in lever order; a worker's `programme` column holds 1 + the index here (0: none).
PROGRAMMES: tuple[Programme, ...] = tuple(m.PROGRAMME for m in MODULES if hasattr(m, "PROGRAMME"))
PROGRAMME_CODES = {p.id: code for code, p in enumerate(PROGRAMMES, start=1)}
PROGRAMME_BY_ID = {p.id: p for p in PROGRAMMES}
if len(PROGRAMME_CODES) != len(PROGRAMMES):
    raise ImportError(f"two programmes share an id: {[p.id for p in PROGRAMMES]}")
# Labels the lever modules add (ids of their own KPIs, settings and groups) to the label table (labels.py).
LABELS = {key: text for m in MODULES for key, text in getattr(m, "LABELS", {}).items()}


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

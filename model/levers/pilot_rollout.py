"""Pilot roll-out (试点): the pilot firms (16 in the first batch, 110 in all) and pilot cities (3, then 5),
with the months they join. Levers with `coverage.scope: pilot` reach only them; pilot employers also
train more (pilot_learning_multiplier in calibration/parameters.yaml)."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from model.engine import categories as cat
from model.engine.calendar import BASE_MONTH, month_index
from model.engine.employers import EmployerTable
from model.levers.policy import MonthPolicy, PolicyContext
from model.levers.terms import CityId, LeverSettings, Month

NAME = "pilot_rollout"
# Settings at which the lever does nothing: its runs are the baseline bit for bit (tests/test_levers.py).
ZERO_STRENGTH = {"first_batch_from": None, "expansion_from": None}


class Settings(LeverSettings):
    """When the first-batch and the other pilot firms join, and each pilot city with the month it joins."""

    first_batch_from: Month | None = "2020-01"
    expansion_from: Month | None = "2020-01"
    cities: dict[CityId, Month] = Field(default_factory=dict)

    def dated_months(self) -> list[tuple[str, str]]:
        out = [(k, v) for k, v in (("first_batch_from", self.first_batch_from),
                                   ("expansion_from", self.expansion_from)) if v is not None]
        return out + [(f"cities.{city}", month) for city, month in self.cities.items()]


def pilot_by_month(settings: Settings, table: EmployerTable, last_month: int) -> np.ndarray:
    """bool[months from the base month, employers]: whether each employer is in the pilot that month."""
    months = np.arange(BASE_MONTH, last_month + 1)[:, None]
    never = last_month + 1
    joins = np.full(len(table.city), never)
    for batch, label in ((1, settings.first_batch_from), (2, settings.expansion_from)):
        if label is not None:
            joins[table.pilot_batch == batch] = month_index(label)
    for city, label in settings.cities.items():
        in_city = table.city == cat.CITY_IDS.index(city)
        joins[in_city] = np.minimum(joins[in_city], month_index(label))
    return (months >= joins[None, :]) & settings.coverage.employers(table)[None, :]


def contribute(settings: Settings, ctx: PolicyContext, month_offset: int, policy: MonthPolicy) -> None:
    pilots = ctx.pilot_by_month[month_offset]
    policy.learning_multiplier[pilots] *= ctx.calibration.scalar("pilot_learning_multiplier")

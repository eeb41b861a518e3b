"""Incidence: a person is followed across paired runs by identity; the reform's own wage effect is ~0
for a placebo at any scale, and a wage lever's winners are the workers it covers."""

import numpy as np
import pytest

from model.experiments.runner import simulate
from model.outputs import distribution
from model.outputs.kpis import GROUPS
from model.scenario import Scenario

END = "2022-06"


def _scenario(levers: dict, name: str = "reform") -> Scenario:
    return Scenario.model_validate({"name": name, "period": {"start": "2020-01", "end": END}, "levers": levers})


def _incidence(levers: dict, scale: float, seed: int = 3) -> tuple[np.ndarray, dict]:
    base = simulate(_scenario({}, "baseline"), scale, seed, keep_workers=True)
    run = simulate(_scenario(levers), scale, seed, keep_workers=True)
    return distribution.incidence(base.workers, run.workers), {"base": base.workers, "reform": run.workers}


# trains 0.1% of the ~23 million workers a year: a real lever too small to touch anyone else
PLACEBO = {"training_subsidy": {"annual_quota": 23_000, "annual_budget_yuan": 1e9}}


@pytest.mark.parametrize("scale", [0.002, 0.02])
def test_a_placebo_that_trains_one_in_a_thousand_has_almost_no_winners_and_no_losers(scale):
    table, runs = _incidence(PLACEBO, scale)
    winners, losers, effect = table[:, 0]  # the province
    assert winners < 0.01 and losers < 0.01
    assert abs(effect) < 0.001
    # the same persons are found in both runs, entrants included (identity is the person, not the slot)
    base, reform = runs["base"], runs["reform"]
    employed = base.person[base.status == 1]
    assert np.isin(employed, reform.person[reform.status != 0]).mean() > 0.99


def test_a_wage_lever_pays_the_grades_it_covers_and_nobody_else():
    table, _ = _incidence({"pay_parity": {"gap_closed_share": 0.5}}, scale=0.002)
    names = [group for _, group in GROUPS]
    winners = dict(zip(names, table[0], strict=False))
    assert winners["senior"] > 0.9 and winners["technician"] > 0.9 and winners["senior_technician"] > 0.9
    assert winners["none"] < 0.01 and winners["junior"] < 0.01
    losers = table[1, : len(names)]
    assert np.nanmax(losers) < 0.01
    effect = dict(zip(names, table[2], strict=False))
    assert effect["technician"] > effect["senior"] > 0.02 > effect["junior"]

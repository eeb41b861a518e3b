"""Labour supply responds: the calibrated employment path is the baseline's, and a lever that keeps workers
in industrial work (a pay uplift against the outside option, fewer quits) adds workers and jobs filled."""

import numpy as np
import pytest

from model.experiments.runner import simulate
from model.scenario import Scenario

SCALE, END = 0.002, "2022-12"


def _province(levers: dict, seed: int = 6):  # noqa: ANN202 - KPI frame: kpi x date
    spec = Scenario.model_validate({"name": "r", "period": {"start": "2020-01", "end": END}, "levers": levers})
    table = simulate(spec, SCALE, seed).table
    return table[table.dimension == "province"].pivot(index="date", columns="kpi", values="value")


@pytest.fixture(scope="module")
def baseline():
    return _province({})


@pytest.mark.parametrize("levers", [{"pay_parity": {"gap_closed_share": 0.5}},
                                    {"career_ladder": {"adoption_share": 1.0}}], ids=["pay parity", "career ladder"])
def test_a_lever_that_keeps_workers_raises_industrial_employment(baseline, levers):
    reform = _province(levers)
    gained = (reform - baseline).iloc[-1]
    workers = baseline.workers.iloc[-1]
    assert gained.workers > 0.001 * workers and gained.employed > 0.0005 * workers
    assert gained.workers < 0.05 * workers  # the response is a margin, not a new labour force


def test_a_placebo_keeps_the_baseline_employment_path(baseline):
    reform = _province({"training_subsidy": {"annual_quota": 23_000, "annual_budget_yuan": 1e9}})
    np.testing.assert_array_equal(reform.workers.to_numpy(), baseline.workers.to_numpy())


def test_without_the_pay_response_a_pay_lever_keeps_nobody_in_industry():
    from model.calibration.inputs import load_calibration
    from model.engine.workforce_model import WorkforceModel

    calibration = load_calibration().with_overrides({"exit_pay_elasticity": 0.0, "entry_pay_elasticity": 0.0})
    spec = Scenario.model_validate({"name": "r", "period": {"start": "2020-01", "end": "2021-06"},
                                    "levers": {"pay_parity": {"gap_closed_share": 0.5}}})
    model = WorkforceModel(spec, scale=SCALE, seed=6, calibration=calibration)
    model.run_until()
    assert model.extra_workforce == 0.0  # the uplift moves workers between employers, not out of industry

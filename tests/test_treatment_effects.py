"""Effects on the treated: a pass raises pay by its grade's causal premium and never cuts it; training
raises trainees' wages more the more it teaches."""

import numpy as np

from model.calibration.inputs import load_calibration
from model.engine import categories as cat
from model.outputs import treatment_effects as te


def test_a_pass_raises_pay_by_the_premium_of_the_grade_reached_and_never_cuts_it():
    calibration = load_calibration()
    jumps = te.certification_wage_jumps(calibration, scale=0.002, seed=1)
    premia = calibration.vector("certificate_wage_premium", cat.GRADES[1:])
    seen = np.isfinite(jumps["by_grade"][1:])
    assert seen[:4].all()  # passes to 初级 .. 技师 happen within a year at this scale
    # a month's learning adds a little on top of the premium
    np.testing.assert_allclose(jumps["by_grade"][1:][seen], premia[seen], atol=0.005)
    assert jumps["pay_cut_share"] == 0.0
    assert 0.093 <= jumps["certificate_return"] <= 0.176  # the evidence's range (targets.yaml)


def test_training_that_teaches_more_raises_trainees_wages_more():
    calibration = load_calibration()
    effects = [te.trainee_wage_effects(calibration.with_overrides({"training_human_capital_gain_monthly": gain}),
                                       scale=0.002, seed=2)[12] for gain in (0.0, 0.25)]
    assert 0.0 < effects[0] < effects[1]  # certificates alone pay a little; skill on top pays more

"""KPIs re-weighted by 1/scale do not depend on scale beyond sampling noise."""

import numpy as np

from model.engine.workforce_model import WorkforceModel
from tests.conftest import short_scenario


def final_shares(scale: float, seed: int) -> dict:
    model = WorkforceModel(short_scenario("2020-12"), scale=scale, seed=seed)
    model.run_until()
    table = model.kpi_table()
    last = table[(table.dimension == "province") & (table.date == table.date.max())].set_index("kpi")["value"]
    return {"n": model.workers.live().sum(), **last.to_dict()}


def test_shares_agree_across_scales_within_sampling_error():
    small, large = final_shares(0.0005, 1), final_shares(0.002, 2)
    for kpi in ("certified_share", "share_over_50", "high_skill_share"):
        p = (small[kpi] + large[kpi]) / 2
        se = np.sqrt(p * (1 - p) * (1 / small["n"] + 1 / large["n"]))
        assert abs(small[kpi] - large[kpi]) < 4.5 * se, (kpi, small[kpi], large[kpi])
    # counts are re-weighted to the full population
    assert abs(small["workers"] / large["workers"] - 1) < 0.01
    assert abs(small["mean_wage_yuan_month"] / large["mean_wage_yuan_month"] - 1) < 0.03

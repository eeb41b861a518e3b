"""The compiled engine and the per-agent Mesa reference reach identical outcomes."""

import numpy as np

from benchmarks.reference_model import COLUMNS, ReferenceModel
from model.engine.workforce_model import WorkforceModel
from tests.conftest import short_scenario


def test_engine_and_reference_agree_slot_by_slot_over_24_months():
    engine = WorkforceModel(short_scenario("2021-12"), scale=2000 / 23e6, seed=3)
    reference = ReferenceModel(engine)
    for _ in range(24):
        engine.step()
        reference.step()
    ref_columns = reference.columns()
    for name in COLUMNS:
        np.testing.assert_array_equal(getattr(engine.workers, name), ref_columns[name], err_msg=name)

    table = engine.kpi_table()
    province = table[table.dimension == "province"].pivot(index="date", columns="kpi", values="value")
    for kpi in ("workers", "employed", "searching", "entries", "exits", "retirements", "quits", "layoffs", "hires",
                "certifications", "certified_workers", "high_skill_workers"):
        np.testing.assert_allclose(province[kpi].to_numpy() * engine.scale, [k[kpi] for k in reference.kpis],
                                   err_msg=kpi, atol=1e-6)
    np.testing.assert_allclose(province["mean_wage_yuan_month"], [k["mean_wage_yuan_month"] for k in reference.kpis],
                               rtol=1e-12)
    # the run was eventful, so agreement is not trivial
    assert sum(k["quits"] for k in reference.kpis) > 100
    assert sum(k["certifications"] for k in reference.kpis) > 20

"""The tidy KPI table: columns, KPI ids, dimensions, groups and re-weighting."""

import numpy as np
import pytest

from model.engine import categories as cat

REQUIRED_KPIS = {"workers", "employed", "searching", "entries", "exits", "quits", "hires", "certifications",
                 "high_skill_workers", "high_skill_share", "certified_share", "mean_wage_yuan_month",
                 "turnover_rate_annual", "mean_age", "share_over_50", "output_index"}


def test_table_is_tidy_with_the_contracted_columns_and_ids(small_kpis):
    assert list(small_kpis.columns) == ["date", "kpi", "dimension", "group", "value"]
    assert REQUIRED_KPIS <= set(small_kpis.kpi.astype(str))
    province = small_kpis[small_kpis.dimension == "province"]
    assert set(province.group.astype(str)) == {"Jiangsu"}
    assert set(small_kpis[small_kpis.dimension == "region"].group.astype(str)) == set(cat.REGIONS)
    for dimension in ("city", "sector", "grade", "migrant", "migrant_generation", "age_band"):
        assert small_kpis[small_kpis.dimension == dimension].group.nunique() > 1
    assert small_kpis.date.nunique() == 24


def test_groups_of_each_dimension_add_up_to_the_province(small_kpis):
    workers = small_kpis[small_kpis.kpi == "workers"]
    total = workers[workers.dimension == "province"].set_index("date")["value"]
    for dimension in ("region", "city", "sector", "grade", "migrant", "migrant_generation", "age_band"):
        summed = workers[workers.dimension == dimension].groupby("date", observed=True)["value"].sum()
        np.testing.assert_allclose(summed.loc[total.index], total, rtol=1e-12)


def test_counts_are_reweighted_to_the_full_population(small_kpis):
    workers = small_kpis[(small_kpis.kpi == "workers") & (small_kpis.dimension == "province")]["value"]
    assert 22.0e6 < workers.iloc[0] < 23.5e6


def test_rates_are_in_range(small_kpis):
    for kpi in ("high_skill_share", "certified_share", "share_over_50", "share_40_and_under"):
        v = small_kpis[(small_kpis.kpi == kpi) & (small_kpis.dimension == "province")]["value"]
        assert ((v > 0) & (v < 1)).all()
    turnover = small_kpis[(small_kpis.kpi == "turnover_rate_annual") & (small_kpis.dimension == "province")]["value"]
    assert ((turnover > 0.05) & (turnover < 1.0)).all()


def test_the_age_shares_count_the_live_workers_by_their_age_in_completed_years():
    """share_over_50 (50岁以上, over 50: 51 or more) and share_40_and_under (40岁及以下, under 41) of the migrants
    at month end, against the worker columns."""
    from model.engine.workforce_model import WorkforceModel
    from tests.conftest import short_scenario

    model = WorkforceModel(short_scenario("2020-02"), scale=0.001, seed=2)
    model.run_until()
    table = model.kpi_table()
    last = table[(table.date == table.date.max()) & (table.dimension == "migrant") & (table.group == "migrant")]
    w = model.workers
    migrants = (w.status != cat.GONE) & (w.migrant == 1)
    age = (model.month - 1) - w.birth_month[migrants]  # the tally's month is the last one stepped
    for kpi, expected in (("share_over_50", np.mean(age >= 51 * 12)), ("share_40_and_under", np.mean(age < 41 * 12))):
        assert last[last.kpi == kpi].value.item() == pytest.approx(expected, rel=1e-12), kpi

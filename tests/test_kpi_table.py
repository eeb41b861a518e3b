"""The tidy KPI table: columns, KPI ids, dimensions, groups and re-weighting."""

import numpy as np

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
    for kpi in ("high_skill_share", "certified_share", "share_over_50"):
        v = small_kpis[(small_kpis.kpi == kpi) & (small_kpis.dimension == "province")]["value"]
        assert ((v > 0) & (v < 1)).all()
    turnover = small_kpis[(small_kpis.kpi == "turnover_rate_annual") & (small_kpis.dimension == "province")]["value"]
    assert ((turnover > 0.05) & (turnover < 1.0)).all()

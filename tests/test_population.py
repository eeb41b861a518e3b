"""Population synthesis: compact state, and margins that match the calibration inputs."""

import numpy as np
import pytest

from model.calibration.inputs import load_calibration
from model.engine import categories as cat
from model.engine.employers import cell_shares
from model.engine.population import BYTES_PER_WORKER
from model.engine.workforce_model import WorkforceModel
from tests.conftest import short_scenario


@pytest.fixture(scope="module")
def start():
    model = WorkforceModel(short_scenario(), scale=0.004, seed=21)  # ~92,000 workers
    live = model.workers.live()
    columns = {name: getattr(model.workers, name)[live] for name in
               ("employer", "sex", "migrant", "education", "grade", "status", "wage_yuan_month")}
    columns["age_months"] = model.month - model.workers.birth_month[live].astype(int)  # at the start of 2020-01
    return model, columns


def within_sampling_error(observed_counts: np.ndarray, expected_shares: np.ndarray, z: float = 4.5) -> None:
    n = observed_counts.sum()
    share = observed_counts / n
    se = np.sqrt(expected_shares * (1 - expected_shares) / n)
    assert (np.abs(share - expected_shares) <= z * se + 1e-12).all(), (share, expected_shares)


def test_state_is_at_most_48_bytes_per_worker():
    assert BYTES_PER_WORKER <= 48


def test_headcount_is_the_scaled_published_total(start):
    model, w = start
    assert len(w["employer"]) == round(load_calibration().scalar("industrial_workers") * model.scale)


def test_city_sector_ownership_and_size_margins(start):
    model, w = start
    shares = cell_shares(load_calibration())
    t = model.employer_table
    for name, column in (("city", t.city), ("sector", t.sector), ("ownership", t.ownership), ("size", t.size)):
        counts = np.bincount(column[w["employer"]], minlength=len(shares[name]))
        within_sampling_error(counts, shares[name])


def test_grade_mix_matches_the_calibrated_shares(start):
    _, w = start
    expected = load_calibration().shares("grade_shares", cat.GRADES)
    share = np.bincount(w["grade"], minlength=len(cat.GRADES)) / len(w["grade"])
    np.testing.assert_allclose(share, expected, atol=0.002)


def test_migrant_share_sex_and_education(start):
    _, w = start
    c = load_calibration()
    within_sampling_error(np.bincount(w["migrant"], minlength=2), np.array([1 - c.scalar("migrant_share"),
                                                                            c.scalar("migrant_share")]))
    within_sampling_error(np.bincount(w["sex"], minlength=2), np.array([c.scalar("male_share"),
                                                                        1 - c.scalar("male_share")]))
    migrants = w["migrant"] == 1
    within_sampling_error(np.bincount(w["education"][migrants], minlength=4),
                          c.shares("migrant_education", cat.EDUCATIONS))


def test_migrant_age_structure_matches_the_survey(start):
    _, w = start
    migrants = w["migrant"] == 1
    years = w["age_months"][migrants] // 12  # completed years, as the survey counts them
    # January 2020, half-way between the NBS 2019 and 2020 figures: 50.0% aged 40 and under, 25.5% over 50
    assert abs((years <= 40).mean() - 0.500) < 0.01 and abs((years > 50).mean() - 0.255) < 0.01
    assert abs(years.mean() - 41.1) < 0.6  # mean age 40.8 and 41.4 (the bands' assumed shapes give 40.6)


def test_locals_are_below_their_statutory_retirement_age(start):
    _, w = start
    locals_ = w["migrant"] == 0
    women = locals_ & (w["sex"] == 1)
    men = locals_ & (w["sex"] == 0)
    assert w["age_months"][women].max() < 50 * 12
    assert w["age_months"][men].max() < 60 * 12


def test_higher_grades_are_older_and_better_educated(start):
    _, w = start
    assert w["age_months"][w["grade"] >= 3].mean() > w["age_months"][w["grade"] == 0].mean()
    assert w["education"][w["grade"] >= 3].mean() > w["education"][w["grade"] == 0].mean()


def test_mean_wages_by_ownership_match_published_averages(start):
    model, w = start
    employed = w["status"] == cat.EMPLOYED
    ownership = model.employer_table.ownership[w["employer"][employed]]
    published = load_calibration().vector("ownership_annual_wages", cat.OWNERSHIPS) / 12
    for k in range(len(cat.OWNERSHIPS)):
        assert abs(w["wage_yuan_month"][employed][ownership == k].mean() / published[k] - 1) < 1e-3


def test_pilot_firms_hold_the_published_workforce(start):
    model, w = start
    t = model.employer_table
    pilots = load_calibration().value("pilot_firms")
    assert (t.pilot_batch > 0).sum() == pilots["all_firms"]
    assert (t.pilot_batch == 1).sum() == pilots["first_batch_firms"]
    in_pilots = (t.pilot_batch[w["employer"]] > 0).sum()
    expected = pilots["workers"] * model.scale  # a binomial count: sd ≈ sqrt(expected)
    assert abs(in_pilots - expected) < 4.5 * np.sqrt(expected)

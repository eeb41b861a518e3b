"""Employers' wage premiums: they respond to a change in an employer's unfilled vacancies relative to the
market's, smoothed over months, and not to a persistently high rate, so pay gaps between employers persist.
Employers' schedules grow by ownership: private employers' by the sourced gap less than the others'."""

import mesa
import numpy as np
import pytest

from model.calibration.inputs import load_calibration
from model.calibration.targets import statistics_from_kpis
from model.engine import categories as cat
from model.engine.employers import (
    Employer,
    EmployerTable,
    PremiumRule,
    UnfilledMemory,
    employers_decide,
    grade_wages,
    schedule_growth_by_ownership,
)
from model.engine.workforce_model import WorkforceAggregates, WorkforceModel
from model.errors import InputError
from tests.conftest import short_scenario

RULE = PremiumRule(speed=0.05, lowest=0.7, highest=1.4, recent_months=12, normal_months=60)


def _table(n: int, ownership: np.ndarray | None = None) -> EmployerTable:
    ones, zeros = np.ones(n), np.zeros(n, dtype=np.int64)
    return EmployerTable(city=zeros, sector=zeros, ownership=zeros if ownership is None else ownership, size=zeros,
                         pilot_batch=zeros, pilot_start_month=zeros - 1, wage_level=ones.copy(),
                         productivity=ones.copy(), premium=ones.copy(), base_headcount=ones * 100,
                         target_headcount=ones * 100)


def _employers(n: int) -> list[Employer]:
    table = _table(n)
    model = mesa.Model()
    return [Employer(model, table, row) for row in range(n)]


def _aggregates(rates: np.ndarray) -> WorkforceAggregates:
    """A month in which each employer (target 100) left the given share of its headcount unfilled."""
    target = np.full(len(rates), 100.0)
    return WorkforceAggregates.after_matching(target * (1 - rates), target * rates, np.zeros(len(rates)), target)


def _premiums(rates_by_month: np.ndarray, rule: PremiumRule = RULE) -> np.ndarray:
    """Each month's premiums of employers facing the given unfilled rates (months x employers)."""
    employers = _employers(rates_by_month.shape[1])
    memory = UnfilledMemory.empty(len(employers))
    path = []
    for rates in rates_by_month:
        employers_decide(employers, _aggregates(rates), memory, 1.0, 0.03, rule)
        path.append(employers[0].table.premium.copy())
    return np.array(path)


def test_a_persistently_high_unfilled_rate_moves_no_premium():
    """Employer 0 always fills its vacancies worse than the market (a low payer): that is its normal."""
    rates = np.tile([0.08, 0.02, 0.02, 0.02], (120, 1))
    np.testing.assert_array_equal(_premiums(rates), 1.0)


def test_a_rise_in_unfilled_vacancies_raises_the_premium_until_it_becomes_normal():
    rates = np.tile([0.02, 0.02, 0.02, 0.02], (240, 1))
    rates[36:, 0] = 0.12  # from month 36 employer 0 fills its vacancies much worse
    premium = _premiums(rates)[:, 0]
    assert (premium[:36] == 1.0).all() and premium[48] > premium[40] > 1.0
    rises = np.diff(premium)
    assert rises[-20:].max() < rises.max() / 5 and rises[150] < rises[100] < rises[60]  # the rate becomes normal
    assert premium[-1] > 1.01  # and the premium keeps what it gained
    others = np.tile([0.02, 0.02, 0.02, 0.02], (240, 1))
    others[36:, 1:] = 0.12  # the others fill theirs worse, employer 0 as before: it lowers its relative premium
    assert _premiums(others)[-1, 0] < 1.0


def test_a_rise_of_the_whole_market_moves_no_premium_and_noise_moves_them_little():
    rates = np.tile([0.02, 0.02, 0.02, 0.02], (120, 1))
    rates[36:] += 0.05
    np.testing.assert_allclose(_premiums(rates), 1.0, atol=1e-12)
    noisy = np.random.default_rng(3).uniform(0.0, 0.1, (120, 400))
    assert np.abs(np.log(_premiums(noisy)[-1])).mean() < 0.02


def test_premiums_hold_while_the_recent_months_fill():
    rates = np.random.default_rng(4).uniform(0.0, 0.1, (12, 50))
    np.testing.assert_array_equal(_premiums(rates), 1.0)
    assert (_premiums(rates, PremiumRule(0.05, 0.7, 1.4, 3, 60))[-1] != 1.0).any()


@pytest.mark.parametrize(("recent", "normal"), [(0.5, 60), (24, 12), (12, 300)])
def test_horizons_out_of_range_or_out_of_order_are_refused(recent, normal):
    with pytest.raises(InputError, match="vacancy_(smoothing|norm)_months") as error:
        calibration = load_calibration().with_overrides({"vacancy_smoothing_months": recent,
                                                         "vacancy_norm_months": normal})
        WorkforceModel(short_scenario("2020-02"), scale=0.001, seed=0, calibration=calibration)
    assert "\n" not in str(error.value)


def test_private_schedules_grow_by_the_gap_and_the_mean_growth_stays_nominal():
    calibration = load_calibration().with_overrides({"wage_growth_gap_private_per_year": -0.03})
    growth = schedule_growth_by_ownership(calibration)
    private, state, foreign = (cat.OWNERSHIPS.index(o) for o in ("private", "state", "foreign"))
    assert growth[private] - growth[state] == pytest.approx(-0.03) and growth[state] == growth[foreign]
    shares = calibration.shares("ownership_shares", cat.OWNERSHIPS)
    assert shares @ growth == pytest.approx(calibration.scalar("nominal_wage_growth_per_year"))
    table = _table(3, np.arange(3))
    np.testing.assert_allclose(grade_wages(table, np.array([1.0, 1.2]), growth, 24),
                               ((1 + growth) ** 2)[:, None] * [1.0, 1.2])
    even = schedule_growth_by_ownership(load_calibration().with_overrides({"wage_growth_gap_private_per_year": 0.0}))
    np.testing.assert_allclose(even, calibration.scalar("nominal_wage_growth_per_year"))


def test_the_simulated_private_wage_growth_gap_follows_the_schedules():
    """Same seed, the gap set to -3 points or 0: the private employers' mean wage growth less the others' in 2021
    moves by about the 3 points (premiums and who holds the jobs move it a little)."""
    def gap(points: float) -> float:
        calibration = load_calibration().with_overrides({"wage_growth_gap_private_per_year": points})
        model = WorkforceModel(short_scenario("2021-12"), scale=0.002, seed=1, calibration=calibration)
        model.run_until()
        return statistics_from_kpis(model.kpi_table())["wage_growth_gap_private_2020"]

    assert gap(-0.03) - gap(0.0) == pytest.approx(-0.03, abs=0.006)

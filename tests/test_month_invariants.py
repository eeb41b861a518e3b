"""Invariants of the month: headcount accounting, grade bounds and moves, wages, capacity."""

import itertools

import numpy as np

from model.engine import categories as cat
from model.engine import rules as R


def province(table, kpi):
    rows = table[(table.kpi == kpi) & (table.dimension == "province")].sort_values("date")
    return rows["value"].to_numpy()


def test_headcount_identity_holds_every_month(small_kpis, stepped_model):
    model, _ = stepped_model
    workers = province(small_kpis, "workers") * model.scale
    entries = province(small_kpis, "entries") * model.scale
    exits = province(small_kpis, "exits") * model.scale
    np.testing.assert_allclose(workers[1:], workers[:-1] + entries[1:] - exits[1:], atol=1e-6)


def test_first_month_identity_against_the_synthesised_population():
    from model.engine.workforce_model import WorkforceModel
    from tests.conftest import short_scenario

    model = WorkforceModel(short_scenario("2020-01"), scale=0.0005, seed=2)
    start = int(model.workers.live().sum())
    model.step()
    live = int(model.workers.live().sum())
    events = model.workers.events
    entered = int(((events & R.ENTERED) != 0).sum())
    exited = int(((events & R.EXITED) != 0).sum())
    assert live == start + entered - exited


def test_grades_stay_within_bounds_and_rise_only_by_exam(stepped_model):
    _, history = stepped_model
    for before, after in history:
        assert after["grade"].max() <= cat.MAX_GRADE
        stayed = (before["status"] != cat.GONE) & (after["status"] != cat.GONE) & ((after["events"] & R.ENTERED) == 0)
        change = after["grade"][stayed].astype(int) - before["grade"][stayed].astype(int)
        certified = (after["events"][stayed] & R.CERTIFIED) != 0
        assert (change >= 0).all()
        assert (change <= 1).all()
        np.testing.assert_array_equal(change == 1, certified)


def test_nobody_passes_before_the_standards_minimum_time_at_grade(stepped_model):
    """The national skill standards' minimum work at a grade before the next exam (months; 初级 counts months
    since entry) holds for every pass."""
    model, history = stepped_model
    passes = 0
    for month, (before, after) in zip(model.months, history, strict=True):
        certified = ((after["events"] & R.CERTIFIED) != 0) & ((after["events"] & R.ENTERED) == 0)
        target = before["grade"][certified].astype(int) + 1
        months_at_grade = month - before["grade_month"][certified]
        assert (months_at_grade >= model.rules.exam_min_months[target]).all()
        passes += int(certified.sum())
    assert passes > 0
    np.testing.assert_array_equal(model.rules.exam_min_months[1:], [12, 48, 60, 48, 48])


def test_entrants_arrive_ungraded_or_with_a_school_certificate_up_to_intermediate(stepped_model):
    """Vocational-school graduates may arrive with 初级 or 中级; nobody arrives higher, nobody with only
    junior secondary schooling arrives graded, and a graded entrant has the human capital of the grade."""
    _, history = stepped_model
    graded = 0
    for _, after in history:
        entered = (after["events"] & R.ENTERED) != 0
        assert entered.any()
        grade, education = after["grade"][entered], after["education"][entered]
        assert grade.max() <= cat.GRADES.index("intermediate")
        assert (grade[education == cat.EDUCATIONS.index("junior_secondary_or_less")] == 0).all()
        assert (after["human_capital"][entered] >= grade).all()
        graded += int((grade > 0).sum())
    assert graded > 0


def test_wages_are_positive_and_rise_with_grade_on_average(stepped_model):
    _, history = stepped_model
    _, after = history[-1]
    employed = after["status"] == cat.EMPLOYED
    wages = after["wage_yuan_month"][employed]
    assert (wages > 0).all() and np.isfinite(wages).all()
    by_grade = [wages[after["grade"][employed] == g].mean() for g in range(cat.MAX_GRADE + 1)]
    assert all(lo < hi for lo, hi in itertools.pairwise(by_grade)), by_grade


def test_every_employed_worker_ends_the_month_paid_by_the_month_s_schedule(stepped_model):
    """Wages are set in the accounting pass (hires when hired), not in a pass of their own: at the month's end
    each employed worker's wage is the month's schedule for their employer and grade, times their human-capital
    and migrant terms, as the start's wage kernel computes it."""
    from model.engine import kernels

    model, _ = stepped_model
    w = model.workers
    employed = w.status == cat.EMPLOYED
    paid = w.wage_yuan_month.copy()
    try:
        kernels.wages(w, model.rules, model.grade_wage)
        assert np.array_equal(paid[employed], w.wage_yuan_month[employed])
    finally:
        w.wage_yuan_month[:] = paid


def test_employed_workers_have_a_valid_employer(stepped_model):
    model, history = stepped_model
    _, after = history[-1]
    live = after["status"] != cat.GONE
    assert (after["employer"][live] >= 0).all()
    assert (after["employer"][live] < len(model.employer_table.city)).all()


def test_flows_are_consistent(small_kpis):
    hires = province(small_kpis, "hires")
    moves = province(small_kpis, "job_to_job_moves")
    quits = province(small_kpis, "quits")
    layoffs = province(small_kpis, "layoffs")
    assert (moves <= hires).all()
    assert (moves <= quits + layoffs).all()
    assert (province(small_kpis, "retirements") <= province(small_kpis, "exits")).all()


def test_employment_follows_the_calibrated_path(small_kpis, stepped_model):
    model, _ = stepped_model
    workers = province(small_kpis, "workers")
    target = np.array([model.target_workers(m) for m in model.months]) / model.scale
    np.testing.assert_allclose(workers, target, rtol=0.002)

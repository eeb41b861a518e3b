"""The nine levers: zero strength is the baseline bit for bit, each shipped lever acts, coverage and
eligibility bound who is reached, quotas and budgets hold, and more money never buys fewer places."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.engine import categories as cat
from model.engine import rules as R
from model.engine.calendar import month_index
from model.engine.population import WORKER_DTYPES
from model.engine.workforce_model import WorkforceModel
from model.experiments.runner import simulate
from model.levers import LEVER_IDS, MODULES, PROGRAMME_CODES
from model.scenario import Scenario, load_scenario

REPO = Path(__file__).resolve().parent.parent
SCALE = 0.0005  # about 11,500 workers
END = "2021-06"

ZERO_STRENGTH = {m.NAME: m.ZERO_STRENGTH for m in MODULES}


def scenario(levers: dict, end: str = END, name: str = "reform") -> Scenario:
    return Scenario.model_validate({"name": name, "period": {"end": end}, "levers": levers})


def run_model(spec: Scenario, seed: int = 5, scale: float = SCALE) -> WorkforceModel:
    model = WorkforceModel(spec, scale=scale, seed=seed)
    model.run_until()
    return model


@pytest.fixture(scope="module")
def baseline_model():
    return run_model(scenario({}, name="baseline"))


def assert_same_run(a: WorkforceModel, b: WorkforceModel) -> None:
    for column in WORKER_DTYPES:
        np.testing.assert_array_equal(getattr(a.workers, column), getattr(b.workers, column), err_msg=column)
    pd.testing.assert_frame_equal(a.kpi_table(), b.kpi_table())


def test_every_lever_has_a_zero_strength_case():
    assert set(ZERO_STRENGTH) == set(LEVER_IDS)


@pytest.mark.parametrize("lever", LEVER_IDS)
def test_a_lever_at_zero_strength_gives_the_baseline_bit_for_bit(lever, baseline_model):
    settings = {lever: ZERO_STRENGTH[lever]}
    if lever != "pilot_rollout":  # reach the pilots too, so the zero is not hidden by an empty coverage
        settings["pilot_rollout"] = ZERO_STRENGTH["pilot_rollout"]
    assert_same_run(run_model(scenario(settings)), baseline_model)


def test_a_quota_of_zero_serves_nobody_and_changes_nothing(baseline_model):
    model = run_model(scenario({"training_subsidy": {"annual_quota": 0}}))
    assert_same_run(model, baseline_model)


def province(table: pd.DataFrame) -> pd.DataFrame:
    return table[table.dimension == "province"].pivot(index="date", columns="kpi", values="value")


def programme_costs(table: pd.DataFrame, kpi: str) -> pd.DataFrame:
    rows = table[(table.dimension == "programme") & (table.kpi == kpi)]
    return rows.pivot(index="date", columns="group", values="value")


@pytest.fixture(scope="module")
def shipped_lever_runs():
    end = "2022-12"
    base = simulate(REPO / "scenarios" / "baseline.yaml", SCALE, 2, end=end).table
    runs = {lever: simulate(REPO / "scenarios" / f"lever_{lever}.yaml", SCALE, 2, end=end).table
            for lever in LEVER_IDS}
    return base, runs


def test_each_shipped_lever_changes_the_run_in_its_own_way(shipped_lever_runs):
    base, runs = shipped_lever_runs
    b = province(base)
    p = {lever: province(t) for lever, t in runs.items()}
    fiscal = {lever: programme_costs(t, "fiscal_cost_yuan") for lever, t in runs.items()}
    employer = {lever: programme_costs(t, "employer_cost_yuan") for lever, t in runs.items()}
    for lever, table in runs.items():
        assert not table["value"].equals(base["value"]), lever
    assert p["training_subsidy"].trainees.sum() > 0 and fiscal["training_subsidy"].training_subsidy.sum() > 0
    assert p["training_subsidy"].certifications.sum() > b.certifications.sum()
    assert p["pay_parity"].mean_wage_yuan_month.iloc[-1] > b.mean_wage_yuan_month.iloc[-1]
    assert p["pay_parity"].pay_parity_ratio.iloc[-1] > b.pay_parity_ratio.iloc[-1] + 0.02
    assert employer["pay_parity"].pay_parity.sum() > 0 and fiscal["pay_parity"].total.sum() == 0
    assert p["apprenticeship"].apprentices.iloc[-1] > 0 and fiscal["apprenticeship"].apprenticeship.sum() > 0
    assert employer["grade_wage_bargaining"].grade_wage_bargaining.sum() > 0
    assert p["education_upgrade"].education_upgrades.sum() > 0
    assert p["skill_competitions"].competition_participants.sum() > 0
    assert p["skill_competitions"].certifications.sum() > b.certifications.sum()
    # the reward pool is paid in full each month from 2021-01: 500 million a year
    rewards = fiscal["innovation_rewards"].innovation_rewards
    assert rewards[rewards.index < "2021-01-01"].sum() == 0
    np.testing.assert_allclose(rewards[rewards.index >= "2021-01-01"], 500e6 / 12)


def test_the_career_ladder_cuts_high_grade_quits(shipped_lever_runs):
    base, runs = shipped_lever_runs

    def high_grade_quits(table: pd.DataFrame) -> float:
        rows = table[(table.kpi == "quits") & (table.dimension == "grade")
                     & table.group.isin(cat.GRADES[cat.HIGH_SKILL_GRADE:])]
        return rows.value.sum()

    assert high_grade_quits(runs["career_ladder"]) < 0.95 * high_grade_quits(base)


def test_the_ledger_books_what_the_tally_counts_and_the_total_is_the_sum():
    table = simulate(REPO / "scenarios" / "full_reform.yaml", SCALE, 3, end="2021-12").table
    for kpi in ("fiscal_cost_yuan", "employer_cost_yuan"):
        costs = programme_costs(table, kpi)
        np.testing.assert_allclose(costs.total, costs[list(LEVER_IDS)].sum(axis=1), rtol=1e-12)
    tally = province(table).employer_cost_yuan
    ledger = programme_costs(table, "employer_cost_yuan").total
    np.testing.assert_allclose(tally, ledger, rtol=2e-3)  # the tally rounds each worker's cost to the yuan
    assert ledger.iloc[-1] > 0


def enrolled_each_month(spec: Scenario, seed: int = 5):
    """Yield (model, mask of workers who enrolled this month) month by month."""
    model = WorkforceModel(spec, scale=SCALE * 4, seed=seed)
    while model.month <= spec.period.last_month:
        model.step()
        yield model, (model.workers.events & R.ENROLLED) != 0


def test_a_programme_reaches_only_covered_employers_and_eligible_workers():
    spec = scenario({"training_subsidy": {"coverage": {"cities": ["suzhou"], "ownerships": ["private"]},
                                          "eligibility": {"groups": ["new_generation_migrant"],
                                                          "max_grade": "intermediate"}}}, end="2020-09")
    enrolled_total = stayed_total = 0
    for model, enrolled in enrolled_each_month(spec):
        w, t = model.workers, model.employer_table
        slots = np.flatnonzero(enrolled)
        enrolled_total += len(slots)
        month = model.month - 1
        stayed = slots[w.hire_month[slots] != month]  # not moved to another employer later in the month
        stayed_total += len(stayed)
        assert np.all(t.city[w.employer[stayed]] == cat.CITY_IDS.index("suzhou"))
        assert np.all(t.ownership[w.employer[stayed]] == cat.OWNERSHIPS.index("private"))
        assert np.all(w.migrant[slots] == 1)
        assert np.all(w.birth_month[slots] >= cat.NEW_GENERATION_BIRTH_YEAR * 12)
        grade_at_enrolment = w.grade[slots] - (w.grade_month[slots] == month)  # an exam may follow the same month
        assert np.all(grade_at_enrolment <= cat.GRADES.index("intermediate"))
        assert np.all(w.programme[slots] == PROGRAMME_CODES["training"])
    assert enrolled_total > 20 and stayed_total >= 0.8 * enrolled_total


def test_a_wage_lever_moves_only_the_covered_employers_grades_in_its_first_month():
    spec = scenario({"pay_parity": {"gap_closed_share": 1.0, "coverage": {"ownerships": ["state"]}}}, end="2020-01")
    reform, base = run_model(spec, scale=SCALE * 4), run_model(scenario({}, end="2020-01"), scale=SCALE * 4)
    ratio = reform.grade_wage / base.grade_wage
    state = reform.employer_table.ownership == cat.OWNERSHIPS.index("state")
    high = np.arange(len(cat.GRADES)) >= cat.HIGH_SKILL_GRADE
    assert np.all(ratio[np.ix_(state, high)] > 1.1)
    np.testing.assert_array_equal(ratio[~state], 1.0)
    np.testing.assert_array_equal(ratio[np.ix_(state, ~high)], 1.0)
    w, b = reform.workers, base.workers
    same = (w.status == cat.EMPLOYED) & (b.status == cat.EMPLOYED) & (w.employer == b.employer)
    uncovered = same & ~state[w.employer]
    np.testing.assert_array_equal(w.wage_yuan_month[uncovered], b.wage_yuan_month[uncovered])
    covered_high = same & state[w.employer] & (w.grade >= cat.HIGH_SKILL_GRADE) & (w.grade == b.grade)
    assert covered_high.sum() > 10 and np.all(w.wage_yuan_month[covered_high] > b.wage_yuan_month[covered_high])


def trainees(levers: dict, seed: int, end: str = "2021-06") -> pd.Series:
    return province(simulate(scenario(levers, end=end), SCALE * 2, seed).table).trainees


@pytest.mark.parametrize("seed", [1, 2])
def test_raising_a_subsidy_or_a_quota_never_lowers_enrolments(seed):
    schedule = {"junior": 1000, "intermediate": 1500, "senior": 2000, "technician": 3500, "senior_technician": 4300}
    low = trainees({"training_subsidy": {"subsidy_yuan": {g: v / 2 for g, v in schedule.items()}}}, seed)
    high = trainees({"training_subsidy": {"subsidy_yuan": schedule}}, seed)
    assert high.iloc[0] >= low.iloc[0] and high.sum() > low.sum()
    small = trainees({"training_subsidy": {"annual_quota": 100_000}}, seed)
    large = trainees({"training_subsidy": {"annual_quota": 200_000}}, seed)
    assert np.all(large.to_numpy() >= small.to_numpy()) and large.sum() > small.sum()


def test_quotas_and_budgets_are_never_exceeded():
    spec = scenario({
        "training_subsidy": {"annual_quota": 200_000, "annual_budget_yuan": {"values": {"2020-01": 1.5e8,
                                                                                        "2021-01": 4e8}}},
        "education_upgrade": {"annual_places": 40_000, "annual_budget_yuan": 2e7},
        "skill_competitions": {"annual_participations": 1_000_000},
    }, end="2022-12")
    table = simulate(spec, SCALE * 2, 4).table
    by_year = province(table).groupby(lambda d: d.year).sum()
    fiscal = programme_costs(table, "fiscal_cost_yuan").groupby(lambda d: d.year).sum()
    assert np.all(by_year.trainees <= 200_000 * (1 + 1e-9))
    assert np.all(by_year.education_upgrades <= 40_000 * (1 + 1e-9))
    assert np.all(by_year.competition_participants <= 1_000_000 * (1 + 1e-9))
    assert np.all(fiscal.training_subsidy <= np.array([1.5e8, 4e8, 4e8]) * (1 + 1e-9))
    assert np.all(fiscal.education_upgrade <= 2e7 * (1 + 1e-9))
    assert fiscal.training_subsidy.loc[2020] > 0.9 * 1.5e8  # the budget binds in 2020: rationing serves up to it
    assert by_year.competition_participants.loc[2021] > 0.9e6  # the participation number binds


def test_apprentices_start_at_entry_and_completers_reach_the_completion_grade():
    spec = scenario({"apprenticeship": {"entrant_share": 0.5, "duration_months": 6,
                                        "completion_grade": "senior"}}, end="2020-12")
    model = WorkforceModel(spec, scale=SCALE * 2, seed=8)
    started = {}
    while model.month <= spec.period.last_month:
        model.step()
        w, month = model.workers, model.month - 1
        new = np.flatnonzero((w.events & R.ENTERED) != 0)
        apprentices = new[w.programme[new] == PROGRAMME_CODES["apprenticeship"]]
        n = max(len(new), 1)
        assert abs(len(apprentices) / n - 0.5) < 4 * np.sqrt(0.25 / n)  # half of them, within sampling noise
        started.update(dict.fromkeys(apprentices.tolist(), month))
        done = [s for s, m in started.items() if m == month - 6 and w.status[s] != cat.GONE]
        if done:  # six months on, still-present starters are out of the programme; most reached 高级工
            assert np.all(w.programme[done] != PROGRAMME_CODES["apprenticeship"])
    finished = [s for s, m in started.items() if m <= month_index("2020-06") - 1 and w.status[s] == cat.EMPLOYED
                and w.birth_month[s] == model.workers.birth_month[s]]
    assert np.mean(w.grade[finished] >= cat.GRADES.index("senior")) > 0.5


def test_scope_pilot_reaches_pilot_firms_and_pilot_cities_from_their_dates():
    spec = load_scenario(REPO / "scenarios" / "reform_2020.yaml").with_period(end="2020-12")
    model = WorkforceModel(spec, scale=SCALE, seed=1)
    pilots = model.pilot_by_month
    t = model.employer_table
    wuxi = (t.city == cat.CITY_IDS.index("wuxi")) & (t.pilot_batch == 0)
    july = month_index("2020-07") - month_index("2020-01")
    assert not pilots[july - 1, wuxi].any() and pilots[july, wuxi].all()
    assert pilots[0, t.pilot_batch > 0].all()
    assert not pilots[:, (t.pilot_batch == 0) & (t.city == cat.CITY_IDS.index("suqian"))].any()


@pytest.mark.parametrize("ties", [False, True])
def test_rationing_serves_the_lowest_draws_first_ties_by_slot_within_the_quota_and_budget(ties):
    from model.engine.programmes import ration
    rng = np.random.default_rng(7)
    slots = np.sort(rng.choice(10_000, size=600, replace=False))
    draws = rng.random(600)
    if ties:  # many equal draws, so the order among them is decided by the slot
        draws = np.round(draws, 1)
    cost_of = rng.choice([100.0, 250.0, 400.0], size=600)
    expected_order = sorted(range(600), key=lambda j: (draws[j], slots[j]))
    for persons_left, yuan_left in [(1e9, 1e18), (150.4, 1e18), (1e9, 20_000.0), (150.0, 30_000.0), (0.0, 1e18)]:
        served, cost = ration(slots, draws, cost_of, persons_left, yuan_left)
        n = min(600, int(persons_left))
        spent, expected = 0.0, []
        for j in expected_order[:n]:
            if spent + cost_of[j] > yuan_left:
                break
            spent += cost_of[j]
            expected.append(slots[j])
        np.testing.assert_array_equal(served, np.sort(expected))  # in slot order, as listed
        assert cost == pytest.approx(spent) and cost <= yuan_left


def test_applicants_are_listed_in_slot_order_with_the_draw_that_chose_them():
    from model.engine import random_streams as rs
    from model.engine.population import ChunkLists
    from model.engine.programmes import list_applicants
    model = run_model(scenario({"skill_competitions": {"annual_participations": 1_000_000},
                                "training_subsidy": {"annual_quota": 200_000}}, end="2020-03"))
    offers = model.month_policy.offers
    applicants = list_applicants(model.month, model.workers, offers, model.rules, model.completion_grade, False,
                                 ChunkLists(np.int64, np.uint8, np.float64))
    assert len(applicants) == len(offers) and sum(len(s) for s, _ in applicants) > 100
    everyone = np.concatenate([s for s, _ in applicants])
    assert len(np.unique(everyone)) == len(everyone)  # one offer at most per worker
    for slots, draws in applicants:
        assert np.all(np.diff(slots) > 0)
        assert np.all(model.workers.status[slots] == cat.EMPLOYED)
        expected = [rs.draw(model.workers.person[i], model.month, rs.PROGRAMME_APPLICATION) for i in slots]
        np.testing.assert_array_equal(draws, expected)

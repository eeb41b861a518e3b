"""The per-agent reference: the same monthly rules with each worker a `mesa.Agent`, one at a time.

It is the readable specification of the baseline month (no policy levers: identity policy terms).
It starts from the fast engine's synthesised population, applies the rules of model/engine/rules.py
worker by worker with the same counter-based draws, and must reach the same outcomes as the
compiled kernels. It is also the speed baseline of a classic Mesa model.
"""

from __future__ import annotations

import copy

import mesa
import numpy as np

from model.engine import categories as cat
from model.engine import random_streams as rs
from model.engine import rules as R
from model.engine.calendar import BASE_MONTH
from model.engine.employers import (
    Employer,
    UnfilledMemory,
    employers_decide,
    grade_wages,
)
from model.engine.workforce_model import WorkforceAggregates, WorkforceModel, _job_finding_rate

NO_POLICY_LEARNING_MULTIPLIER, NO_POLICY_SIT_MULTIPLIER, NO_POLICY_QUIT_SHIFT = 1.0, 1.0, 0.0
NO_POLICY_SIT_FLOOR, NO_POLICY_SENIORITY_SHARE = 0.0, 1.0
COLUMNS = ("status", "employer", "birth_month", "sex", "migrant", "education", "grade", "human_capital",
           "wage_yuan_month", "hire_month", "grade_month", "quit_trait", "events", "person")


class Worker(mesa.Agent):
    """One industrial worker; `slot` is its index in the engine's columns, `person` who holds it (the key of
    their draws)."""

    def __init__(self, model: ReferenceModel, slot: int, state: dict) -> None:
        super().__init__(model)
        self.slot = slot
        for name in COLUMNS:
            setattr(self, name, state[name])

    def draw(self, decision: int) -> float:
        return rs.draw(self.person, self.model.month, decision)

    @property
    def live(self) -> bool:
        return self.status != cat.GONE

    @property
    def age_months(self) -> int:
        return self.model.month - self.birth_month

    def age_and_maybe_exit(self) -> None:
        self.events = 0
        if not self.live:
            return
        m = self.model
        u_exit, self.u_learn = rs.draw_pair(self.person, m.month, rs.EXIT_AND_LEARN)
        if R.leaves_by_age(m.rules, m.month, self.age_months, self.sex, self.migrant):
            self.status, self.events = cat.GONE, R.EXITED | R.RETIRED
        elif u_exit < R.exit_probability(m.rules, self.status == cat.SEARCHING, self.age_months,
                                                     self.migrant):
            self.status, self.events = cat.GONE, R.EXITED

    def learn_and_sit_exam(self) -> None:
        m = self.model
        if self.status == cat.EMPLOYED:
            self.human_capital = np.float32(R.learned_human_capital(
                m.rules, float(self.human_capital), self.education, self.age_months,
                NO_POLICY_LEARNING_MULTIPLIER, self.u_learn))
            if R.passes_exam(m.rules, self.grade, float(self.human_capital), m.month - self.grade_month,
                             self.draw(rs.EXAM), NO_POLICY_SIT_MULTIPLIER, NO_POLICY_SIT_FLOOR,
                             NO_POLICY_SENIORITY_SHARE):
                self.grade += 1
                self.grade_month = m.month
                self.events |= R.CERTIFIED
        elif self.status == cat.SEARCHING:
            self.human_capital = np.float32(R.searching_human_capital(m.rules, float(self.human_capital)))

    def earn(self) -> None:
        if self.status == cat.EMPLOYED:
            self.set_wage()

    def set_wage(self) -> None:
        m = self.model
        self.wage_yuan_month = np.float32(R.wage(m.rules, float(m.grade_wage[self.employer, self.grade]), self.grade,
                                                 float(self.human_capital), self.migrant))

    def consider_leaving(self, log_wage_gap: np.ndarray) -> None:
        if self.status != cat.EMPLOYED:
            return
        m = self.model
        gap = log_wage_gap[self.employer, self.grade] + R.relative_log_wage(
            m.rules, self.grade, float(self.human_capital), self.migrant)
        u_quit, u_layoff = rs.draw_pair(self.person, m.month, rs.QUIT_OR_LAYOFF)
        p_quit = R.quit_probability(m.rules, float(self.quit_trait), self.age_months, m.month - self.hire_month,
                                    self.migrant, self.grade, gap, NO_POLICY_QUIT_SHIFT)
        if u_quit < p_quit:
            self.events |= R.QUIT
            if self.draw(rs.QUIT_DESTINATION) < m.rules.quit_exit_share[self.migrant]:
                self.status = cat.GONE
                self.events |= R.EXITED
            else:
                self.status = cat.SEARCHING
        elif u_layoff < m.rules.layoff_rate:
            self.events |= R.LAID_OFF
            self.status = cat.SEARCHING

    def join(self, employer: int) -> None:
        self.status, self.employer, self.hire_month = cat.EMPLOYED, employer, self.model.month
        self.events |= R.HIRED
        self.set_wage()

    def enter(self, rank: int, employer_cdf: np.ndarray) -> None:
        """Become the month's `rank`-th entrant (in slot order)."""
        m = self.model
        self.person = np.uint64(rs.person_id(m.key, np.uint64((m.month << 32) | rank)))
        employer = rs.pick(employer_cdf, self.draw(rs.ENTRY_EMPLOYER))
        self.migrant, self.sex, age, self.education, grade, h, trait = R.entrant_profile(m.rules, self.person,
                                                                                           m.month)
        self.birth_month = m.month - age
        self.human_capital, self.quit_trait = np.float32(h), np.float32(trait)
        self.status, self.employer, self.grade = cat.EMPLOYED, employer, grade
        self.hire_month = self.grade_month = m.month
        self.events = R.ENTERED
        self.set_wage()


class ReferenceModel(mesa.Model):
    """The month of WorkforceModel, one agent at a time, from the same starting population."""

    def __init__(self, engine: WorkforceModel) -> None:
        super().__init__(rng=engine.seed)
        self.engine_start = engine  # read for its start state and employment path only
        self.rules, self.key, self.month = engine.rules, engine.key, engine.month
        self.calibration, self.grade_ladder = engine.calibration, engine.grade_ladder
        self.employer_table = copy.deepcopy(engine.employer_table)
        rows = range(len(self.employer_table.city))
        self.employer_agents = [Employer(self, self.employer_table, row) for row in rows]
        self.unfilled_memory = UnfilledMemory.empty(len(self.employer_agents))
        self.workers = [Worker(self, slot, {name: _scalar(getattr(engine.workers, name)[slot]) for name in COLUMNS})
                        for slot in range(engine.workers.capacity)]
        self.outside_wage = engine.accounts.outside_wage.copy()
        self.kpis: list[dict] = []

    def step(self) -> None:
        c, t = self.calibration, self.employer_table
        for w in self.workers:
            w.age_and_maybe_exit()
        for w in self.workers:
            w.learn_and_sit_exam()
        self.grade_wage = grade_wages(t, self.grade_ladder, self.engine_start.schedule_growth, self.month - BASE_MONTH)

        with np.errstate(invalid="ignore", divide="ignore"):
            gap = np.log(self.grade_wage) - np.log(self.outside_wage[t.city])
        gap = np.where(np.isfinite(gap), gap, 0.0)
        for w in self.workers:
            w.consider_leaving(gap)

        employed = np.zeros(len(t.city), dtype=np.int64)
        for w in self.workers:
            if w.status == cat.EMPLOYED:
                employed[w.employer] += 1
        vacancies = np.maximum(0.0, t.target_headcount - employed)
        city_vacancies = np.bincount(t.city, weights=vacancies, minlength=len(cat.CITY_IDS))
        searchers = [w for w in self.workers if w.status == cat.SEARCHING]
        city_cdf = rs.cdf(city_vacancies)
        search_city = []
        for w in searchers:
            if w.draw(rs.SEARCH_ABROAD) < self.rules.cross_city_search_share[w.migrant]:
                search_city.append(rs.pick(city_cdf, w.draw(rs.SEARCH_CITY)))
            else:
                search_city.append(int(t.city[w.employer]))
        city_searchers = np.bincount(np.array(search_city, dtype=np.int64), minlength=len(cat.CITY_IDS))
        job_finding = _job_finding_rate(city_searchers, city_vacancies, c.scalar("matching_efficiency"),
                                        c.scalar("matching_searcher_elasticity"))
        hires = np.zeros(len(t.city), dtype=np.int64)
        for w, city in zip(searchers, search_city, strict=True):
            if w.draw(rs.MATCH) < job_finding[city]:
                in_city = np.flatnonzero(t.city == city)
                employer = int(in_city[rs.pick(rs.cdf(vacancies[in_city]), w.draw(rs.MATCH_EMPLOYER))])
                w.join(employer)
                hires[employer] += 1

        before_entry = int(employed.sum()) + len(searchers)
        n_entrants = max(0, int(round(self.engine_start.target_workers(self.month) - before_entry)))
        openings = np.maximum(0.0, vacancies - hires)
        if n_entrants - openings.sum() > 0:
            openings = openings + (n_entrants - openings.sum()) * t.target_headcount / t.target_headcount.sum()
        employer_cdf = rs.cdf(openings)
        free = [w for w in self.workers if w.status == cat.GONE and w.events == 0][:n_entrants]
        for rank, w in enumerate(free):
            w.enter(rank, employer_cdf)

        aggregates = WorkforceAggregates.after_matching(employed, vacancies, hires, t.target_headcount)
        employers_decide(self.employer_agents, aggregates, self.unfilled_memory,
                         self.engine_start.employment_index(self.month + 1), c.scalar("normal_vacancy_rate"),
                         self.engine_start.premium_rule)
        for w in self.workers:  # who is employed at the month's end is paid the month's schedule
            w.earn()
        self.account()
        self.month += 1

    def account(self) -> None:
        """Province KPIs of the month and the outside wage (mean of rounded wages by city and grade)."""
        t = self.employer_table
        wage_sum = np.zeros((len(cat.CITY_IDS), len(cat.GRADES)))
        count = np.zeros((len(cat.CITY_IDS), len(cat.GRADES)))
        k = dict.fromkeys(("workers", "employed", "searching", "certified_workers", "high_skill_workers", "entries",
                           "exits", "retirements", "quits", "layoffs", "hires", "certifications"), 0)
        for w in self.workers:
            if w.live:
                k["workers"] += 1
                k["employed"] += w.status == cat.EMPLOYED
                k["searching"] += w.status == cat.SEARCHING
                k["certified_workers"] += w.grade >= 1
                k["high_skill_workers"] += w.grade >= cat.HIGH_SKILL_GRADE
                if w.status == cat.EMPLOYED:
                    wage_sum[t.city[w.employer], w.grade] += int(float(w.wage_yuan_month) + 0.5)
                    count[t.city[w.employer], w.grade] += 1
            for name, bit in (("entries", R.ENTERED), ("exits", R.EXITED), ("retirements", R.RETIRED),
                              ("quits", R.QUIT), ("layoffs", R.LAID_OFF), ("hires", R.HIRED),
                              ("certifications", R.CERTIFIED)):
                k[name] += (w.events & bit) != 0
        k["mean_wage_yuan_month"] = wage_sum.sum() / count.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            self.outside_wage = wage_sum / count
        self.kpis.append(k)

    def columns(self) -> dict[str, np.ndarray]:
        """The workers' state as engine-style columns, for slot-by-slot comparison."""
        return {name: np.array([getattr(w, name) for w in self.workers]) for name in COLUMNS}


def _scalar(value: np.generic) -> int | np.float32:
    return value if isinstance(value, np.float32 | np.uint64) else int(value)

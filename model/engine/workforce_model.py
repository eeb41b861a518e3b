"""WorkforceModel: the Jiangsu industrial workforce as a Mesa model with columnar worker agents.

`step()` is one month; each phase is one call into the module that owns it. Workers are the
columns of `model.workers` (one slot per worker); employers are Mesa agents over `model.employer_table`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import mesa
import numba
import numpy as np

from model.calibration.inputs import Calibration, load_calibration
from model.engine import categories as cat
from model.engine import kernels, portable, programmes, steady_state
from model.engine import random_streams as rs
from model.engine.calendar import BASE_MONTH, month_index, month_label
from model.engine.employers import (
    Employer,
    PremiumRule,
    UnfilledMemory,
    build_employer_table,
    employers_decide,
    grade_wages,
    schedule_growth_by_ownership,
)
from model.engine.memory import check_fits
from model.engine.population import ChunkLists, Workers, synthesise_workers
from model.engine.random_streams import stream_key
from model.engine.rules import build_rules, entrant_grade_shares, grade_pay_ladder, leaving_factors
from model.engine.start_cache import kept_start
from model.errors import InputError
from model.levers import LEVER_IDS, PROGRAMME_BY_ID, PROGRAMME_CODES, PROGRAMMES, month_policy, pilot_table
from model.levers.policy import MonthPolicy, PolicyContext
from model.outputs import kpis
from model.outputs.ledger import CostLedger
from model.scenario import Scenario

CAPACITY_HEADROOM = 1.03  # spare slots for a month's entrants while this month's leavers' slots rest
CAPACITY_GROWTH = 1.05  # if ever short of slots, grow by this factor (results do not depend on capacity)
MIN_WORKERS = 200


@dataclass
class WorkforceAggregates:
    """What employers read each month, one value per employer row."""

    employed: np.ndarray  # after separations, before hiring
    vacancies: np.ndarray
    hires: np.ndarray  # from the search pool
    unfilled_rate: np.ndarray  # vacancies left after matching over target headcount
    market_unfilled_rate: float

    @classmethod
    def after_matching(cls, employed: np.ndarray, vacancies: np.ndarray, hires: np.ndarray,
                       target_headcount: np.ndarray) -> WorkforceAggregates:
        unfilled = np.maximum(0.0, vacancies - hires)
        target = np.maximum(target_headcount, 1e-9)
        return cls(employed, vacancies, hires, unfilled / target, float(unfilled.sum() / target.sum()))


@dataclass(frozen=True)
class Accounts:
    """What a month's accounting hands to the next month: the quitters' outside option (mean wage by city and
    grade) and, with levers, the employed and wage bill (yuan) by employer and grade, which the policy, the
    workforce kept by policy and the cost ledger read."""

    outside_wage: np.ndarray
    employer_grade_totals: np.ndarray


@dataclass(frozen=True)
class Separations:
    """What separations hand to matching: who stays employed, by employer, and per chunk of slots the searchers
    and the slots free since before the month, counted and listed (population.ChunkLists)."""

    employed_by_employer: np.ndarray
    slot_counts: np.ndarray  # [chunks, 2]: searchers, free slots
    searcher_list: np.ndarray  # chunk c's searchers from position c * CHUNK
    free_list: np.ndarray  # chunk c's free slots from position c * CHUNK


@dataclass(frozen=True)
class MarketSignals:
    """What matching hands to entry and to the employers: the employers' aggregates after matching and the slots
    this month's entrants take."""

    aggregates: WorkforceAggregates
    entry_slots: np.ndarray


class WorkforceModel(mesa.Model):
    """Jiangsu's industrial workers month by month.

    Args:
        policy: the scenario (name, period, levers); the baseline when omitted.
        scale: share of the ~23 million workers simulated (1.0 = one agent per worker).
        seed: seed of `model.rng`, from which the counter-based draws are keyed.
        calibration: calibration inputs (default: the files in calibration/).
        threads: numba threads for the kernels (results do not depend on it).
        keep_start: read the start (the workers drawn to the calibration's margins and the rules' steady state)
            from the kept starts of earlier runs with the same calibration, seed and scale, or keep it for later
            ones (engine/start_cache.py); False for runs whose calibration no other run shares, as a fit's.
            `start_source` says whether the start was "read" or "drawn": either way it is the same, bit for bit.
    """

    def __init__(self, policy: Scenario | None = None, scale: float = 0.01, seed: int = 0,
                 calibration: Calibration | None = None, threads: int | None = None, keep_start: bool = True) -> None:
        super().__init__(rng=seed)
        if threads is not None:
            numba.set_num_threads(max(1, min(threads, numba.config.NUMBA_NUM_THREADS)))
        self.policy = policy or Scenario.baseline()
        self.scale, self.seed = float(scale), int(seed)
        self.calibration = calibration or load_calibration()
        self.rules = build_rules(self.calibration)
        self.key = stream_key(int(self.rng.integers(2**62)))
        self.start_month = month_index(self.calibration.start, "calibration start")
        self.month = self.start_month
        self.phase_seconds: dict[str, float] = {}
        self.monthly_margins: list[np.ndarray] = []
        self.months: list[int] = []

        c = self.calibration
        self.premium_rule = _premium_rule(c)
        self.schedule_growth = schedule_growth_by_ownership(c)
        self.workers_at_base = c.scalar("industrial_workers") * self.scale
        self.employment_growth = c.scalar("employment_growth_per_year")
        if not np.isfinite(self.scale):
            raise InputError(f"scale: {scale} is not a number; the allowed range is above 0 (1.0 = full scale)")
        if self.scale <= 0 or round(self.workers_at_base) < MIN_WORKERS:
            lowest = MIN_WORKERS / c.scalar("industrial_workers")
            raise InputError(f"scale: {scale} is too small; the allowed range starts at {lowest:.0e} "
                             f"({MIN_WORKERS} workers)")
        n_workers = int(round(self.workers_at_base))
        self.workforce = n_workers  # employed and searching, at the end of the month
        self.levers = self.policy.levers
        self.use_policy = bool(self.levers.active())  # kernels read the policy tables and programme columns
        if self.use_policy and self.start_month != BASE_MONTH:
            raise InputError(f"calibration start: {self.calibration.start} is a backcast start, which runs the "
                             f"baseline only; levers need the simulation to start at {month_label(BASE_MONTH)}")
        if self.policy.period.last_month < self.start_month:
            raise InputError(f"period end: {month_label(self.policy.period.last_month)} is before the calibration "
                             f"start ({self.calibration.start})")
        months = np.arange(self.start_month, self.policy.period.last_month + 1)
        capacity = int(max(self.target_workers(m) for m in months) * CAPACITY_HEADROOM) + 256
        self.memory_estimate_bytes = check_fits(capacity, self.scale)

        started = time.perf_counter()
        self.employer_table, pilots = build_employer_table(c)
        n_employers = len(self.employer_table.city)
        self.pilot_by_month = pilot_table(self.levers, self.employer_table, self.policy.period.last_month)
        self.month_policy = MonthPolicy(n_employers)  # identity until the first month's levers
        self.ledger = CostLedger(len(months))
        self.programme_use: dict[str, tuple[int, float, float]] = {}  # lever -> (year, persons, yuan) simulated
        self.programmes_started = False
        self.applicant_lists = ChunkLists(np.int64, np.uint8, np.float64)  # programmes' applicants: slot, offer, draw
        self.slot_lists = ChunkLists(np.int64, np.int64)  # searchers and free slots, listed by separations
        self.extra_workforce = 0.0  # workers the levers keep in (or draw into) industrial work, simulated
        self.log_uplift = np.zeros(0)  # the month's log pay uplift by employer and grade (set_policy)
        self.leaving = np.ones((0, 0))  # its factor on the hazard of leaving industrial work (set_policy)
        self.completion_grade = np.zeros(len(PROGRAMMES) + 1, dtype=np.int64)  # by programme code
        self.engineer_ratio = np.ones(len(cat.GRADES))
        self.engineer_ratio[cat.HIGH_SKILL_GRADE:] = c.vector("engineer_equivalent_pay_ratio",
                                                               cat.GRADES[cat.HIGH_SKILL_GRADE:])
        growth_monthly = (1.0 + self.employment_growth) ** (1.0 / 12.0) - 1.0

        def draw_start() -> tuple[Workers, np.ndarray]:
            workers = synthesise_workers(c, self.rules, self.employer_table, pilots, n_workers, capacity, self.key,
                                         self.month)
            settled = steady_state.settle(workers, n_workers, self.rules, self.key, self.month,
                                          entrant_grade_shares(self.rules), growth_monthly,
                                          c.scalar("certification_drive"),
                                          c.scalar("young_migrant_arrivals_decline_per_year"))
            return workers, settled.exam_sit_rate

        self.workers, sit_rate, self.start_source = kept_start(c, n_workers, capacity, self.key, self.month,
                                                               draw_start, keep=keep_start)
        self.rules = self.rules._replace(exam_sit_rate=sit_rate)
        self.grade_ladder = _grade_ladder(c, self.workers)
        self.grade_wage = np.zeros(0)  # the month's wage schedule by employer and grade (set_wages)
        self._calibrate_wage_levels()
        self.employer_table.base_headcount[:] = np.bincount(
            self.workers.employer[: n_workers], minlength=len(self.employer_table.city))
        self.employers = [Employer(self, self.employer_table, row) for row in range(len(self.employer_table.city))]
        self.unfilled_memory = UnfilledMemory.empty(len(self.employers))
        # fixed layouts of the employer table, used every month
        t = self.employer_table
        city_count = np.bincount(t.city, minlength=len(cat.CITY_IDS))
        self.employers_by_city = (np.argsort(t.city, kind="stable"), np.concatenate([[0], np.cumsum(city_count)[:-1]]),
                                  city_count)
        self.tally_place_row = kpis.employer_place_rows(t.city, t.sector, t.ownership)
        self.tally_parts = kpis.TallyParts.allocate(numba.get_num_threads(), len(t.city), len(PROGRAMMES),
                                                    self.use_policy)
        self.productivity_milli = 1000.0 * t.productivity
        self._employers_decide(for_month=self.month, aggregates=None)  # no month has been matched yet
        self.accounts = self._tally()[1]
        self.rules = steady_state.rebalance(self.workers, n_workers, self.rules, self.month,
                                            entrant_grade_shares(self.rules), growth_monthly,
                                            c.scalar("certification_drive"), self.employer_wage_gap())
        self.phase_seconds["synthesis"] = time.perf_counter() - started

    # --- the month ----------------------------------------------------------------------------
    def step(self) -> None:
        """One month (`self.month`): the phases of DESIGN.md §3, in order."""
        self._phase("policy", self.set_policy)
        self._phase("demography_and_learning", self.age_exit_and_learn)
        self._phase("programmes", self.run_programmes)
        self._phase("certification", self.certify)
        self._phase("wages", self.set_pay_schedule)
        separations = self._phase("separations", self.separate)
        market = self._phase("matching", self.match_searchers, separations)
        self._phase("entry", self.enter_new_workers, market)
        self._phase("employers", self.update_employers, market)
        self._phase("accounting", self.account)
        self.month += 1

    def run_until(self, last_month: int | None = None,  # type: ignore[override]
                  on_month: Callable[[int, int], None] | None = None) -> None:
        """Step through the last month of the scenario's period (or the month given): the one run loop of the
        runner, the calibration targets and the predictions. `on_month(done, total)` after each month."""
        last = self.policy.period.last_month if last_month is None else last_month
        if last > self.policy.period.last_month:  # the accounts and the ledger hold the scenario's months only
            raise InputError(f"last_month: {month_label(last)} is after the scenario's last month "
                             f"{month_label(self.policy.period.last_month)}; extend the scenario's end instead")
        first, total = self.month, max(0, last - self.month + 1)
        while self.month <= last:
            self.step()
            if on_month:
                on_month(self.month - first, total)

    # --- phases ---------------------------------------------------------------------------------
    def set_policy(self) -> None:
        """The month's policy tables from the scenario's levers (identity tables for the baseline)."""
        t = self.employer_table
        high_employed = high_bill = np.zeros(len(t.city))
        if self.use_policy:  # rewards are shared among last month's high grades
            high = self.accounts.employer_grade_totals[:, cat.HIGH_SKILL_GRADE:]
            high_employed, high_bill = high[..., 0].sum(axis=1).astype(np.float64), high[..., 1].sum(axis=1) * 1.0
        context = PolicyContext(t, self.calibration, self.scale, self.pilot_by_month, high_employed, high_bill)
        self.month_policy = month_policy(self.levers, context, self.month - BASE_MONTH, len(t.city))
        uplift = self.month_policy.total_uplift()
        self.log_uplift = np.zeros((len(t.city), len(cat.GRADES))) if uplift is None else portable.log(uplift)
        self.leaving = leaving_factors(self.rules, self.log_uplift)

    def age_exit_and_learn(self) -> None:
        w = self.workers
        kernels.demography_and_learning(w, self.month, self.rules, self.month_policy.learning_multiplier,
                                        self.leaving, self.use_policy)

    def run_programmes(self) -> None:
        """Programmes move on a month; offers take applicants, rationed by quota and budget (engine/programmes.py)."""
        w, policy = self.workers, self.month_policy
        if not policy.offers:
            if self.programmes_started:
                programmes.advance(w, self.month, self.rules, self.completion_grade)
            return
        applicants = programmes.list_applicants(self.month, w, policy.offers, self.rules, self.completion_grade,
                                                self.programmes_started, self.applicant_lists)
        self.programmes_started = True
        for offer, (slots, draws) in zip(policy.offers, applicants, strict=True):
            persons_left, yuan_left = self._allowance(offer.lever, offer.annual_quota, offer.annual_budget)
            served, cost = programmes.ration(slots, draws, offer.cost_by_grade[w.grade[slots]], persons_left,
                                             yuan_left)
            year, persons, yuan = self.programme_use[offer.lever]
            self.programme_use[offer.lever] = (year, persons + len(served), yuan + cost)
            self.ledger.add(self.month - BASE_MONTH, offer.lever, "fiscal", cost / self.scale)
            code = PROGRAMME_CODES[offer.programme]
            self.completion_grade[code] = offer.completion_grade
            programmes.enrol(w, self.month, self.rules, served, code, offer.duration_months, offer.winner_share)

    def _allowance(self, lever: str, annual_quota: float, annual_budget: float) -> tuple[float, float]:
        """Persons and yuan (simulated) an offer may still use this month: the year's quota and budget spread
        evenly over its months, less what the year has used."""
        year, month_of_year = divmod(self.month, 12)
        used_year, persons, yuan = self.programme_use.get(lever, (year, 0, 0.0))
        if used_year != year:
            persons, yuan = 0, 0.0
        self.programme_use[lever] = (year, persons, yuan)
        to_date = (month_of_year + 1) / 12.0 * self.scale
        return annual_quota * to_date - persons, annual_budget * to_date - yuan

    def certify(self) -> None:
        kernels.certification(self.workers, self.month, self.rules, self.month_policy.certification_multiplier,
                              self.use_policy)

    def set_pay_schedule(self) -> None:
        """The month's wage schedule by employer and grade, from which the accounting pass pays every employed
        worker (hires and entrants included)."""
        self.grade_wage = self.grade_wage_table(self.month)

    def set_wages(self) -> None:
        """The schedule, and every employed worker's wage from it now (at the start)."""
        self.set_pay_schedule()
        kernels.wages(self.workers, self.rules, self.grade_wage)

    def employer_wage_gap(self) -> np.ndarray:
        """Log of each employer's pay for a grade over the outside option (the grade's mean wage in the city):
        float64[employers, grades], 0 where either is missing."""
        outside = self.accounts.outside_wage[self.employer_table.city]
        with np.errstate(invalid="ignore", divide="ignore"):
            gap = np.log(self.grade_wage) - np.log(outside)
        return np.where(np.isfinite(gap), gap, 0.0)

    def separate(self) -> Separations:
        """Quits (against the outside option: mean wage of the grade in the city) and layoffs."""
        w, t = self.workers, self.employer_table
        gap = self.employer_wage_gap()
        n_chunks = -(-w.capacity // kernels.CHUNK)
        employed_by_chunk = np.empty((n_chunks, len(t.city)), dtype=np.int32)
        slot_counts = np.empty((n_chunks, 2), dtype=np.int64)
        searcher_list, free_list = self.slot_lists.sized(w.capacity)
        kernels.separations(w, self.month, self.rules, gap, self.month_policy.quit_shift, self.leaving,
                            self.use_policy, employed_by_chunk, slot_counts, searcher_list, free_list)
        return Separations(employed_by_chunk.sum(axis=0, dtype=np.int64), slot_counts, searcher_list, free_list)

    def match_searchers(self, separations: Separations) -> MarketSignals:
        t, c = self.employer_table, self.calibration
        employed = separations.employed_by_employer
        vacancies = np.maximum(0.0, t.target_headcount - employed)
        searchers, entry_slots = self._searchers_and_entry_slots(separations)
        w = self.workers  # after any growth for entrants
        city_vacancies = np.bincount(t.city, weights=vacancies, minlength=len(cat.CITY_IDS))
        search_city = np.empty(len(searchers), dtype=np.int64)
        kernels.choose_search_city(w, self.month, self.rules, searchers, t.city, rs.cdf(city_vacancies), search_city)
        city_searchers = np.bincount(search_city, minlength=len(cat.CITY_IDS))
        job_finding = _job_finding_rate(city_searchers, city_vacancies, c.scalar("matching_efficiency"),
                                        c.scalar("matching_searcher_elasticity"))
        by_city, city_first, city_count = self.employers_by_city
        employer_cdf = np.concatenate([rs.cdf(vacancies[by_city[f:f + n]])
                                       for f, n in zip(city_first, city_count, strict=True)])
        hired_by = np.full(len(searchers), -1, dtype=np.int64)
        kernels.match(w, self.month, searchers, search_city, job_finding, city_first, city_count, employer_cdf,
                      by_city, hired_by)
        hires = np.bincount(hired_by[hired_by >= 0], minlength=len(t.city))
        return MarketSignals(WorkforceAggregates.after_matching(employed, vacancies, hires, t.target_headcount),
                             entry_slots)

    def _searchers_and_entry_slots(self, separations: Separations) -> tuple[np.ndarray, np.ndarray]:
        """Searchers in slot order, and the slots this month's entrants take (their number fixes the workforce)."""
        w, counts = self.workers, separations.slot_counts
        n_searching, n_free = counts.sum(axis=0)
        workers_before_entry = int(separations.employed_by_employer.sum()) + int(n_searching)
        target = self.target_workers(self.month)
        if self.use_policy:
            target += self._workforce_kept_by_policy(workers_before_entry, target)
        n_entrants = max(0, int(round(target - workers_before_entry)))
        self.workforce = workers_before_entry + n_entrants
        searchers = np.empty(n_searching, dtype=np.int64)
        entry_slots = np.empty(n_entrants, dtype=np.int64)
        kernels.gather_listed(separations.searcher_list, counts[:, 0], searchers)
        kernels.gather_listed(separations.free_list, counts[:, 1], entry_slots[:min(n_entrants, n_free)])
        if n_free < n_entrants:  # short of slots: the rest are new slots at the end
            start = w.capacity
            self.workers = w.grown(max(int(w.capacity * CAPACITY_GROWTH), w.capacity + n_entrants - n_free))
            entry_slots[n_free:] = start + np.arange(n_entrants - n_free)
        return searchers, entry_slots

    def _workforce_kept_by_policy(self, workers_before_entry: int, target: float) -> float:
        """Industrial workers (simulated) the levers add to the calibrated path, which is the baseline's.

        A stock that grows by the workers kept this month (KEPT minus LOST: stayed only for the policy, with
        the same draws) and by the entrants a pay uplift draws in, and shrinks at the month's rate of leaving
        industrial work, as the baseline's workers do. Entry responds to the wage-bill weighted mean pay uplift
        with elasticity `entry_pay_elasticity` (the outside option, other sectors' pay, is unchanged)."""
        kept, lost = kernels.kept_and_lost(self.workers.events)
        leaving_rate = max(0.0, self.workforce - workers_before_entry) / max(self.workforce, 1)
        extra = self.extra_workforce * (1.0 - leaving_rate) + kept - lost
        bill = self.accounts.employer_grade_totals[..., 1].astype(np.float64)
        mean_log_uplift = float((bill * self.log_uplift).sum() / max(bill.sum(), 1.0))
        drawn_in = max(0.0, target + extra - workers_before_entry) * math.expm1(  # the C library's (engine.portable)
            self.calibration.scalar("entry_pay_elasticity") * mean_log_uplift)
        self.extra_workforce = extra + drawn_in
        return self.extra_workforce

    def enter_new_workers(self, market: MarketSignals) -> None:
        w, t, a, slots = self.workers, self.employer_table, market.aggregates, market.entry_slots
        openings = np.maximum(0.0, a.vacancies - a.hires)
        shortfall = len(slots) - openings.sum()
        if shortfall > 0:  # more entrants than openings: the rest spread by target headcount
            openings = openings + shortfall * t.target_headcount / t.target_headcount.sum()
        kernels.enter(self.key, self.month, self.rules, slots, rs.cdf(openings), w)
        for offer in self.month_policy.entry_offers:
            if offer.share_by_employer.any():
                self.programmes_started = True
                code = PROGRAMME_CODES[offer.programme]
                self.completion_grade[code] = offer.completion_grade
                programmes.start_at_entry(w, self.month, slots, offer.share_by_employer, code, offer.duration_months)

    def update_employers(self, market: MarketSignals) -> None:
        self._employers_decide(for_month=self.month + 1, aggregates=market.aggregates)

    def _employers_decide(self, for_month: int, aggregates: WorkforceAggregates | None) -> None:
        """The month's aggregates update what employers remember of their unfilled vacancies; each employer agent
        reads its row and sets the premium and hiring target of `for_month`."""
        c = self.calibration
        employers_decide(self.employers, aggregates, self.unfilled_memory, self.employment_index(for_month),
                         c.scalar("normal_vacancy_rate"), self.premium_rule)

    def account(self) -> None:
        cells, self.accounts = self._tally()
        margins = kpis.margins(cells)
        self.monthly_margins.append(margins)
        self.months.append(self.month)
        self._book_costs(margins[0])

    def _book_costs(self, province: np.ndarray) -> None:
        """The month's spending not booked at enrolment: wage uplifts (employers, split between the levers by
        their share of the log uplift), subsidies per participant of programmes joined at entry and fixed pools (the
        state)."""
        policy, offset = self.month_policy, self.month - BASE_MONTH
        if policy.wage_uplift:
            bill = self.accounts.employer_grade_totals[..., 1].astype(np.float64)
            cost = bill * _uplift_share(policy.total_uplift())
            logs = {lever: portable.log(factor) for lever, factor in policy.wage_uplift.items()}
            total_log = sum(logs.values())
            for lever, log_uplift in logs.items():
                share = np.divide(log_uplift, total_log, out=np.zeros_like(total_log), where=total_log > 0)
                self.ledger.add(offset, lever, "employer", float((cost * share).sum()) / self.scale)
        for offer in policy.entry_offers:
            participants = province[kpis.S[PROGRAMME_BY_ID[offer.programme].participants_statistic]]
            self.ledger.add(offset, offer.lever, "fiscal", participants * offer.subsidy_yuan_year / 12.0 / self.scale)
        for lever, yuan in policy.fixed_fiscal_yuan.items():
            self.ledger.add(offset, lever, "fiscal", yuan)

    # --- helpers --------------------------------------------------------------------------------
    def employment_index(self, month: int) -> float:
        """The calibrated employment path relative to the start."""
        return (1.0 + self.employment_growth) ** ((month - self.start_month) / 12.0)

    def target_workers(self, month: int) -> float:
        return self.workers_at_base * self.employment_index(month)

    def grade_wage_table(self, month: int) -> np.ndarray:
        """Wage schedule by employer and grade: levels, premium, growth, ladder, times the policy uplifts."""
        schedule = grade_wages(self.employer_table, self.grade_ladder, self.schedule_growth, month - self.start_month)
        uplift = self.month_policy.total_uplift()
        return schedule if uplift is None else schedule * uplift

    def _calibrate_wage_levels(self) -> None:
        """Scale employer wage levels so base-month mean wages by ownership match the published averages, and set
        the wages and the schedule by employer and grade."""
        c, t = self.calibration, self.employer_table
        self.set_wages()
        bill, headcount = self.wage_bill_by_ownership()
        mean = bill / headcount
        target = c.vector("ownership_annual_wages", cat.OWNERSHIPS) / 12.0
        t.wage_level *= (target / mean)[t.ownership]
        self.set_wages()

    def wage_bill_by_ownership(self) -> tuple[np.ndarray, np.ndarray]:
        """Monthly wage bill (yuan) and employed headcount by ownership (state, private, foreign), now."""
        w, t = self.workers, self.employer_table
        headcount, bill = kernels.wage_bill_by_employer(w, len(t.city))
        return (np.bincount(t.ownership, weights=bill, minlength=len(cat.OWNERSHIPS)),
                np.bincount(t.ownership, weights=headcount, minlength=len(cat.OWNERSHIPS)))

    def tally_policy_tables(self) -> tuple[np.ndarray, np.ndarray]:
        """What the tally reads of the month's levers, by employer and grade: the share of a wage the pay uplifts
        add (the employer's cost), and the factor that turns a high grade's wage into its engineer-equivalent."""
        policy = self.month_policy
        uplift = policy.total_uplift()
        shape = (len(self.employer_table.city), len(cat.GRADES))
        cost_share = np.zeros(shape) if uplift is None else _uplift_share(uplift)
        parity = np.ones(shape) if policy.parity_uplift is None else policy.parity_uplift
        return cost_share, self.engineer_ratio[None, :] / parity

    def _tally(self) -> tuple[np.ndarray, Accounts]:
        """The month's KPI cells, and the accounts the next month reads."""
        cells, employer_grade_totals = kpis.tally(
            self.tally_parts, self.month, self.rules, self.workers, self.tally_place_row, self.grade_wage,
            self.productivity_milli, *self.tally_policy_tables(), self.use_policy, len(PROGRAMMES))
        return cells, Accounts(kpis.city_grade_mean_wage(cells), employer_grade_totals)

    def _phase[T](self, name: str, phase: Callable[..., T], *handed: object) -> T:
        """Run a phase on what earlier phases handed it, timed; return what it hands on."""
        started = time.perf_counter()
        result = phase(*handed)
        self.phase_seconds[name] = self.phase_seconds.get(name, 0.0) + time.perf_counter() - started
        return result

    def kpi_table(self, first_month: int | None = None):  # noqa: ANN201 - pandas DataFrame
        """Monthly KPIs from `first_month` (default: the start of the scenario's period) as a tidy table (date, kpi,
        dimension, group, value)."""
        first = self.policy.period.first_month if first_month is None else first_month
        return kpis.kpi_table(self.months, np.stack(self.monthly_margins), self.scale, first,
                              self.ledger.kpis(len(self.months)), LEVER_IDS)

    def cost_ledger(self):  # noqa: ANN201 - pandas DataFrame
        """Spending so far by month, programme and payer (yuan at full scale)."""
        return self.ledger.frame(len(self.months))


def _premium_rule(c: Calibration) -> PremiumRule:
    """The employers' premium rule from the calibration; the recent horizon is no longer than the normal one."""
    bounds = np.asarray(c.value("wage_premium_range"), dtype=np.float64).ravel()
    if bounds.size != 2 or not bounds[0] < 1.0 < bounds[1]:
        raise InputError("calibration: wage_premium_range must be [lowest, highest] with lowest < 1 < highest")
    recent, normal = c.scalar("vacancy_smoothing_months"), c.scalar("vacancy_norm_months")
    if not recent <= normal:
        raise InputError(f"calibration: vacancy_smoothing_months ({recent:g}) must be at most vacancy_norm_months "
                         f"({normal:g})")
    return PremiumRule(c.scalar("wage_adjustment_speed"), float(bounds[0]), float(bounds[1]), recent, normal)


def _grade_ladder(calibration: Calibration, workers: Workers) -> np.ndarray:
    """Relative pay by grade (calibration), normalised to a mean of 1 over the starting workers' grades."""
    ladder = grade_pay_ladder(calibration)
    grade_mix = np.bincount(workers.grade[workers.live()], minlength=len(cat.GRADES))
    return ladder / (ladder @ grade_mix / grade_mix.sum())


def _job_finding_rate(searchers: np.ndarray, vacancies: np.ndarray, efficiency: float, elasticity: float) -> np.ndarray:
    """City job-finding rate A (V/S)^(1-a), capped so expected hires never exceed vacancies."""
    with np.errstate(invalid="ignore", divide="ignore"):
        tightness = np.where(searchers > 0, vacancies / np.maximum(searchers, 1), 0.0)
    return np.minimum(np.minimum(efficiency * tightness ** (1.0 - elasticity), tightness), 1.0)


def _uplift_share(uplift: np.ndarray) -> np.ndarray:
    """The share of a wage that pay uplifts (a factor, by employer and grade) add: 1 - 1 / uplift, in correctly
    rounded arithmetic (not expm1 of a logarithm), so the same on every CPU."""
    return (uplift - 1.0) / uplift

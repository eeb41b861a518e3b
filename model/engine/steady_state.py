"""The steady-state start: the 2020 population made consistent with the model's own rules.

The synthesis draws the published margins (grade, age, migrant status, education, employer); what the
margins do not say (human capital within the grade, months at the grade, tenure, the quit trait) is then
drawn from the distribution the monthly rules produce. Exam sitting rates are set so that, at the start,
promotions into each certified grade balance its expected outflows (exits and promotions out, less entrants
arriving with the grade): with no growth driver switched on, the published grade mix is a steady state of the
rules. Growth comes from the drivers, each a parameter: `certification_drive` (exam sitting above the balanced
rate), `employment_growth_per_year` and `nominal_wage_growth_per_year`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from model.engine import categories as cat
from model.engine import random_streams as rs
from model.engine import rules as R
from model.engine.population import Workers

# The sitting rates and the draws depend on each other: they are iterated on a sample of workers until no
# rate moves by more than SETTLE_TOLERANCE of itself (at most SETTLE_ROUNDS), then every worker is drawn once.
SETTLE_ROUNDS = 12
SETTLE_TOLERANCE = 0.01
SETTLE_SAMPLE = 200_000  # workers in the iteration's sample (every k-th slot)
# Longest spell at a grade (and with an employer) drawn at the start: the rules' hazards are walked this far,
# STEP months at a time (monthly steps cost three times as much for draws that agree to within a month).
MAX_SPELL_MONTHS = 480
STEP = 3
_PARTS = 256  # the tenure draw's workers are split in parts, each with its own scratch arrays
_BAND_START_MONTHS = np.array(cat.AGE_BAND_LOWER_YEARS) * 12  # the first month of each age band
_TENURE_FOR_EXIT_HAZARD = 24  # months: the quit hazard in a worker's hazard of leaving industrial work
# Retirements are counted over the coming year: nobody is synthesised at the end of working life, so the
# first month alone would have none.
_RETIREMENT_LOOKAHEAD = 12


@njit(cache=True, inline="always")
def _exit_hazard(rules, age, sex, migrant, grade, trait):
    """Monthly hazard of leaving industrial work: other exits plus quits out of industry (at a typical tenure)."""
    quit = R.quit_probability(rules, trait, age, _TENURE_FOR_EXIT_HAZARD, migrant, grade, 0.0, 0.0)
    return R.exit_probability(rules, False, age, migrant) + quit * rules.quit_exit_share[migrant]


@njit(cache=True, inline="always")
def _hazard_segment(rules, age):
    """Ages with the same exit hazard share a segment (age band, and the migrants' late-exit age)."""
    return R.age_band(rules, age) * 2 + (age >= rules.migrant_late_exit_age_months)


class Arrivals(NamedTuple):
    """Density (per month of age) of the age at which workers arrive in industrial work, by migrant status
    (float64[2, MAX_AGE_MONTHS + 1] each): at the entrant age bands, and at the mature ages (migrants only).
    `past_growth[migrant, k]`: how many more arrived at the entrant ages k months before the start than at it
    (float64[2, MAX_SPELL_MONTHS])."""

    entrant_ages: np.ndarray
    mature: np.ndarray
    past_growth: np.ndarray


def arrival_densities(rules: R.Rules, young_migrant_arrivals_decline: float) -> Arrivals:
    """The entrants' age density of the rules, with the migrants' arrivals at the entrant ages falling by
    `young_migrant_arrivals_decline` a year before the start."""
    entrant_ages, mature = np.zeros((2, R.MAX_AGE_MONTHS + 1)), np.zeros((2, R.MAX_AGE_MONTHS + 1))
    bounds, shares = rules.entrant_age_bounds_months, np.diff(rules.entrant_age_cdf, prepend=0.0)
    for migrant in (0, 1):
        mature_share = rules.entrant_migrant_mature_share * migrant
        for band, share in enumerate(shares):
            width = bounds[band + 1] - bounds[band]
            entrant_ages[migrant, bounds[band]:bounds[band + 1]] += (1.0 - mature_share) * share / width
        lo, hi = rules.entrant_mature_age_months
        mature[migrant, lo:hi] += mature_share / (hi - lo)
    past_factor = np.array([1.0, (1.0 - young_migrant_arrivals_decline) ** (-1.0 / 12.0)])
    return Arrivals(entrant_ages, mature, _powers(past_factor, MAX_SPELL_MONTHS))


@njit(cache=True)
def _powers(factor, n):
    """factor[m] ** k for k = 0..n-1 (a table: the walks read it at every step)."""
    out = np.empty((factor.shape[0], n))
    for m in range(factor.shape[0]):
        for k in range(n):
            out[m, k] = factor[m] ** k
    return out


@njit(cache=True, inline="always")
def _arrived(arrivals, migrant, age, k):
    """Density of having arrived in industrial work k months ago, at age `age - k` (k < MAX_SPELL_MONTHS)."""
    at = max(age - k, 0)
    return arrivals.entrant_ages[migrant, at] * arrivals.past_growth[migrant, k] + arrivals.mature[migrant, at]


@njit(cache=True)
def _still_in(rules, arrivals, age, career_steps, sex, migrant, grade, trait):
    """Workers of this age and quit trait in industrial work, up to the entrants' normal density of the trait: the
    arrivals k months ago (`_arrived`) that stayed in since, summed over the career. Long careers select low traits,
    so the trait's distribution depends on age (a weight of the expected stay alone gave old workers the traits of
    new ones)."""
    total, stayed_in, segment, stay_in = 0.0, 1.0, -1, 1.0
    for step in range(career_steps):
        k = step * STEP
        total += _arrived(arrivals, migrant, age, k) * stayed_in
        if _hazard_segment(rules, age - k) != segment:  # the exit hazard changes only between segments
            segment = _hazard_segment(rules, age - k)
            stay_in = (1.0 - _exit_hazard(rules, age - k, sex, migrant, grade, trait)) ** STEP
        stayed_in *= stay_in
    return total


@njit(parallel=True, cache=True)
def _draw_grade_spells(key, month, rules, slots, grade, arrival_entrant_share, arrival_h, arrival_cdf, w, arrivals,
                       pass_h, pass_rate):
    """For the workers in `slots` (all at one grade g): months at the grade and human capital, drawn from the
    stationary renewal distribution of the rules: a spell at g starts at an arrival (an entrant arriving with
    g, or a worker just promoted from g - 1: `arrival_h` weighted by `arrival_cdf`), human capital then grows
    by learning, and the spell ends by a pass or an exit. Time since arrival has density proportional to the
    spell's survival function. Also draws, for the pool of arrivals at g + 1, the human capital at a pass and
    the worker's rate of passing (`pass_h`, `pass_rate`).

    Arrivals at grade 0 are entries into industrial work, so a spell there is also weighted by the density
    of entering at the age it implies (`_arrived`); arrivals at higher grades are taken as even over time. A
    spell of k months survived the exit hazards of the worker's ages in the last k months; learning along it runs at the
    worker's present age."""
    birth_month = w.birth_month
    sex = w.sex
    migrant = w.migrant
    education = w.education
    human_capital = w.human_capital
    grade_month = w.grade_month
    quit_trait = w.quit_trait
    g = grade
    target = min(g + 1, cat.MAX_GRADE)
    sit_pass = rules.exam_sit_rate[target] * rules.exam_pass_rate[target] if g < cat.MAX_GRADE else 0.0
    step_pass_eligible = 1.0 - (1.0 - sit_pass) ** STEP
    min_months = rules.exam_min_months[target]
    ceiling = 1.0 / rules.inverse_human_capital_ceiling
    n_steps = (MAX_SPELL_MONTHS + STEP - 1) // STEP
    n = slots.shape[0]
    size = (n + _PARTS - 1) // _PARTS
    for part in prange(_PARTS):  # a part's scratch arrays serve all its workers
        step_mass = np.empty(n_steps)  # per step of the walk: the spell's mass, its mass of passes, and the
        step_pass_mass = np.empty(n_steps)  # human capital at the step's start and end
        step_h = np.empty(n_steps)
        step_h_next = np.empty(n_steps)
        for j in range(part * size, min(n, (part + 1) * size)):
            i = slots[j]
            m, edu, s, trait = migrant[i], education[i], sex[i], quit_trait[i]
            age = month - 1 - birth_month[i]
            spell_max = max(min(age - R.MIN_WORKING_AGE_MONTHS, MAX_SPELL_MONTHS), 1)
            # learning at the mean draw is linear in h: STEP months of it close the gap to the ceiling by `decay`
            gain = rules.learning_rate * rules.learning_by_education[edu] * rules.learning_by_age_month[
                min(age, R.MAX_AGE_MONTHS)]
            decay = (1.0 - gain / ceiling) ** STEP
            u_arrival, u_kind = rs.uniform_pair(key, month, i, rs.SETTLE_ARRIVAL)
            if g == 0 or u_kind < arrival_entrant_share or arrival_cdf.shape[0] == 0:
                h0 = R.entrant_human_capital(rules, edu, g, u_arrival)
            else:
                h0 = arrival_h[rs.pick(arrival_cdf, u_arrival)]
            u_spell, u_pass = rs.uniform_pair(key, month, i, rs.SETTLE_SPELL)
            # walk once for the totals, keeping each step's terms; then find the draws in them
            h, survival, total, total_pass, segment, stay_exit = h0, 1.0, 0.0, 0.0, -1, 1.0
            steps = 0
            for k in range(0, spell_max, STEP):
                step_pass = step_pass_eligible * (h >= target) * (k >= min_months)
                weight = STEP * (_arrived(arrivals, m, age, k) if g == 0 else 1.0)
                mass = survival * weight
                h_next = ceiling - (ceiling - h) * decay if h < ceiling else h
                step_mass[steps], step_pass_mass[steps] = mass, mass * step_pass
                step_h[steps], step_h_next[steps] = h, h_next
                steps += 1
                total += mass
                total_pass += mass * step_pass
                if _hazard_segment(rules, age - k) != segment:  # the exit hazard changes only between segments
                    segment = _hazard_segment(rules, age - k)
                    stay_exit = (1.0 - _exit_hazard(rules, age - k, s, m, g, trait)) ** STEP
                survival *= (1.0 - step_pass) * stay_exit
                h = h_next
            at_spell, at_pass = u_spell * total, u_pass * total_pass
            spell, h_spell, h_pass, cumulative, cumulative_pass = spell_max - 1, -1.0, -1.0, 0.0, 0.0
            for step in range(steps):
                k, mass = step * STEP, step_mass[step]
                if h_spell < 0.0 and mass > 0.0 and cumulative + mass >= at_spell:
                    spell = min(k + int(STEP * (at_spell - cumulative) / mass), spell_max - 1)
                    h_spell = step_h[step] + (step_h_next[step] - step_h[step]) * (spell - k) / STEP
                if h_pass < 0.0 and total_pass > 0.0 and cumulative_pass + step_pass_mass[step] >= at_pass:
                    h_pass = step_h_next[step]
                if h_spell >= 0.0 and (h_pass >= 0.0 or total_pass == 0.0):
                    break
                cumulative += mass
                cumulative_pass += step_pass_mass[step]
            if h_spell < 0.0:
                h_spell = h
            human_capital[i] = h_spell
            grade_month[i] = month - 1 - spell
            pass_h[j] = h_pass
            pass_rate[j] = total_pass / total if total > 0.0 else 0.0


@njit(parallel=True, cache=True)
def _draw_tenure_and_trait(key, month, rules, slots, w, arrivals):
    """Quit trait and tenure from the rules' stationary distribution. A worker's trait is drawn from the
    entrants' normal weighted by the chance that arrivals at the worker's past ages stayed in industrial work to
    the present age (`_still_in`, by rejection). The present job began k
    months ago with density proportional to S(k) (G(k) / T + e(k) / E): S is the survival of a job for a
    worker who stays in industrial work (ended by quits that keep searching and by layoffs), at the age band
    of the job's middle; T the mean length of a job at the present age (1 / T is the rate at which such a
    worker starts jobs); G(k) the probability that the worker was in industrial work k months ago and
    e(k) / E the density of having arrived then (`_arrived`, weighted by the survival of the exits since).
    Walked once, STEP months at a time, keeping each step's terms; T and E are the walk's totals, then the
    masses are summed and the draw found in the kept terms. Steps before the working life (k >= the months
    since age 16) have no mass, so past them the walk only carries T on."""
    birth_month = w.birth_month
    sex = w.sex
    migrant = w.migrant
    grade = w.grade
    human_capital = w.human_capital
    hire_month = w.hire_month
    quit_trait = w.quit_trait
    n_bands = _BAND_START_MONTHS.shape[0]
    n_steps = (MAX_SPELL_MONTHS + STEP - 1) // STEP
    n = slots.shape[0]
    size = (n + _PARTS - 1) // _PARTS
    for part in prange(_PARTS):  # a part's scratch arrays serve all its workers
        job = np.ones(n_bands)  # survival of a job of k months, had it run at each age band's hazards
        stay = np.ones(n_bands)
        middle_job = np.empty(n_steps)  # per step: survival of a job whose middle fell at that step's age
        arrived = np.empty(n_steps)  # density of having arrived then and stayed in since
        seen = np.empty(n_steps)  # arrivals before then (E up to that step)
        for j in range(part * size, min(n, (part + 1) * size)):
            i = slots[j]
            m, g = migrant[i], grade[i]
            age = month - 1 - birth_month[i]
            career = age - R.MIN_WORKING_AGE_MONTHS
            spell_max = max(min(career, MAX_SPELL_MONTHS), 1)
            career_steps = min(max((career + STEP - 1) // STEP, 0), n_steps)  # the steps with k < career
            most = _still_in(rules, arrivals, age, career_steps, sex[i], m, g, -4.0 * rules.quit_trait_sd)
            trait = 0.0
            for attempt in range(64):
                u_accept, _ = rs.uniform_pair(key, month + attempt, i, rs.SETTLE_TRAIT_ACCEPT)
                trait = rules.quit_trait_sd * rs.standard_normal(key, month + attempt, i, rs.SETTLE_TRAIT)
                if not most > 0.0 or u_accept * most < _still_in(rules, arrivals, age, career_steps, sex[i], m, g,
                                                                 trait):
                    break
            quit_trait[i] = trait
            gap = R.relative_log_wage(rules, g, human_capital[i], m)
            keep = 1.0 - rules.quit_exit_share[m]
            now_band = R.age_band(rules, age)
            job[:] = 1.0
            mean_job, entries, stayed_in = 0.0, 0.0, 1.0
            tenure_band, segment, stay_in = np.nan, -1, 1.0
            # the bands a job's middle falls in, from the oldest job's to the present one's: the others are not read
            low_band = R.age_band(rules, max(age - (max(career_steps, 1) - 1) * STEP // 2, 0))
            for step in range(career_steps):
                k = step * STEP
                entry = _arrived(arrivals, m, age, k) * stayed_in
                middle_job[step] = job[R.age_band(rules, max(age - k // 2, 0))]
                arrived[step] = entry
                seen[step] = entries
                mean_job += STEP * job[now_band]
                entries += STEP * entry
                if rules.quit_by_tenure_month[k] != tenure_band:  # the job's hazard changes between tenure bands
                    tenure_band = rules.quit_by_tenure_month[k]
                    for b in range(low_band, now_band + 1):
                        quit = R.quit_probability(rules, trait, _BAND_START_MONTHS[b], k, m, g, gap, 0.0)
                        stay[b] = (1.0 - quit * keep - rules.layoff_rate) ** STEP
                if _hazard_segment(rules, age - k) != segment:  # the exit hazard changes only between segments
                    segment = _hazard_segment(rules, age - k)
                    stay_in = (1.0 - _exit_hazard(rules, age - k, sex[i], m, g, trait)) ** STEP
                for b in range(low_band, now_band + 1):
                    job[b] *= stay[b]
                stayed_in *= stay_in
            job_now, stay_now = job[now_band], stay[now_band]  # in registers: the loop reads no other band
            for step in range(career_steps, n_steps):  # past the working life: the present job's T only
                k = step * STEP
                mean_job += STEP * job_now
                if rules.quit_by_tenure_month[k] != tenure_band:
                    tenure_band = rules.quit_by_tenure_month[k]
                    quit = R.quit_probability(rules, trait, _BAND_START_MONTHS[now_band], k, m, g, gap, 0.0)
                    stay_now = (1.0 - quit * keep - rules.layoff_rate) ** STEP
                job_now *= stay_now
            for step in range(career_steps):  # the masses, kept in the arrays of the arrivals
                if entries > 0.0:
                    was_in = max(1.0 - seen[step] / entries, 0.0)
                    arrived[step] = STEP * middle_job[step] * (was_in / mean_job + arrived[step] / entries)
                else:  # nobody arrives at this worker's past ages: jobs start evenly over the working life
                    arrived[step] = STEP * middle_job[step]
            total = 0.0
            for step in range(career_steps):
                total += arrived[step]
            at = rs.uniform(key, month, i, rs.SETTLE_TENURE) * total
            cumulative, tenure = 0.0, spell_max - 1
            for step in range(career_steps):
                mass = arrived[step]
                if mass > 0.0 and cumulative + mass >= at:
                    tenure = min(step * STEP + int(STEP * (at - cumulative) / mass), spell_max - 1)
                    break
                cumulative += mass
            hire_month[i] = month - 1 - tenure


@njit(parallel=True, cache=True)
def _grade_flows(month, rules, slots, w, employer_gap, n_parts):
    """Per grade, over `slots`: live workers, workers eligible for the next exam, and expected monthly exits from
    industrial work (retirement, other exits, quits out of industry, with the employer's pay against the outside
    option `employer_gap[employer, grade]`) as float64[parts, 3, 6]."""
    employer = w.employer
    birth_month = w.birth_month
    sex = w.sex
    migrant = w.migrant
    grade = w.grade
    human_capital = w.human_capital
    grade_month = w.grade_month
    hire_month = w.hire_month
    quit_trait = w.quit_trait
    out = np.zeros((n_parts, 3, cat.MAX_GRADE + 1))
    n = slots.shape[0]
    size = (n + n_parts - 1) // n_parts
    for p in prange(n_parts):
        for j in range(p * size, min(n, (p + 1) * size)):
            i = slots[j]
            g, m = grade[i], migrant[i]
            age = month - birth_month[i]
            out[p, 0, g] += 1.0
            target = min(g + 1, cat.MAX_GRADE)
            out[p, 1, g] += ((g < cat.MAX_GRADE) and human_capital[i] >= target
                             and month - grade_month[i] >= rules.exam_min_months[target])
            if R.leaves_by_age(rules, month + _RETIREMENT_LOOKAHEAD, age + _RETIREMENT_LOOKAHEAD, sex[i], m):
                out[p, 2, g] += 1.0 / _RETIREMENT_LOOKAHEAD  # retirements as the year's average
            else:  # searchers too: matching clears within the month, so few face the searchers' exit hazard
                gap = employer_gap[employer[i], g] + R.relative_log_wage(rules, g, human_capital[i], m)
                quit = R.quit_probability(rules, quit_trait[i], age, month - hire_month[i], m, g, gap, 0.0)
                out[p, 2, g] += R.exit_probability(rules, False, age, m) + quit * rules.quit_exit_share[m]
    return out


def grade_flows(rules: R.Rules, workers: Workers, slots: np.ndarray, month: int,
                employer_gap: np.ndarray | None = None) -> np.ndarray:
    """Live workers, exam-eligible workers and expected monthly exits by grade over `slots`: float64[3, 6].
    Without `employer_gap` (before wages are set) every employer pays the outside option."""
    if employer_gap is None:
        employer_gap = np.zeros((int(workers.employer[slots].max(initial=0)) + 1, cat.MAX_GRADE + 1))
    return _grade_flows(month, rules, slots, workers, employer_gap, 64).sum(axis=0)


def balanced_sit_rates(flows: np.ndarray, pass_rate: np.ndarray, entrant_grade_shares: np.ndarray,
                       employment_growth_monthly: float) -> np.ndarray:
    """Monthly exam sitting rates (by target grade) at which expected promotions into each grade equal its
    expected outflows less entrants arriving with it, from the top grade down; capped at 1."""
    stock, eligible, exits = flows
    entrants = exits.sum() + stock.sum() * employment_growth_monthly
    entrant_inflow = entrants * entrant_grade_shares
    sit = np.zeros(cat.MAX_GRADE + 1)
    promotions_out = 0.0
    for g in range(cat.MAX_GRADE, 0, -1):
        needed = max(exits[g] + stock[g] * employment_growth_monthly + promotions_out - entrant_inflow[g], 0.0)
        capacity = eligible[g - 1] * pass_rate[g]
        sit[g] = min(needed / capacity, 1.0) if capacity > 0 else 1.0
        promotions_out = sit[g] * capacity
    return sit


@njit(cache=True)
def _split_by_grade(slots, grade):
    """`slots` grouped by grade, each group in the order of `slots` (a counting sort), and where each group starts
    (int64[grades + 1])."""
    starts = np.zeros(cat.MAX_GRADE + 2, dtype=np.int64)
    for j in range(slots.shape[0]):
        starts[grade[slots[j]] + 1] += 1
    starts = np.cumsum(starts)
    grouped, filled = np.empty_like(slots), starts[:-1].copy()
    for j in range(slots.shape[0]):
        g = grade[slots[j]]
        grouped[filled[g]] = slots[j]
        filled[g] += 1
    return grouped, starts


def _draw_within_grade_state(workers: Workers, slots: np.ndarray, rules: R.Rules, key: np.uint64, month: int,
                             entrant_inflow: np.ndarray, arrivals: Arrivals) -> None:
    """Months at grade and human capital, grade by grade from the bottom: arrivals at g + 1 are the passes drawn
    for grade g, mixed with entrants arriving at g + 1 in proportion to the two flows."""
    w = workers
    arrival_h, arrival_cdf, promotions = np.zeros(0), np.zeros(0), 0.0
    grouped, starts = _split_by_grade(slots, w.grade)
    for g in range(cat.MAX_GRADE + 1):
        at_grade = grouped[starts[g]:starts[g + 1]]
        entrant_share = entrant_inflow[g] / (entrant_inflow[g] + promotions) if entrant_inflow[g] + promotions else 1.0
        pass_h, pass_rate = np.full(len(at_grade), -1.0), np.zeros(len(at_grade))
        _draw_grade_spells(key, month, rules, at_grade, g, entrant_share, arrival_h, arrival_cdf, w, arrivals,
                           pass_h, pass_rate)
        weights = np.where(pass_h >= 0.0, pass_rate, 0.0)
        promotions = float(weights.sum())
        arrival_h, arrival_cdf = (pass_h, rs.cdf(weights)) if promotions > 0 else (np.zeros(0), np.zeros(0))


def settle(workers: Workers, n: int, rules: R.Rules, key: np.uint64, month: int, entrant_grade_shares: np.ndarray,
           employment_growth_monthly: float, certification_drive: float,
           young_migrant_arrivals_decline: float) -> R.Rules:
    """Draw the within-grade and job state of workers 0..n-1 from the rules' steady state (with the migrants'
    arrivals at the entrant ages falling by `young_migrant_arrivals_decline` a year before the start); return
    the rules with the balanced sitting rates times (1 + certification_drive)."""
    w = workers
    live = np.flatnonzero(w.status[:n] != cat.GONE)
    sample = live[:: max(1, len(live) // SETTLE_SAMPLE)]
    arrivals = arrival_densities(rules, young_migrant_arrivals_decline)
    w.human_capital[live] = w.grade[live]  # a first guess, for the wage term of the quit hazard
    _draw_tenure_and_trait(key, month, rules, live, w, arrivals)

    def draw_and_balance(slots: np.ndarray, sit: np.ndarray) -> np.ndarray:
        current = rules._replace(exam_sit_rate=sit)
        exits = grade_flows(current, w, slots, month)[2]
        entrants = exits.sum() + len(slots) * employment_growth_monthly
        _draw_within_grade_state(w, slots, current, key, month, entrants * entrant_grade_shares, arrivals)
        return balanced_sit_rates(grade_flows(current, w, slots, month), rules.exam_pass_rate, entrant_grade_shares,
                                  employment_growth_monthly)

    sit = np.zeros(cat.MAX_GRADE + 1)  # from nobody sitting
    for k in range(SETTLE_ROUNDS):
        sit, previous = draw_and_balance(sample, sit), sit
        if k > 0 and np.all(np.abs(sit - previous) <= SETTLE_TOLERANCE * previous):
            break
    sit = draw_and_balance(live, sit)
    return rules._replace(exam_sit_rate=np.minimum(sit * (1.0 + certification_drive), 1.0))


def rebalance(workers: Workers, n: int, rules: R.Rules, month: int, entrant_grade_shares: np.ndarray,
              employment_growth_monthly: float, certification_drive: float, employer_gap: np.ndarray) -> R.Rules:
    """The sitting rates balanced again once wages are set: quits out of industrial work then see each
    employer's pay against the outside option (`employer_gap[employer, grade]`, log points), which `settle`
    could not. Without it the balance expected 8% too few exits of the high-skilled."""
    live = np.flatnonzero(workers.status[:n] != cat.GONE)
    sit = balanced_sit_rates(grade_flows(rules, workers, live, month, employer_gap), rules.exam_pass_rate,
                             entrant_grade_shares, employment_growth_monthly)
    return rules._replace(exam_sit_rate=np.minimum(sit * (1.0 + certification_drive), 1.0))

"""The steady-state start: the 2020 population made consistent with the model's own rules.

The synthesis draws the published margins (grade, age, migrant status, education, employer); what the
margins do not say (human capital within the grade, months at the grade, tenure, the quit trait) is then
drawn from the distribution the monthly rules produce, by running each worker's rules as a renewal chain
with the margins held fixed. Exam sitting rates are set so that, at the start, promotions into each grade
balance the expected outflows from it (exits and promotions out): with no growth driver switched on, the
published grade mix is a steady state of the rules. Growth comes from the drivers, each a parameter:
`certification_drive` (exam sitting above the balanced rate), `employment_growth_per_year` and
`nominal_wage_growth_per_year`.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from model import categories as cat
from model import random_streams as rs
from model import rules as R

# Longest spell at a grade (and with an employer) drawn at the start: the rules' hazards are walked this far.
MAX_SPELL_MONTHS = 480
_MEAN_DRAW = 0.5  # learning along the walked path at its mean (the noise averages out over a spell)
_TENURE_FOR_EXIT_HAZARD = 24
# Retirements are counted over the coming year: nobody is synthesised at the end of working life, so the
# first month alone would have none.
_RETIREMENT_LOOKAHEAD = 12  # months: the quit hazard used in a worker's exit hazard from industrial work


@njit(cache=True, inline="always")
def _exit_hazard(rules, age, sex, migrant, grade, trait):
    """Monthly hazard of leaving industrial work: other exits plus quits out of industry (at a typical tenure)."""
    quit = R.quit_probability(rules, trait, age, _TENURE_FOR_EXIT_HAZARD, migrant, grade, 0.0, 0.0)
    return R.exit_probability(rules, False, age, migrant) + quit * rules.quit_exit_share[migrant]


@njit(cache=True, inline="always")
def _entry_age_density(rules, migrant, age):
    """Density (per month of age) of the age at which workers of this migrant status enter industrial work."""
    mature = rules.entrant_migrant_mature_share * migrant
    density = 0.0
    bounds = rules.entrant_age_bounds_months
    previous = 0.0
    for band in range(bounds.shape[0] - 1):
        share = rules.entrant_age_cdf[band] - previous
        previous = rules.entrant_age_cdf[band]
        if bounds[band] <= age < bounds[band + 1]:
            density += (1.0 - mature) * share / (bounds[band + 1] - bounds[band])
    lo, hi = rules.entrant_mature_age_months[0], rules.entrant_mature_age_months[1]
    if lo <= age < hi:
        density += mature / (hi - lo)
    return density


@njit(parallel=True, cache=True)
def _draw_grade_spells(key, month, rules, slots, grade, arrival_entrant_share, arrival_h, arrival_cdf, birth_month,
                       sex, migrant, education, human_capital, grade_month, quit_trait, pass_h, pass_rate):
    """For the workers in `slots` (all at one grade g): months at the grade and human capital, drawn from the
    stationary renewal distribution of the rules: a spell at g starts at an arrival (an entrant arriving with
    g, or a worker just promoted from g - 1: `arrival_h` weighted by `arrival_cdf`), human capital then grows
    by learning, and the spell ends by a pass or an exit. Time since arrival has density proportional to the
    spell's survival function. Also draws, for the pool of arrivals at g + 1, the human capital at a pass and
    the worker's rate of passing (`pass_h`, `pass_rate`).

    Arrivals at grade 0 are entries into industrial work, so a spell there is also weighted by the density
    of entering at the age it implies; arrivals at higher grades are taken as even over time. A spell of k
    months survived the exit hazards of the worker's ages in the last k months; learning along it runs at the
    worker's present age."""
    g = grade
    target = min(g + 1, cat.MAX_GRADE)
    sit_pass = rules.exam_sit_rate[target] * rules.exam_pass_rate[target] if g < cat.MAX_GRADE else 0.0
    for j in prange(slots.shape[0]):
        i = slots[j]
        m, edu = migrant[i], education[i]
        age = month - 1 - birth_month[i]
        spell_max = max(min(age - R.MIN_WORKING_AGE_MONTHS, MAX_SPELL_MONTHS), 1)
        u_arrival, u_kind = rs.uniform_pair(key, month, i, rs.SETTLE_ARRIVAL)
        if g == 0 or u_kind < arrival_entrant_share or arrival_cdf.shape[0] == 0:
            h0 = R.entrant_human_capital(rules, edu, g, u_arrival)
        else:
            h0 = arrival_h[rs.pick(arrival_cdf, u_arrival)]
        # walk once for the totals, once more to find the draws
        h, survival, total, total_pass = h0, 1.0, 0.0, 0.0
        for k in range(spell_max):
            p_pass = sit_pass * (h >= target) * (k >= rules.exam_min_months[target])
            weight = survival * _entry_age_density(rules, m, age - k) if g == 0 else survival
            total += weight
            total_pass += weight * p_pass
            survival *= (1.0 - p_pass) * (1.0 - _exit_hazard(rules, age - k, sex[i], m, g, quit_trait[i]))
            h = R.learned_human_capital(rules, h, edu, age, 1.0, _MEAN_DRAW)
        u_spell, u_pass = rs.uniform_pair(key, month, i, rs.SETTLE_SPELL)
        at_spell, at_pass = u_spell * total, u_pass * total_pass
        h, survival, cumulative, cumulative_pass = h0, 1.0, 0.0, 0.0
        spell, h_spell, h_pass = spell_max - 1, -1.0, -1.0
        for k in range(spell_max):
            p_pass = sit_pass * (h >= target) * (k >= rules.exam_min_months[target])
            weight = survival * _entry_age_density(rules, m, age - k) if g == 0 else survival
            cumulative += weight
            cumulative_pass += weight * p_pass
            if h_spell < 0.0 and cumulative >= at_spell:
                spell, h_spell = k, h
            if h_pass < 0.0 and total_pass > 0.0 and cumulative_pass >= at_pass:
                h_pass = h
            if h_spell >= 0.0 and (h_pass >= 0.0 or total_pass == 0.0):
                break
            survival *= (1.0 - p_pass) * (1.0 - _exit_hazard(rules, age - k, sex[i], m, g, quit_trait[i]))
            h = R.learned_human_capital(rules, h, edu, age, 1.0, _MEAN_DRAW)
        human_capital[i] = h_spell if h_spell >= 0.0 else h
        grade_month[i] = month - 1 - spell
        pass_h[j] = h_pass
        pass_rate[j] = total_pass / total if total > 0.0 else 0.0


@njit(parallel=True, cache=True)
def _draw_tenure_and_trait(key, month, n, rules, status, birth_month, sex, migrant, grade, human_capital,
                           hire_month, quit_trait):
    """Quit trait and tenure from the rules' stationary distribution: a worker's trait is drawn from the
    entrants' normal weighted by the expected stay in industrial work (rejection), tenure from the survival
    function of the quit hazard with that trait (capped by the working life)."""
    for i in prange(n):
        if status[i] == cat.GONE:
            continue
        m, g = migrant[i], grade[i]
        age = month - 1 - birth_month[i]
        floor = _exit_hazard(rules, age, sex[i], m, g, -4.0 * rules.quit_trait_sd)
        trait = 0.0
        for attempt in range(64):
            u_accept, _ = rs.uniform_pair(key, month + attempt, i, rs.SETTLE_TRAIT_ACCEPT)
            trait = rules.quit_trait_sd * rs.standard_normal(key, month + attempt, i, rs.SETTLE_TRAIT)
            if u_accept * _exit_hazard(rules, age, sex[i], m, g, trait) < floor:
                break
        quit_trait[i] = trait
        gap = R.relative_log_wage(rules, g, human_capital[i], m)
        spell_max = max(min(age - R.MIN_WORKING_AGE_MONTHS, MAX_SPELL_MONTHS), 1)
        survival, total = 1.0, 0.0
        for k in range(spell_max):
            total += survival
            survival *= 1.0 - R.quit_probability(rules, trait, age, k, m, g, gap, 0.0)
        at = rs.uniform(key, month, i, rs.SETTLE_TENURE) * total
        survival, cumulative, tenure = 1.0, 0.0, spell_max - 1
        for k in range(spell_max):
            cumulative += survival
            if cumulative >= at:
                tenure = k
                break
            survival *= 1.0 - R.quit_probability(rules, trait, age, k, m, g, gap, 0.0)
        hire_month[i] = month - 1 - tenure


@njit(parallel=True, cache=True)
def _grade_flows(month, n, rules, status, birth_month, sex, migrant, grade, human_capital, grade_month, hire_month,
                 quit_trait, n_parts):
    """Per grade: live workers, workers eligible for the next exam, and expected monthly exits from industrial
    work (retirement, other exits, quits out of industry) as float64[parts, 3, 6]."""
    out = np.zeros((n_parts, 3, cat.MAX_GRADE + 1))
    size = (n + n_parts - 1) // n_parts
    for p in prange(n_parts):
        for i in range(p * size, min(n, (p + 1) * size)):
            st = status[i]
            if st == cat.GONE:
                continue
            g, m = grade[i], migrant[i]
            age = month - birth_month[i]
            out[p, 0, g] += 1.0
            target = min(g + 1, cat.MAX_GRADE)
            out[p, 1, g] += ((g < cat.MAX_GRADE) and human_capital[i] >= target
                             and month - grade_month[i] >= rules.exam_min_months[target])
            if R.leaves_by_age(rules, month + _RETIREMENT_LOOKAHEAD, age + _RETIREMENT_LOOKAHEAD, sex[i], m):
                out[p, 2, g] += 1.0 / _RETIREMENT_LOOKAHEAD  # retirements as the year's average
            else:  # searchers too: matching clears within the month, so few face the searchers' exit hazard
                quit = R.quit_probability(rules, quit_trait[i], age, month - hire_month[i], m, g,
                                          R.relative_log_wage(rules, g, human_capital[i], m), 0.0)
                out[p, 2, g] += R.exit_probability(rules, False, age, m) + quit * rules.quit_exit_share[m]
    return out


def _flows(rules: R.Rules, workers, n: int, month: int) -> np.ndarray:
    w = workers
    return _grade_flows(month, n, rules, w.status, w.birth_month, w.sex, w.migrant, w.grade, w.human_capital,
                        w.grade_month, w.hire_month, w.quit_trait, 64).sum(axis=0)


def balanced_sit_rates(rules: R.Rules, workers, n: int, month: int, entrant_grade_shares: np.ndarray,
                       employment_growth_monthly: float) -> np.ndarray:
    """Monthly exam sitting rates (by target grade) at which expected promotions into each grade equal its
    expected outflows less entrants arriving with it, from the top grade down; capped at 1."""
    stock, eligible, exits = _flows(rules, workers, n, month)
    entrants = exits.sum() + stock.sum() * employment_growth_monthly
    entrant_inflow = entrants * entrant_grade_shares
    sit = np.zeros(cat.MAX_GRADE + 1)
    promotions_out = 0.0
    for g in range(cat.MAX_GRADE, 0, -1):
        needed = max(exits[g] + stock[g] * employment_growth_monthly + promotions_out - entrant_inflow[g], 0.0)
        capacity = eligible[g - 1] * rules.exam_pass_rate[g]
        sit[g] = min(needed / capacity, 1.0) if capacity > 0 else 1.0
        promotions_out = sit[g] * capacity
    return sit


def _draw_within_grade_state(workers, n: int, rules: R.Rules, key: np.uint64, month: int,
                             entrant_inflow: np.ndarray) -> None:
    """Months at grade and human capital, grade by grade from the bottom: arrivals at g + 1 are the passes drawn
    for grade g, mixed with entrants arriving at g + 1 in proportion to the two flows."""
    w = workers
    live = np.flatnonzero(w.status[:n] != cat.GONE)
    by_grade = [live[w.grade[live] == g] for g in range(cat.MAX_GRADE + 1)]
    arrival_h, arrival_cdf, promotions = np.zeros(0), np.zeros(0), 0.0
    for g, slots in enumerate(by_grade):
        entrant_share = entrant_inflow[g] / (entrant_inflow[g] + promotions) if entrant_inflow[g] + promotions else 1.0
        pass_h, pass_rate = np.full(len(slots), -1.0), np.zeros(len(slots))
        _draw_grade_spells(key, month, rules, slots, g, entrant_share, arrival_h, arrival_cdf, w.birth_month, w.sex,
                           w.migrant, w.education, w.human_capital, w.grade_month, w.quit_trait, pass_h, pass_rate)
        weights = np.where(pass_h >= 0.0, pass_rate, 0.0)
        promotions = float(weights.sum())
        arrival_h, arrival_cdf = (pass_h, rs.cdf(weights)) if promotions > 0 else (np.zeros(0), np.zeros(0))


def settle(workers, n: int, rules: R.Rules, key: np.uint64, month: int, entrant_grade_shares: np.ndarray,
           employment_growth_monthly: float, certification_drive: float) -> R.Rules:
    """Draw the within-grade and job state of workers 0..n-1 from the rules' steady state; return the rules
    with the balanced sitting rates times (1 + certification_drive).

    The sitting rates and the draws depend on each other: balance on the synthesised state, draw, balance
    again and draw again (a third round changes the rates by under 1%, measured at scale 0.005)."""
    w = workers
    for _ in range(2):
        _draw_tenure_and_trait(key, month, n, rules, w.status, w.birth_month, w.sex, w.migrant, w.grade,
                               w.human_capital, w.hire_month, w.quit_trait)
        sit = balanced_sit_rates(rules, w, n, month, entrant_grade_shares, employment_growth_monthly)
        rules = rules._replace(exam_sit_rate=sit)
        _, _, exits = _flows(rules, w, n, month)
        entrants = exits.sum() + n * employment_growth_monthly
        _draw_within_grade_state(w, n, rules, key, month, entrants * entrant_grade_shares)
    sit = balanced_sit_rates(rules, w, n, month, entrant_grade_shares, employment_growth_monthly)
    return rules._replace(exam_sit_rate=np.minimum(sit * (1.0 + certification_drive), 1.0))

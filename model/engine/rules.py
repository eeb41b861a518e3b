"""The monthly rules for one worker, as small compiled functions, and the tables they read.

The fast kernels apply these rules over the worker columns; the per-agent reference model
(benchmarks/reference_model.py) applies the very same functions one agent at a time.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from model.calibration.inputs import Calibration
from model.engine import categories as cat
from model.engine import random_streams as rs
from model.errors import InputError
from model.levers import PROGRAMMES
from model.levers.programme import COMPLETIONS

MAX_AGE_MONTHS = 100 * 12
MIN_WORKING_AGE_MONTHS = 16 * 12  # the legal minimum working age
MAX_TENURE_MONTHS = 1200
N_EDUCATIONS = len(cat.EDUCATIONS)
MAX_GRADE = cat.MAX_GRADE
BIRTH_MONTH_MIN = 1930 * 12  # retirement table covers births from 1930-01 ...
BIRTH_MONTH_COUNT = 100 * 12  # ... to 2029-12

# The logistic curve by table: x in [EXP_LOW, EXP_HIGH) at EXP_STEPS per unit, linear interpolation
# (relative error below 2e-6); exp and a division per worker dominated the quit kernel.
EXP_LOW, EXP_HIGH, EXP_STEPS = -20.0, 12.0, 256
_EXP_GRID = np.arange(EXP_LOW, EXP_HIGH + 2.0 / EXP_STEPS, 1.0 / EXP_STEPS)
_LOGISTIC_TABLE = 1.0 / (1.0 + np.exp(-_EXP_GRID))
# A lower bound of logit(u) over each 1/256 of the unit interval, 1e-3 below the exact edge so it stays
# a bound for the interpolated curve: a worker whose quit log-odds lie below it cannot quit at u.
QUIT_BINS = 256
with np.errstate(divide="ignore"):
    _EDGES = np.arange(QUIT_BINS) / QUIT_BINS
    _LOGIT_FLOOR = np.log(_EDGES) - np.log1p(-_EDGES) - 1e-3

# Human capital resolution of the wage table (h is rounded down to 1/WAGE_STEPS: 0.05% of a wage).
WAGE_STEPS = 128
MAX_HUMAN_CAPITAL = 12.0

# Event bits recorded per worker per month (for flows by group).
ENTERED, EXITED, QUIT, LAID_OFF, HIRED, CERTIFIED, RETIRED, ENROLLED = 1, 2, 4, 8, 16, 32, 64, 128
# With levers: this month the worker stayed in industrial work but would have left under the baseline's
# behaviour with the same draws (KEPT), or left but would have stayed (LOST).
KEPT, LOST = 256, 512


class Rules(NamedTuple):
    """Every coefficient the monthly rules use, as scalars and small lookup tables."""

    age_band_of_month: np.ndarray  # int8[MAX_AGE_MONTHS + 1]
    last_working_age_months: np.ndarray  # int16[(migrant * 2 + sex) * BIRTH_MONTH_COUNT + birth]
    exit_rate: np.ndarray  # float64[2 migrant statuses]
    migrant_late_exit_rate: float
    migrant_late_exit_age_months: int
    searcher_exit_rate: float
    learning_rate: float
    learning_by_education: np.ndarray  # [4]
    learning_by_age_month: np.ndarray  # learning multiplier of the age band, by age in months
    inverse_human_capital_ceiling: float
    searching_depreciation: float
    learning_noise: float
    exam_min_months: np.ndarray  # int64[6], by target grade
    exam_sit_rate: np.ndarray  # [6], by target grade; set by steady_state.settle (zero until then)
    exam_pass_rate: np.ndarray  # [6], by target grade
    human_capital_wage_return: float
    migrant_wage_gap: float
    wage_factor_of_human_capital: np.ndarray  # exp(return x h) at WAGE_STEPS per unit of h
    wage_factor_of_grade: np.ndarray  # exp(-return x grade)
    wage_factor_of_migrant: np.ndarray  # exp(gap x migrant)
    quit_base: float
    quit_by_age_month: np.ndarray  # quit log-odds of the age band, by age in months
    quit_by_tenure_month: np.ndarray  # quit log-odds of the tenure band, by tenure in months
    quit_migrant: float
    quit_by_grade: np.ndarray  # [6]
    quit_wage_elasticity: float
    quit_exit_share: np.ndarray  # [2]
    layoff_rate: float
    cross_city_search_share: np.ndarray  # [2]
    entrant_migrant_share: float
    entrant_age_cdf: np.ndarray  # cumulative shares of entrant age bands
    entrant_age_bounds_months: np.ndarray  # int64[bands + 1]
    entrant_migrant_mature_share: float  # migrant entrants aged uniformly within the mature ages instead
    entrant_mature_age_months: np.ndarray  # int64[2]: lowest and highest (excluded) age of a mature entrant
    entrant_education_cdf: np.ndarray  # [2 migrant statuses x 4 levels], flat
    entrant_human_capital: np.ndarray  # [4]
    entrant_grade_cdf: np.ndarray  # [4 education levels x 3 grades (none, junior, intermediate)], flat
    entrant_human_capital_spread: float
    entrant_male_share: float
    human_capital_output_return: float
    quit_trait_sd: float
    # effects of being in a programme, by programme code (levers.PROGRAMME_CODES; 0 = none: identity)
    programme_learning_multiplier: np.ndarray
    programme_learning_gain: np.ndarray  # human capital per month
    programme_certification_multiplier: np.ndarray
    programme_quit_shift: np.ndarray  # log-odds
    programme_seniority_share: np.ndarray  # share of the months-at-grade rule that applies
    programme_sit_floor: np.ndarray  # lowest monthly sitting probability of an eligible participant
    programme_enrolment_gain: np.ndarray  # human capital gained at once on enrolment
    programme_completion: np.ndarray  # int64: index in levers.programme.COMPLETIONS
    programme_completion_rate: np.ndarray
    programme_ends_with_the_job: np.ndarray  # bool
    exit_pay_elasticity: float  # of the hazard of leaving industrial work, to pay against the outside option


def _last_working_age_table(calibration: Calibration) -> np.ndarray:
    """Age in months at which work ends, by migrant status, sex and birth month (flattened).

    Locals leave at the statutory retirement age of their sex and birth cohort; migrants, who
    rarely draw an urban pension, at the migrant maximum working age.
    """
    law = calibration.value("statutory_retirement")
    table = np.zeros((2, 2, BIRTH_MONTH_COUNT), dtype=np.int16)
    table[1] = int(calibration.scalar("migrant_max_working_age_years") * 12)
    for s, sex in enumerate(cat.SEXES):
        rule = law[sex]
        base = int(rule["base_age_years"]) * 12
        first = int(rule["first_cohort_year"]) * 12
        step = int(rule["birth_months_per_added_month"])
        cap = int(rule["max_added_months"])
        births = BIRTH_MONTH_MIN + np.arange(BIRTH_MONTH_COUNT)
        added = np.where(births >= first, np.minimum(cap, (births - first) // step + 1), 0)
        table[0, s] = base + added
    return table.reshape(-1)


def band_lookup(lower_bounds: np.ndarray, size: int) -> np.ndarray:
    """Map 0..size-1 to the index of the band whose lower bound is the largest not above it."""
    return np.clip(np.searchsorted(lower_bounds, np.arange(size), side="right") - 1, 0, None).astype(np.int64)


def age_band_bounds_months(name: str, bands: list[str]) -> np.ndarray:
    """Bounds in months of contiguous age bands written 'lo-hi' (years, hi exclusive)."""
    try:
        pairs = [tuple(int(x) for x in band.split("-")) for band in bands]
    except ValueError:
        raise InputError(f"calibration: {name}: age bands must be written 'lo-hi' in years, e.g. '16-20'") from None
    for (lo, hi), (next_lo, _) in zip(pairs, pairs[1:] + [(pairs[-1][1], 0)], strict=True):
        if not lo < hi == next_lo:
            raise InputError(f"calibration: {name}: age bands must be increasing and contiguous")
    return np.array([lo for lo, _ in pairs] + [pairs[-1][1]], dtype=np.int64) * 12


def _by_target_grade(values: np.ndarray) -> np.ndarray:
    """Values keyed by the grade an exam leads to, indexed by that grade (index 0 unused)."""
    return np.concatenate([[0.0], values])


def _mature_entrant_ages(c: Calibration) -> np.ndarray:
    lo, hi = (int(round(float(v) * 12)) for v in c.value("entrant_migrant_mature_age_years"))
    if not lo < hi:
        raise InputError(f"calibration: entrant_migrant_mature_age_years: {lo / 12:g} must be below {hi / 12:g}")
    return np.array([lo, hi], dtype=np.int64)


def _entrant_grade_cdf(c: Calibration) -> np.ndarray:
    """Cumulative shares of entrants arriving ungraded, with 初级 and with 中级, by education level."""
    rows = []
    for education in cat.EDUCATIONS:
        shares = c.value("entrant_grade_by_education")[education]
        junior, intermediate = float(shares["junior"]), float(shares["intermediate"])
        if junior + intermediate > 1.0:
            raise InputError(f"calibration: entrant_grade_by_education.{education}: junior + intermediate is "
                             f"{junior + intermediate:g}; the allowed range is 0 to 1")
        rows.append(rs.cdf(np.array([1.0 - junior - intermediate, junior, intermediate])))
    return np.concatenate(rows)


def entrant_grade_shares(rules: Rules) -> np.ndarray:
    """Expected share of entrants arriving at each grade (float64[6]), from the entrant education mix."""
    education = np.diff(rules.entrant_education_cdf.reshape(2, N_EDUCATIONS), prepend=0.0, axis=1)
    by_status = np.array([1.0 - rules.entrant_migrant_share, rules.entrant_migrant_share])
    grade = np.diff(rules.entrant_grade_cdf.reshape(N_EDUCATIONS, 3), prepend=0.0, axis=1)
    shares = np.zeros(len(cat.GRADES))
    shares[:3] = (by_status @ education) @ grade
    return shares


def grade_pay_ladder(calibration: Calibration) -> np.ndarray:
    """Relative pay of each grade in an employer's schedule (float64[6], none = 1).

    The causal certificate premia (`certificate_wage_premium`, by grade reached) cumulated, times
    exp(return x grade), which the wage's human-capital term exp(return x (h - grade)) cancels: a worker's
    wage is the employer's level x exp(premia up to the grade) x exp(return x h), so a pass raises pay by the
    new grade's premium whatever the worker's skill, and never cuts it."""
    premia = np.concatenate([[0.0], calibration.vector("certificate_wage_premium", cat.GRADES[1:])])
    grades = np.arange(len(cat.GRADES))
    return np.exp(np.cumsum(premia) + calibration.scalar("human_capital_wage_return") * grades)


def _programme_tables(c: Calibration) -> dict[str, np.ndarray]:
    """The programmes' effects (levers.PROGRAMMES) as tables by programme code, code 0 (none) the identity."""
    def table(effect: str, identity: float, of_value=lambda v: v) -> np.ndarray:  # noqa: ANN001
        return np.array([identity] + [identity if getattr(p, effect) is None else of_value(c.scalar(getattr(p, effect)))
                                      for p in PROGRAMMES])

    return {
        "programme_learning_multiplier": table("learning_multiplier", 1.0),
        "programme_learning_gain": table("learning_gain", 0.0),
        "programme_certification_multiplier": table("certification_multiplier", 1.0),
        "programme_quit_shift": table("quit_shift", 0.0),
        "programme_sit_floor": table("sit_floor", 0.0),
        "programme_seniority_share": table("seniority_cut", 1.0, lambda cut: 1.0 - cut),
        "programme_enrolment_gain": table("enrolment_gain", 0.0),
        "programme_completion": np.array([0] + [COMPLETIONS.index(p.completion) for p in PROGRAMMES], dtype=np.int64),
        "programme_completion_rate": table("completion_rate", 0.0),
        "programme_ends_with_the_job": np.array([False] + [p.ends_with_the_job for p in PROGRAMMES]),
    }


def build_rules(calibration: Calibration) -> Rules:
    """Turn the calibration files' values into the rules' tables (category order of categories.py)."""
    c = calibration
    grades_up = cat.GRADES[1:]
    tenure_bounds = np.array(sorted(int(k) for k in c.value("quit_by_tenure_band")))
    # per-band coefficients are spread over months of age and tenure: one lookup in the hot loops
    age_band_of_month = band_lookup(np.array(cat.AGE_BAND_LOWER_YEARS) * 12, MAX_AGE_MONTHS + 1)
    entrant_bands = list(c.value("entrant_age_bands"))
    entrant_bounds = age_band_bounds_months("entrant_age_bands", entrant_bands)
    exam_min = _by_target_grade(c.vector("exam_min_months_at_grade", grades_up)).astype(np.int64)
    pass_rate = _by_target_grade(c.vector("exam_pass_rate", grades_up))
    return Rules(
        age_band_of_month=age_band_of_month.astype(np.int8),
        last_working_age_months=_last_working_age_table(c),
        exit_rate=np.array([c.scalar("local_exit_rate_monthly"), c.scalar("migrant_exit_rate_monthly")]),
        migrant_late_exit_rate=c.scalar("migrant_late_exit_rate_monthly"),
        migrant_late_exit_age_months=int(c.scalar("migrant_late_exit_age_years") * 12),
        searcher_exit_rate=c.scalar("searcher_exit_rate_monthly"),
        learning_rate=c.scalar("learning_rate_monthly"),
        learning_by_education=c.vector("learning_by_education", cat.EDUCATIONS),
        learning_by_age_month=c.vector("learning_by_age_band", cat.AGE_BANDS)[age_band_of_month],
        inverse_human_capital_ceiling=1.0 / c.scalar("human_capital_ceiling"),
        searching_depreciation=c.scalar("searching_depreciation_monthly"),
        learning_noise=c.scalar("learning_noise"),
        exam_min_months=exam_min,
        exam_sit_rate=np.zeros(len(cat.GRADES)),
        exam_pass_rate=pass_rate,
        human_capital_wage_return=c.scalar("human_capital_wage_return"),
        migrant_wage_gap=c.scalar("migrant_wage_gap"),
        wage_factor_of_human_capital=np.exp(c.scalar("human_capital_wage_return")
                                            * np.arange(int(MAX_HUMAN_CAPITAL * WAGE_STEPS) + 1) / WAGE_STEPS),
        wage_factor_of_grade=np.exp(-c.scalar("human_capital_wage_return") * np.arange(len(cat.GRADES))),
        wage_factor_of_migrant=np.exp(c.scalar("migrant_wage_gap") * np.arange(2)),
        quit_base=c.scalar("quit_base_logit"),
        quit_by_age_month=c.vector("quit_by_age_band", cat.AGE_BANDS)[age_band_of_month],
        quit_by_tenure_month=c.vector("quit_by_tenure_band", tenure_bounds)[
            band_lookup(tenure_bounds, MAX_TENURE_MONTHS + 1)],
        quit_migrant=c.scalar("quit_migrant"),
        quit_by_grade=c.vector("quit_by_grade", cat.GRADES),
        quit_wage_elasticity=c.scalar("quit_wage_elasticity"),
        quit_exit_share=c.vector("quit_exit_share", cat.MIGRANT_STATUSES),
        layoff_rate=c.scalar("layoff_rate_monthly"),
        cross_city_search_share=c.vector("cross_city_search_share", cat.MIGRANT_STATUSES),
        entrant_migrant_share=c.scalar("entrant_migrant_share"),
        entrant_age_cdf=rs.cdf(c.vector("entrant_age_bands", entrant_bands)),
        entrant_age_bounds_months=entrant_bounds.astype(np.int64),
        entrant_migrant_mature_share=c.scalar("entrant_migrant_mature_share"),
        entrant_mature_age_months=_mature_entrant_ages(c),
        entrant_education_cdf=np.concatenate([
            rs.cdf(c.vector("entrant_local_education", cat.EDUCATIONS)),
            rs.cdf(c.vector("entrant_migrant_education", cat.EDUCATIONS)),
        ]),
        entrant_human_capital=c.vector("entrant_human_capital", cat.EDUCATIONS),
        entrant_grade_cdf=_entrant_grade_cdf(c),
        entrant_human_capital_spread=c.scalar("entrant_human_capital_spread"),
        entrant_male_share=c.scalar("male_share"),
        human_capital_output_return=c.scalar("human_capital_output_return"),
        quit_trait_sd=c.scalar("quit_trait_sd"),
        **_programme_tables(c),
        exit_pay_elasticity=c.scalar("exit_pay_elasticity"),
    )


# --- the rules ------------------------------------------------------------------------------

@njit(cache=True, inline="always")
def logistic(x):
    """1 / (1 + exp(-x)) from a table with linear interpolation (no division, no libm call)."""
    if not EXP_LOW <= x < EXP_HIGH:
        return 1.0 / (1.0 + math.exp(-x))
    position = (x - EXP_LOW) * EXP_STEPS
    k = int(position)
    frac = position - k
    return _LOGISTIC_TABLE[k] + frac * (_LOGISTIC_TABLE[k + 1] - _LOGISTIC_TABLE[k])


@njit(cache=True, inline="always")
def age_band(rules, age_months):
    return rules.age_band_of_month[min(age_months, MAX_AGE_MONTHS)]


@njit(cache=True, inline="always")
def leaves_by_age(rules, month, age_months, sex, migrant):
    """True when a worker reaches the end of working life this month (locals: statutory age)."""
    birth = min(max(month - age_months - BIRTH_MONTH_MIN, 0), BIRTH_MONTH_COUNT - 1)
    return age_months >= rules.last_working_age_months[(migrant * 2 + sex) * BIRTH_MONTH_COUNT + birth]


@njit(cache=True, inline="always")
def exit_probability(rules, searching, age_months, migrant):
    """Monthly hazard of leaving industrial work for reasons other than retirement or quitting."""
    if searching:
        return rules.searcher_exit_rate
    late = migrant * (age_months >= rules.migrant_late_exit_age_months)  # branch-free: migrant is random
    return rules.exit_rate[migrant] + late * rules.migrant_late_exit_rate


@njit(cache=True, inline="always")
def leaving_factor(rules, log_uplift):
    """Multiplier of the hazard of leaving industrial work when policy raises a worker's pay by `log_uplift`
    (log points) against the outside option (other sectors' pay, which the reform leaves alone)."""
    return math.exp(-rules.exit_pay_elasticity * log_uplift)


@njit(cache=True)
def leaving_factors(rules, log_uplift):
    """`leaving_factor` of every employer and grade: float64[employers, grades], looked up by the kernels
    instead of an exponential per worker."""
    out = np.empty_like(log_uplift)
    for e in range(log_uplift.shape[0]):
        for g in range(log_uplift.shape[1]):
            out[e, g] = leaving_factor(rules, log_uplift[e, g])
    return out


@njit(cache=True, inline="always")
def learned_human_capital(rules, h, education, age_months, learning_multiplier, u):
    """Human capital after a month of work: learning by doing toward the ceiling, with noise."""
    gain = (rules.learning_rate * rules.learning_by_education[education]
            * rules.learning_by_age_month[min(age_months, MAX_AGE_MONTHS)] * learning_multiplier
            * (1.0 - h * rules.inverse_human_capital_ceiling))
    gain *= 1.0 - 0.5 * rules.learning_noise + rules.learning_noise * u
    return h + max(gain, 0.0)


@njit(cache=True, inline="always")
def searching_human_capital(rules, h):
    return h * (1.0 - rules.searching_depreciation)


@njit(cache=True, inline="always")
def passes_exam(rules, grade, h, months_at_grade, u, sit_multiplier, sit_floor, seniority_share):
    """Eligible workers (human capital at the next grade, enough months at grade) sit and may pass.
    Policy (training, the career ladder) multiplies the sitting rate, capped at 1, and a course that ends in
    the assessment sets a floor under it; training and competition preparation shorten the months-at-grade
    rule to `seniority_share` of it."""
    target = min(grade + 1, MAX_GRADE)
    # eligibility as arithmetic, not branches: it is close to a coin flip for many workers, and a
    # branch on it cost a misprediction each; the one branch left (on the rare pass) is predictable
    seniority = rules.exam_min_months[target] * seniority_share
    eligible = (grade < MAX_GRADE) * (h >= target) * (months_at_grade >= seniority)
    sitting = max(min(1.0, rules.exam_sit_rate[target] * sit_multiplier), sit_floor)
    return u < eligible * sitting * rules.exam_pass_rate[target]


@njit(cache=True, inline="always")
def relative_log_wage(rules, grade, h, migrant):
    """Log wage relative to the employer's schedule for the grade: human capital and migrant gap."""
    return rules.human_capital_wage_return * (h - grade) + rules.migrant_wage_gap * migrant


@njit(cache=True, inline="always")
def wage(rules, schedule, grade, h, migrant):
    """Monthly wage: the employer's schedule for the grade times exp(relative_log_wage), from tables."""
    k = min(int(h * WAGE_STEPS), rules.wage_factor_of_human_capital.shape[0] - 1)
    return (schedule * rules.wage_factor_of_human_capital[k] * rules.wage_factor_of_grade[grade]
            * rules.wage_factor_of_migrant[migrant])


@njit(cache=True, inline="always")
def quits(u, logit):
    """Whether a worker with quit log-odds `logit` (quit_log_odds plus any policy shift) quits at draw u:
    u < logistic(logit), skipping the curve when the log-odds lie below a bound of logit(u) (most workers,
    most months)."""
    if logit < _LOGIT_FLOOR[int(u * QUIT_BINS)]:
        return False
    return u < logistic(logit)


@njit(cache=True, inline="always")
def quit_probability(rules, trait, age_months, tenure_months, migrant, grade, log_wage_gap, policy_shift):
    """Monthly quit hazard: logistic in trait, age, tenure, migrant status, grade and relative wage,
    shifted by policy (career ladder, innovation rewards, apprenticeship)."""
    return logistic(quit_log_odds(rules, trait, age_months, tenure_months, migrant, grade, log_wage_gap)
                    + policy_shift)


@njit(cache=True, inline="always")
def quit_log_odds(rules, trait, age_months, tenure_months, migrant, grade, log_wage_gap):
    tenure = min(tenure_months, MAX_TENURE_MONTHS)
    logit = (rules.quit_base + trait + rules.quit_by_age_month[min(age_months, MAX_AGE_MONTHS)]
             + rules.quit_by_tenure_month[tenure]
             + rules.quit_migrant * migrant + rules.quit_by_grade[grade]
             - rules.quit_wage_elasticity * log_wage_gap)
    return logit


@njit(cache=True, inline="always")
def output_units(rules, productivity, h):
    return productivity * (1.0 + rules.human_capital_output_return * h)


@njit(cache=True, inline="always")
def entrant_profile(rules, person, month):
    """Migrant status, sex, age in months, education, grade, human capital and quit trait of an entering person.

    Vocational-school graduates may arrive with a certificate (技工学校/中职 graduates may apply for 四级/中级
    directly under the national standards' rules), by education level."""
    u_migrant, u_sex = rs.draw_pair(person, month, rs.ENTRY_MIGRANT_AND_SEX)
    migrant = 1 if u_migrant < rules.entrant_migrant_share else 0
    sex = 0 if u_sex < rules.entrant_male_share else 1
    u_band, u_within = rs.draw_pair(person, month, rs.ENTRY_AGE)
    mature = rules.entrant_migrant_mature_share * migrant
    if u_band < mature:  # a migrant coming to industrial work from other work or from home, not from school
        lo, hi = rules.entrant_mature_age_months[0], rules.entrant_mature_age_months[1]
    else:
        band = rs.pick(rules.entrant_age_cdf, (u_band - mature) / (1.0 - mature))
        lo, hi = rules.entrant_age_bounds_months[band], rules.entrant_age_bounds_months[band + 1]
    age = lo + int(u_within * (hi - lo))
    u_education, u_human_capital = rs.draw_pair(person, month, rs.ENTRY_EDUCATION_AND_HUMAN_CAPITAL)
    education = rs.pick_in(rules.entrant_education_cdf, migrant * N_EDUCATIONS, N_EDUCATIONS, u_education)
    grade = rs.pick_in(rules.entrant_grade_cdf, education * 3, 3, rs.draw(person, month, rs.ENTRY_GRADE))
    h = entrant_human_capital(rules, education, grade, u_human_capital)
    trait = rules.quit_trait_sd * rs.draw_normal(person, month, rs.ENTRY_TRAIT)
    return migrant, sex, age, education, grade, h, trait


@njit(cache=True, inline="always")
def entrant_human_capital(rules, education, grade, u):
    """Human capital of a new worker: the grade a school certificate gives plus what the education brings."""
    return grade + rules.entrant_human_capital[education] + rules.entrant_human_capital_spread * u

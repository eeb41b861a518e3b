"""Compiled kernels of the month, one per phase, each a plain function over the worker columns.

Each kernel applies the rules of model/rules.py to every slot in parallel. A slot's outcome depends
only on its own columns and counter-based draws, so results do not depend on the thread count;
per-employer counts are kept per fixed-size chunk and added up afterwards.
"""

import numpy as np
from numba import njit, prange

from model import categories as cat
from model import random_streams as rs
from model import rules as R

CHUNK = 1 << 16  # slots per chunk for per-chunk partial counts


@njit(parallel=True, cache=True)
def demography(key, month, rules, status, age_months, sex, migrant, events):
    """Ageing, retirement and other exits out of industrial work."""
    for i in prange(status.shape[0]):
        events[i] = 0
        if status[i] == cat.GONE:
            continue
        age = age_months[i] + 1
        age_months[i] = age
        if R.leaves_by_age(rules, month, age, sex[i], migrant[i]):
            status[i] = cat.GONE
            events[i] = R.EXITED | R.RETIRED
        elif rs.uniform(key, month, i, rs.EXIT) < R.exit_probability(rules, status[i] == cat.SEARCHING, age, migrant[i]):
            status[i] = cat.GONE
            events[i] = R.EXITED


@njit(parallel=True, cache=True)
def skills(key, month, rules, status, employer, age_months, education, grade, human_capital, tenure_months,
           grade_months, search_months, events, learning_multiplier):
    """Learning by doing at work, then exams for the next grade; depreciation while searching."""
    for i in prange(status.shape[0]):
        if status[i] == cat.EMPLOYED:
            u_learn, u_exam = rs.uniform_pair(key, month, i, rs.LEARN_AND_EXAM)
            h = R.learned_human_capital(rules, human_capital[i], education[i], age_months[i],
                                        learning_multiplier[employer[i]], u_learn)
            human_capital[i] = h
            tenure_months[i] = min(tenure_months[i] + 1, R.MAX_CLOCK_MONTHS)
            months_at_grade = min(grade_months[i] + 1, R.MAX_CLOCK_MONTHS)
            if R.passes_exam(rules, grade[i], human_capital[i], months_at_grade, u_exam):
                grade[i] += 1
                months_at_grade = 0
                events[i] |= R.CERTIFIED
            grade_months[i] = months_at_grade
        elif status[i] == cat.SEARCHING:
            human_capital[i] = R.searching_human_capital(rules, human_capital[i])
            search_months[i] = min(search_months[i] + 1, R.MAX_CLOCK_MONTHS)


@njit(parallel=True, cache=True)
def wages(rules, status, employer, grade, human_capital, migrant, wage_yuan_month, grade_wage):
    """Wage = employer's schedule for the grade x human-capital and migrant terms."""
    for i in prange(status.shape[0]):
        if status[i] == cat.EMPLOYED:
            g = grade[i]
            wage_yuan_month[i] = R.wage(rules, grade_wage[employer[i], g], g, human_capital[i], migrant[i])


@njit(parallel=True, cache=True)
def separations(key, month, rules, status, employer, age_months, tenure_months, migrant, grade, human_capital,
                quit_trait, search_months, events, log_wage_gap, employed_by_chunk):
    """Quits and layoffs; quitters leave industry or search. Counts who stays, per employer and chunk."""
    n = status.shape[0]
    for c in prange(employed_by_chunk.shape[0]):
        employed_by_chunk[c, :] = 0
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            if status[i] != cat.EMPLOYED:
                continue
            m, g, e, h = migrant[i], grade[i], employer[i], human_capital[i]
            gap = log_wage_gap[e, g] + R.relative_log_wage(rules, g, h, m)
            u_quit, u_layoff = rs.uniform_pair(key, month, i, rs.QUIT_OR_LAYOFF)
            if R.quits(rules, u_quit, quit_trait[i], age_months[i], tenure_months[i], m, g, gap):
                events[i] |= R.QUIT
                search_months[i] = 0
                if rs.uniform(key, month, i, rs.QUIT_DESTINATION) < rules.quit_exit_share[m]:
                    status[i] = cat.GONE
                    events[i] |= R.EXITED
                else:
                    status[i] = cat.SEARCHING
            elif u_layoff < rules.layoff_rate:
                events[i] |= R.LAID_OFF
                search_months[i] = 0
                status[i] = cat.SEARCHING
            else:
                employed_by_chunk[c, e] += 1


@njit(parallel=True, cache=True)
def choose_search_city(key, month, rules, searchers, employer, employer_city, migrant, city_vacancy_cdf,
                       search_city):
    """Most searchers look in their own city; a share look where the vacancies are."""
    for j in prange(searchers.shape[0]):
        i = searchers[j]
        if rs.uniform(key, month, i, rs.SEARCH_ABROAD) < rules.cross_city_search_share[migrant[i]]:
            search_city[j] = rs.pick(city_vacancy_cdf, rs.uniform(key, month, i, rs.SEARCH_CITY))
        else:
            search_city[j] = employer_city[employer[i]]


@njit(parallel=True, cache=True)
def match(key, month, rules, searchers, search_city, job_finding, city_first, city_count, employer_cdf,
          employers_by_city, status, employer, tenure_months, search_months, events, grade, human_capital,
          migrant, wage_yuan_month, grade_wage):
    """Searchers find a job with their city's job-finding rate, at an employer drawn by vacancies."""
    for j in prange(searchers.shape[0]):
        i = searchers[j]
        c = search_city[j]
        if city_count[c] == 0 or rs.uniform(key, month, i, rs.MATCH) >= job_finding[c]:
            continue
        lo = city_first[c]
        e = employers_by_city[lo + rs.pick_in(employer_cdf, lo, city_count[c], rs.uniform(key, month, i, rs.MATCH_EMPLOYER))]
        status[i] = cat.EMPLOYED
        employer[i] = e
        tenure_months[i] = 0
        search_months[i] = 0
        events[i] |= R.HIRED
        g = grade[i]
        wage_yuan_month[i] = R.wage(rules, grade_wage[e, g], g, human_capital[i], migrant[i])


@njit(inline="always")
def _selected(status, events, i, free):
    if free:  # free since before this month: slots vacated this month are not reused yet
        return status[i] == cat.GONE and events[i] == 0
    return status[i] == cat.SEARCHING


@njit(parallel=True, cache=True)
def select_slots(status, events, free, limit):
    """Slots in slot order, at most `limit`: free slots (free=True) or searchers (free=False).

    Counted per chunk in parallel, then written at each chunk's offset: the order is that of a serial scan.
    """
    n = status.shape[0]
    n_chunks = (n + CHUNK - 1) // CHUNK
    counts = np.zeros(n_chunks, dtype=np.int64)
    for c in prange(n_chunks):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            counts[c] += _selected(status, events, i, free)
    offsets = np.zeros(n_chunks + 1, dtype=np.int64)
    offsets[1:] = np.cumsum(counts)
    out = np.empty(min(offsets[-1], limit), dtype=np.int64)
    for c in prange(n_chunks):
        j = offsets[c]
        if j >= limit:
            continue
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            if _selected(status, events, i, free):
                out[j] = i
                j += 1
                if j >= limit:
                    break
    return out


@njit(parallel=True, cache=True)
def enter(key, month, rules, slots, employer_cdf, status, employer, age_months, sex, migrant, education, grade,
          human_capital, wage_yuan_month, tenure_months, grade_months, search_months, quit_trait, events,
          grade_wage):
    """New workers (school leavers, migrants) take free slots and join employers with open vacancies."""
    for j in prange(slots.shape[0]):
        i = slots[j]
        m, s, age, edu, h, trait = R.entrant_profile(rules, key, month, i)
        e = rs.pick(employer_cdf, rs.uniform(key, month, i, rs.ENTRY_EMPLOYER))
        status[i] = cat.EMPLOYED
        employer[i] = e
        age_months[i] = age
        sex[i] = s
        migrant[i] = m
        education[i] = edu
        grade[i] = 0
        human_capital[i] = h
        quit_trait[i] = trait
        tenure_months[i] = 0
        grade_months[i] = 0
        search_months[i] = 0
        events[i] = R.ENTERED
        wage_yuan_month[i] = R.wage(rules, grade_wage[e, 0], 0, h, m)

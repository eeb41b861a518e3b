"""Compiled kernels of the month, one per phase, each a plain function over the worker columns (one value,
population.Workers, unpacked at the top of each kernel).

Each kernel applies the rules of model/engine/rules.py to every slot in parallel. A slot's outcome depends
only on its own columns and counter-based draws, so results do not depend on the thread count;
per-employer counts are kept per fixed-size chunk and added up afterwards.
"""

import numpy as np
from numba import njit, prange

from model.engine import categories as cat
from model.engine import random_streams as rs
from model.engine import rules as R
from model.engine.population import CHUNK


@njit(parallel=True, cache=True)
def demography_and_learning(w, month, rules, learning_multiplier, leaving, use_policy):
    """Retirement and other exits out of industrial work, then learning by doing for those at work
    (depreciation while searching) plus what a programme adds. Ageing is the calendar: age = month - birth month.
    Programmes are read only when `use_policy` (the scenario sets levers): the baseline reads no more
    than it needs (this and the flags of the kernels below cost ~10% at full scale when set). With levers,
    a pay uplift lowers the exit hazard of the employed by `leaving[employer, grade]` (rules.leaving_factors);
    who stays only for it is marked KEPT.

    One pass with one hash for both draws: each alone was a full sweep of the columns.
    """
    person = w.person
    status = w.status
    employer = w.employer
    grade = w.grade
    birth_month = w.birth_month
    sex = w.sex
    migrant = w.migrant
    education = w.education
    human_capital = w.human_capital
    events = w.events
    programme = w.programme
    for i in prange(status.shape[0]):
        events[i] = 0
        st = status[i]
        if st == cat.GONE:
            continue
        age = month - birth_month[i]
        u_exit, u_learn = rs.draw_pair(person[i], month, rs.EXIT_AND_LEARN)
        p_exit = R.exit_probability(rules, st == cat.SEARCHING, age, migrant[i])
        p_baseline = p_exit
        if use_policy and st == cat.EMPLOYED:
            p_exit *= leaving[employer[i], grade[i]]
        if R.leaves_by_age(rules, month, age, sex[i], migrant[i]):
            status[i] = cat.GONE
            events[i] = R.EXITED | R.RETIRED
        elif u_exit < p_exit:
            status[i] = cat.GONE
            events[i] = R.EXITED | (R.LOST if u_exit >= p_baseline else 0)
        elif st == cat.EMPLOYED:
            if u_exit < p_baseline:
                events[i] = R.KEPT
            multiplier, gain = learning_multiplier[employer[i]], 0.0
            if use_policy:
                p = programme[i]
                multiplier, gain = multiplier * rules.programme_learning_multiplier[p], rules.programme_learning_gain[p]
            human_capital[i] = R.learned_human_capital(rules, human_capital[i], education[i], age, multiplier,
                                                       u_learn) + gain
        else:
            gain = rules.programme_learning_gain[programme[i]] if use_policy else 0.0
            human_capital[i] = R.searching_human_capital(rules, human_capital[i]) + gain


@njit(parallel=True, cache=True)
def certification(w, month, rules, sit_multiplier, use_policy):
    """Exams: eligible employed workers sit for the next grade; a pass raises the grade. The sitting
    rate is multiplied by the employer's policy (by target grade) and the worker's programme; training and
    competition preparation shorten the months-at-grade rule.

    A separate pass from learning: fused, the loop ran up to twice as slowly once many workers
    were eligible (measured), although each part alone does not depend on the data.
    """
    person = w.person
    status = w.status
    employer = w.employer
    grade = w.grade
    human_capital = w.human_capital
    grade_month = w.grade_month
    events = w.events
    programme = w.programme
    for i in prange(status.shape[0]):
        if status[i] == cat.EMPLOYED:
            g = grade[i]
            multiplier, floor, seniority = 1.0, 0.0, 1.0
            if use_policy:
                p = programme[i]
                multiplier = (sit_multiplier[employer[i], min(g + 1, cat.MAX_GRADE)]
                              * rules.programme_certification_multiplier[p])
                floor, seniority = rules.programme_sit_floor[p], rules.programme_seniority_share[p]
            if R.passes_exam(rules, g, human_capital[i], month - grade_month[i], rs.draw(person[i], month, rs.EXAM),
                             multiplier, floor, seniority):
                grade[i] += 1
                grade_month[i] = month
                events[i] |= R.CERTIFIED


@njit(parallel=True, cache=True)
def wages(w, rules, grade_wage):
    """Wage = employer's schedule for the grade x human-capital and migrant terms."""
    status = w.status
    employer = w.employer
    grade = w.grade
    human_capital = w.human_capital
    migrant = w.migrant
    wage_yuan_month = w.wage_yuan_month
    for i in prange(status.shape[0]):
        if status[i] == cat.EMPLOYED:
            g = grade[i]
            wage_yuan_month[i] = R.wage(rules, grade_wage[employer[i], g], g, human_capital[i], migrant[i])


@njit(parallel=True, cache=True)
def separations(w, month, rules, log_wage_gap, quit_shift, leaving, use_policy, employed_by_chunk, slot_counts,
                searcher_list, free_list):
    """Quits and layoffs; quitters leave industry or search. Policy shifts the quit log-odds by employer
    and grade, and by the worker's programme; a pay uplift makes a quitter less likely to leave industrial
    work. A worker who stays in industrial work only for the policy (same draws, the baseline's quit shift
    and leaving share) is marked KEPT, one who leaves only for it LOST.

    Counts per chunk who stays employed, by employer, and lists per chunk (population.ChunkLists: chunk c's from
    position c * CHUNK of `searcher_list` and `free_list`, counted in `slot_counts`) the searchers and the slots
    free since before this month (slots vacated this month are not reused until next month), for `gather_listed`.
    """
    person = w.person
    status = w.status
    employer = w.employer
    birth_month = w.birth_month
    hire_month = w.hire_month
    migrant = w.migrant
    grade = w.grade
    human_capital = w.human_capital
    quit_trait = w.quit_trait
    events = w.events
    programme = w.programme
    n = status.shape[0]
    for c in prange(employed_by_chunk.shape[0]):
        employed_by_chunk[c, :] = 0
        searching, free = c * CHUNK, c * CHUNK  # where the chunk's next searcher and free slot are listed
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            if status[i] != cat.EMPLOYED:
                if status[i] == cat.SEARCHING:
                    searcher_list[searching] = i
                    searching += 1
                elif events[i] == 0:  # gone before this month
                    free_list[free] = i
                    free += 1
                continue
            m, g, e, h = migrant[i], grade[i], employer[i], human_capital[i]
            gap = log_wage_gap[e, g] + R.relative_log_wage(rules, g, h, m)
            u_quit, u_layoff = rs.draw_pair(person[i], month, rs.QUIT_OR_LAYOFF)
            age, tenure = month - birth_month[i], month - hire_month[i]
            logit = R.quit_log_odds(rules, quit_trait[i], age, tenure, m, g, gap)
            shift, exit_share = 0.0, rules.quit_exit_share[m]
            if use_policy:
                shift = quit_shift[e, g] + rules.programme_quit_shift[programme[i]]
                exit_share *= leaving[e, g]
                if R.quits(u_quit, logit) and (rs.draw(person[i], month, rs.QUIT_DESTINATION)
                                               < rules.quit_exit_share[m]):
                    events[i] |= R.KEPT  # would have left: undone below if the worker leaves after all
            if R.quits(u_quit, logit + shift):
                events[i] |= R.QUIT
                if rs.draw(person[i], month, rs.QUIT_DESTINATION) < exit_share:
                    status[i] = cat.GONE
                    events[i] |= R.EXITED
                    if events[i] & R.KEPT:  # would have left anyway
                        events[i] ^= R.KEPT
                    elif use_policy:
                        events[i] |= R.LOST
                else:
                    status[i] = cat.SEARCHING
                    searcher_list[searching] = i
                    searching += 1
            elif u_layoff < rules.layoff_rate:
                events[i] |= R.LAID_OFF
                status[i] = cat.SEARCHING
                searcher_list[searching] = i
                searching += 1
            else:
                employed_by_chunk[c, e] += 1
        slot_counts[c, 0], slot_counts[c, 1] = searching - c * CHUNK, free - c * CHUNK


@njit(parallel=True, cache=True)
def choose_search_city(w, month, rules, searchers, employer_city, city_vacancy_cdf, search_city):
    """Most searchers look in their own city; a share look where the vacancies are."""
    person = w.person
    employer = w.employer
    migrant = w.migrant
    for j in prange(searchers.shape[0]):
        i = searchers[j]
        if rs.draw(person[i], month, rs.SEARCH_ABROAD) < rules.cross_city_search_share[migrant[i]]:
            search_city[j] = rs.pick(city_vacancy_cdf, rs.draw(person[i], month, rs.SEARCH_CITY))
        else:
            search_city[j] = employer_city[employer[i]]


@njit(parallel=True, cache=True)
def match(w, month, searchers, search_city, job_finding, city_first, city_count, employer_cdf, employers_by_city,
          hired_by):
    """Searchers find a job with their city's job-finding rate, at an employer drawn by vacancies. A hire's wage
    is set by the accounting pass, which pays every employed worker from the month's schedule (nothing reads it
    before).

    `hired_by[j]` is set to the employer of searcher j when hired (left as it is otherwise).
    """
    person = w.person
    status = w.status
    employer = w.employer
    hire_month = w.hire_month
    events = w.events
    for j in prange(searchers.shape[0]):
        i = searchers[j]
        c = search_city[j]
        if city_count[c] == 0 or rs.draw(person[i], month, rs.MATCH) >= job_finding[c]:
            continue
        lo = city_first[c]
        u_employer = rs.draw(person[i], month, rs.MATCH_EMPLOYER)
        e = employers_by_city[lo + rs.pick_in(employer_cdf, lo, city_count[c], u_employer)]
        status[i] = cat.EMPLOYED
        employer[i] = e
        hire_month[i] = month
        events[i] |= R.HIRED
        hired_by[j] = e


@njit(parallel=True, cache=True)
def gather_listed(listed, counts, out):
    """The first len(out) slots listed per chunk (chunk c's `counts[c]` from position c * CHUNK of `listed`, as
    `separations` lists them), in slot order, into `out`."""
    first = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    first[1:] = np.cumsum(counts)
    for c in prange(counts.shape[0]):
        for j in range(max(0, min(counts[c], out.shape[0] - first[c]))):
            out[first[c] + j] = listed[c * CHUNK + j]


@njit(parallel=True, cache=True)
def enter(key, month, rules, slots, employer_cdf, w):
    """New workers (school leavers, migrants) take free slots and join employers with open vacancies (paid from the
    schedule by the accounting pass, as hires are)."""
    person = w.person
    status = w.status
    employer = w.employer
    birth_month = w.birth_month
    sex = w.sex
    migrant = w.migrant
    education = w.education
    grade = w.grade
    human_capital = w.human_capital
    hire_month = w.hire_month
    grade_month = w.grade_month
    quit_trait = w.quit_trait
    events = w.events
    programme = w.programme
    programme_months = w.programme_months
    for j in prange(slots.shape[0]):
        i = slots[j]
        who = rs.person_id(key, (month << 32) | j)  # the month's j-th entrant is the same person in every run
        person[i] = who
        m, s, age, edu, g, h, trait = R.entrant_profile(rules, who, month)
        e = rs.pick(employer_cdf, rs.draw(person[i], month, rs.ENTRY_EMPLOYER))
        status[i] = cat.EMPLOYED
        employer[i] = e
        birth_month[i] = month - age
        sex[i] = s
        migrant[i] = m
        education[i] = edu
        grade[i] = g
        human_capital[i] = h
        quit_trait[i] = trait
        hire_month[i] = month
        grade_month[i] = month
        events[i] = R.ENTERED
        programme[i] = cat.NO_PROGRAMME
        programme_months[i] = 0


@njit(parallel=True, cache=True)
def kept_and_lost(events):
    """Workers kept in and lost to industrial work by policy this month (rules.KEPT, rules.LOST)."""
    kept, lost = 0, 0
    for i in prange(events.shape[0]):
        kept += (events[i] & R.KEPT) != 0
        lost += (events[i] & R.LOST) != 0
    return kept, lost


@njit(parallel=True, cache=True)
def wage_bill_by_employer(w, n_employers):
    """Employed headcount and wage bill per employer (per-chunk partial sums, added in chunk order)."""
    status = w.status
    employer = w.employer
    wage_yuan_month = w.wage_yuan_month
    n = status.shape[0]
    n_chunks = (n + CHUNK - 1) // CHUNK
    headcount = np.zeros((n_chunks, n_employers), dtype=np.int64)
    bill = np.zeros((n_chunks, n_employers))
    for c in prange(n_chunks):
        for i in range(c * CHUNK, min(n, (c + 1) * CHUNK)):
            if status[i] == cat.EMPLOYED:
                headcount[c, employer[i]] += 1
                bill[c, employer[i]] += wage_yuan_month[i]
    return headcount.sum(axis=0), bill.sum(axis=0)

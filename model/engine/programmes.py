"""Programmes (the levers' `PROGRAMME` declarations): enrolment by application to rationed offers, starts at
entry, and completion. Kernels over the worker columns; rationing of offers in numpy.

Rationing rule: each month, eligible workers at covered employers apply with the offer's take-up
probability, to one programme at most: one draw per worker (keyed by the person and month) is laid
against the take-up probabilities of the offers in order (training, education upgrade, competitions).
If applicants exceed what is left of the calendar year's quota or budget (spread evenly over the
months, unused allowance carried forward within the year), applicants are served in increasing
order of their draw (ties by slot), as if in order of application, until the next one would exceed
the quota or the budget.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from model.engine import categories as cat
from model.engine import random_streams as rs
from model.engine import rules as R
from model.engine.population import CHUNK, ChunkLists, Workers
from model.levers.policy import Offer
from model.levers.programme import COMPLETIONS

_COMPLETES_GRADE, _COMPLETES_EDUCATION = COMPLETIONS.index("grade"), COMPLETIONS.index("education")


@njit(cache=True, inline="always")
def _advance_worker(i, month, rules, completion_grade, person, status, grade, grade_month, education, programme,
                    programme_months, events):
    """One month on for worker i if in a programme: a programme that ends with the job ends if the worker left
    the employer; in its last month it completes (rules.programme_completion: reaching the programme's
    `completion_grade`, or one education level up, each with the programme's completion rate). The columns come
    one by one: inlined with the Workers tuple instead, numba 0.68 compiled other results."""
    p = programme[i]
    if p != cat.NO_PROGRAMME and status[i] != cat.GONE:
        if rules.programme_ends_with_the_job[p] and status[i] != cat.EMPLOYED:
            programme[i], programme_months[i] = cat.NO_PROGRAMME, 0
        elif programme_months[i] <= 1:
            completion = rules.programme_completion[p]
            if completion != 0 and (rs.draw(person[i], month, rs.PROGRAMME_COMPLETION)
                                    < rules.programme_completion_rate[p]):
                if completion == _COMPLETES_GRADE:
                    if grade[i] < completion_grade[p]:
                        grade[i] = completion_grade[p]
                        grade_month[i] = month
                        events[i] |= R.CERTIFIED
                elif completion == _COMPLETES_EDUCATION:
                    education[i] = min(education[i] + 1, len(cat.EDUCATIONS) - 1)
            programme[i], programme_months[i] = cat.NO_PROGRAMME, 0
        else:
            programme_months[i] -= 1


@njit(parallel=True, cache=True)
def advance(w, month, rules, completion_grade):
    """One month on for everyone in a programme (`_advance_worker`), in a month with no offers open."""
    person = w.person
    status = w.status
    grade = w.grade
    grade_month = w.grade_month
    education = w.education
    programme = w.programme
    programme_months = w.programme_months
    events = w.events
    for i in prange(status.shape[0]):
        _advance_worker(i, month, rules, completion_grade, person, status, grade, grade_month, education, programme,
                        programme_months, events)


@njit(cache=True, inline="always")
def _offer_taken(u, e, g, age, generation, edu, covered, take_up, generations, age_lo, age_hi, top_education):
    """The offer a worker applies to at draw u (-1 if none): the offers' take-up probabilities, for those
    the worker is eligible for, are laid end to end on [0, 1) in offer order and u picks one."""
    upper = 0.0
    for k in range(covered.shape[0]):
        if (covered[k, e] and generations[k, generation] and age_lo[k] <= age <= age_hi[k]
                and edu <= top_education[k]):
            upper += take_up[k, g]
            if u < upper:
                return k
    return -1


@njit(parallel=True, cache=True)
def choose_offers(w, month, rules, completion_grade, advancing, covered, take_up, generations, age_lo, age_hi,
                  top_education, any_offer_bound, applicant_slot, applicant_offer, applicant_draw, counts):
    """Employed workers not in a programme apply to at most one offer. Chunk c's applicants are written in slot
    order from position c * CHUNK of `applicant_slot`, `applicant_offer` and `applicant_draw` (population.ChunkLists),
    and counted per chunk and offer in `counts` (few workers apply: only the lists' first pages are touched). One draw
    per worker, which also ranks the application. A draw at or above `any_offer_bound` (the offers' highest take-ups
    summed in offer order, `_any_offer_bound`) picks no offer whatever the worker is eligible for, so most workers skip
    the eligibility checks. When `advancing`, each worker's programme first moves on a month (`_advance_worker`:
    in the same pass, as it concerns the worker alone), so a worker who completes one may apply to the next."""
    person = w.person
    status = w.status
    employer = w.employer
    grade = w.grade
    birth_month = w.birth_month
    migrant = w.migrant
    education = w.education
    programme = w.programme
    grade_month = w.grade_month
    programme_months = w.programme_months
    events = w.events
    n = status.shape[0]
    for c in prange(counts.shape[0]):
        counts[c, :] = 0
        start = c * CHUNK
        listed = start
        for i in range(start, min(n, start + CHUNK)):
            if advancing:
                _advance_worker(i, month, rules, completion_grade, person, status, grade, grade_month, education,
                                programme, programme_months, events)
            if status[i] != cat.EMPLOYED or programme[i] != cat.NO_PROGRAMME:
                continue
            u = rs.draw(person[i], month, rs.PROGRAMME_APPLICATION)
            if u >= any_offer_bound:
                continue
            generation = migrant[i] * (1 + (birth_month[i] >= cat.NEW_GENERATION_BIRTH_YEAR * 12))
            k = _offer_taken(u, employer[i], grade[i], month - birth_month[i], generation, education[i], covered,
                             take_up, generations, age_lo, age_hi, top_education)
            if k >= 0:
                applicant_slot[listed], applicant_offer[listed], applicant_draw[listed] = i, k, u
                listed += 1
                counts[c, k] += 1


@njit(parallel=True, cache=True)
def split_by_offer(applicant_slot, applicant_offer, applicant_draw, counts, first, slots, draws):
    """Each offer's applicants and their draws in slot order (`slots[offer]`, `draws[offer]`), from each chunk's
    list (`choose_offers`) and the per-chunk starts `first`."""
    for c in prange(counts.shape[0]):
        start = c * CHUNK
        for j in range(start, start + counts[c].sum()):
            k = applicant_offer[j]
            slots[k, first[c, k]], draws[k, first[c, k]] = applicant_slot[j], applicant_draw[j]
            first[c, k] += 1


@njit(parallel=True, cache=True)
def enrol(w, month, rules, served, code, months, winner_share):
    """Start the served applicants' programme: each gains the programme's enrolment gain of human capital at
    once, and a `winner_share` of them (competition winners) are promoted one grade."""
    person = w.person
    grade = w.grade
    grade_month = w.grade_month
    human_capital = w.human_capital
    programme = w.programme
    programme_months = w.programme_months
    events = w.events
    gain = rules.programme_enrolment_gain[code]
    for j in prange(served.shape[0]):
        i = served[j]
        programme[i] = code
        programme_months[i] = months
        events[i] |= R.ENROLLED
        if gain != 0.0:
            human_capital[i] += gain
        if winner_share > 0.0 and rs.draw(person[i], month, rs.COMPETITION_WIN) < winner_share \
                and grade[i] < cat.MAX_GRADE:
            grade[i] += 1
            grade_month[i] = month
            events[i] |= R.CERTIFIED


@njit(parallel=True, cache=True)
def start_at_entry(w, month, slots, share_by_employer, code, months):
    """Entrants in `slots` not yet in a programme start programme `code` with their employer's share."""
    person = w.person
    employer = w.employer
    programme = w.programme
    programme_months = w.programme_months
    events = w.events
    for j in prange(slots.shape[0]):
        i = slots[j]
        if programme[i] == cat.NO_PROGRAMME and rs.draw(person[i], month, rs.APPRENTICESHIP_START) < share_by_employer[
                employer[i]]:
            programme[i] = code
            programme_months[i] = months
            events[i] |= R.ENROLLED


def list_applicants(month: int, w: Workers, offers: list[Offer], rules: R.Rules, completion_grade: np.ndarray,
                    advancing: bool, lists: ChunkLists) -> list[tuple[np.ndarray, np.ndarray]]:
    """(slots, draws) of each offer's applicants this month, listed in `lists`; when `advancing`, programmes first
    move on a month (`advance`, in the same pass)."""
    n_offers = len(offers)
    n_chunks = -(-w.capacity // CHUNK)
    counts = np.zeros((n_chunks, n_offers), dtype=np.int64)
    applicant_slot, applicant_offer, applicant_draw = lists.sized(w.capacity)
    choose_offers(w, month, rules, completion_grade, advancing, np.stack([o.covered for o in offers]).astype(np.uint8),
                  np.stack([o.take_up for o in offers]),
                  np.stack([o.generations for o in offers]),
                  np.array([o.age_months[0] for o in offers], dtype=np.int64),
                  np.array([o.age_months[1] for o in offers], dtype=np.int64),
                  np.array([o.top_education for o in offers], dtype=np.int64), _any_offer_bound(offers),
                  applicant_slot, applicant_offer, applicant_draw,
                  counts)
    totals = counts.sum(axis=0)
    first = np.zeros_like(counts)
    first[1:] = np.cumsum(counts, axis=0)[:-1]
    slots = np.zeros((n_offers, max(int(totals.max()), 1)), dtype=np.int64)
    draws = np.ones((n_offers, slots.shape[1]))
    split_by_offer(applicant_slot, applicant_offer, applicant_draw, counts, first, slots, draws)
    return [(slots[k, : totals[k]], draws[k, : totals[k]]) for k in range(n_offers)]


def _any_offer_bound(offers: list[Offer]) -> float:
    """The offers' highest take-ups added in offer order, as `_offer_taken` adds them: floating-point addition
    is monotone, so no worker's running sum exceeds it."""
    bound = 0.0
    for offer in offers:
        bound += float(offer.take_up.max())
    return bound


def ration(slots: np.ndarray, draws: np.ndarray, cost_of: np.ndarray, persons_left: float,
           yuan_left: float) -> tuple[np.ndarray, float]:
    """The applicants served (by increasing draw, ties by slot, within persons_left and yuan_left) and their cost.

    `slots` come in increasing order, and `cost_of[j]` is the cost of applicant j. The served are returned in slot
    order, so enrolment reads the columns in order (README, Performance, 2026-12-07 night)."""
    n = len(slots) if persons_left >= len(slots) else max(0, int(np.floor(persons_left + 1e-9)))
    candidates = np.arange(len(slots))
    if 0 < n < len(slots):  # only the n lowest draws can be served: sort those (and any tied with the n-th)
        candidates = np.flatnonzero(draws <= np.partition(draws, n - 1)[n - 1])
    order = _by_draw_then_slot(slots[candidates], draws[candidates], candidates)
    cumulative = np.cumsum(cost_of[order[:n]])
    n = int(np.searchsorted(cumulative, yuan_left, side="right")) if n else 0
    if n == len(slots):
        return slots, float(cumulative[n - 1]) if n else 0.0
    served = np.zeros(len(slots), dtype=bool)
    served[order[:n]] = True
    return slots[served], float(cumulative[n - 1]) if n else 0.0


def _by_draw_then_slot(slots: np.ndarray, draws: np.ndarray, items: np.ndarray) -> np.ndarray:
    """`items` in increasing order of their draw, ties by slot. Draws almost never tie: sorted by draw alone
    (several times faster than a two-key sort), the order is unique unless two sorted draws are equal, and only
    then are both keys sorted."""
    by_draw = np.argsort(draws)
    in_order = draws[by_draw]
    if np.any(in_order[1:] == in_order[:-1]):
        return items[np.lexsort((slots, draws))]
    return items[by_draw]

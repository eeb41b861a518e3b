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

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from model.engine import categories as cat
from model.engine import random_streams as rs
from model.engine import rules as R
from model.engine.population import CHUNK
from model.levers.policy import Offer
from model.levers.programme import COMPLETIONS

_COMPLETES_GRADE, _COMPLETES_EDUCATION = COMPLETIONS.index("grade"), COMPLETIONS.index("education")


@njit(cache=True, inline="always")
def advance_worker(i, month, rules, completion_grade, person, status, grade, grade_month, education, programme,
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


class Applications(NamedTuple):
    """What the demography pass (kernels.demography_and_learning) needs to move programmes on a month
    (`advancing`) and to take the month's applications to the offers open (`choosing`), and where it lists them."""

    advancing: bool
    choosing: bool
    completion_grade: np.ndarray  # int64[programme codes]: the grade a completed programme leads to
    covered: np.ndarray  # uint8[offers, employers]
    take_up: np.ndarray  # float64[offers, grades]
    generations: np.ndarray  # uint8[offers, migrant generations]
    age_lo: np.ndarray  # int64[offers]: youngest eligible age, months
    age_hi: np.ndarray  # int64[offers]: oldest
    top_education: np.ndarray  # int64[offers]
    any_offer_bound: float  # `_any_offer_bound`
    slot: np.ndarray  # chunk c's applicants from position c * CHUNK, in slot order (ApplicantLists)
    offer: np.ndarray
    draw: np.ndarray
    counts: np.ndarray  # int64[chunks, offers]: applicants per chunk and offer


@njit(cache=True, inline="always")
def take_application(i, month, covered, take_up, generations, age_lo, age_hi, top_education, any_offer_bound,
                     applicant_slot, applicant_offer, applicant_draw, counts, c, listed, person, status, employer,
                     grade, birth_month, migrant, education, programme):
    """Worker i (of chunk c), if employed and not in a programme, applies to at most one of the offers
    (Applications' tables, passed one by one as `advance_worker`'s columns are); an applicant is listed at position
    `listed`, which is returned moved on. One draw per worker, which also ranks the application. A draw at or above
    `any_offer_bound` picks no offer whatever the worker is eligible for, so most workers skip the eligibility
    checks."""
    if status[i] != cat.EMPLOYED or programme[i] != cat.NO_PROGRAMME:
        return listed
    u = rs.draw(person[i], month, rs.PROGRAMME_APPLICATION)
    if u >= any_offer_bound:
        return listed
    generation = migrant[i] * (1 + (birth_month[i] >= cat.NEW_GENERATION_BIRTH_YEAR * 12))
    k = _offer_taken(u, employer[i], grade[i], month - birth_month[i], generation, education[i], covered,
                     take_up, generations, age_lo, age_hi, top_education)
    if k < 0:
        return listed
    applicant_slot[listed], applicant_offer[listed], applicant_draw[listed] = i, k, u
    counts[c, k] += 1
    return listed + 1


@njit(parallel=True, cache=True)
def split_by_offer(applicant_slot, applicant_offer, applicant_draw, counts, first, slots, draws):
    """Each offer's applicants and their draws in slot order (`slots[offer]`, `draws[offer]`), from each chunk's
    list (`take_application`) and the per-chunk starts `first`."""
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


class ApplicantLists:
    """Where `take_application` lists each chunk's applicants, kept from month to month by the model: few workers
    apply, so only the first pages of each chunk's part are written, and a fresh list every month paid for their page
    faults (measured: the applicants' pass took 40% longer)."""

    def __init__(self) -> None:
        self.slot, self.offer, self.draw = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.uint8),
                                            np.empty(0))

    def sized(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The applicants' slots, offers and draws, with room for n."""
        if self.slot.shape[0] != n:
            self.slot, self.offer, self.draw = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.uint8), np.empty(n)
        return self.slot, self.offer, self.draw


def applications(offers: list[Offer], completion_grade: np.ndarray, advancing: bool, capacity: int,
                 n_employers: int, lists: ApplicantLists) -> Applications:
    """The demography pass's part in programmes this month: move them on a month when `advancing`, and take
    applications to `offers` (none: no list), listed in `lists`."""
    n_chunks = -(-capacity // CHUNK)
    if not offers:
        none = np.zeros(0, dtype=np.int64)
        return Applications(advancing, False, completion_grade, np.zeros((0, n_employers), dtype=np.uint8),
                            np.zeros((0, len(cat.GRADES))), np.zeros((0, len(cat.MIGRANT_GENERATIONS)), dtype=np.uint8),
                            none, none, none, 0.0, none, np.zeros(0, dtype=np.uint8), np.zeros(0),
                            np.zeros((0, 0), dtype=np.int64))
    return Applications(advancing, True, completion_grade, np.stack([o.covered for o in offers]).astype(np.uint8),
                        np.stack([o.take_up for o in offers]),
                        np.stack([o.generations for o in offers]).astype(np.uint8),
                        np.array([o.age_months[0] for o in offers], dtype=np.int64),
                        np.array([o.age_months[1] for o in offers], dtype=np.int64),
                        np.array([o.top_education for o in offers], dtype=np.int64), _any_offer_bound(offers),
                        *lists.sized(n_chunks * CHUNK), np.empty((n_chunks, len(offers)), dtype=np.int64))


def applicants(a: Applications) -> list[tuple[np.ndarray, np.ndarray]]:
    """(slots, draws) of each offer's applicants, in slot order, once the demography pass has taken them."""
    counts = a.counts
    totals = counts.sum(axis=0)
    first = np.zeros_like(counts)
    first[1:] = np.cumsum(counts, axis=0)[:-1]
    slots = np.zeros((counts.shape[1], max(int(totals.max()), 1)), dtype=np.int64)
    draws = np.ones((counts.shape[1], slots.shape[1]))
    split_by_offer(a.slot, a.offer, a.draw, counts, first, slots, draws)
    return [(slots[k, : totals[k]], draws[k, : totals[k]]) for k in range(counts.shape[1])]


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

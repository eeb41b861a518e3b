"""Counter-based random numbers: every draw is a pure function of (seed, month, who, decision).

A stateless splitmix64 hash of the counter replaces a stateful generator, so results do not
depend on thread count or loop order. The population's synthesis is keyed by slot. Month by month
each worker's draws are keyed by the person (`person_id`: the seed and who they are, not the slot
they hold): a baseline and a reform see the same draw for the same person and decision (common
random numbers), even when entrants fill different slots in the two runs.
"""

import numpy as np
from numba import njit, prange

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53
_TO_UNIT_32 = 1.0 / 4294967296.0  # 2**-32

# Decision ids: one stream per kind of decision (*_AND_* streams give two draws from one hash).
EXIT_AND_LEARN, EXAM, QUIT_OR_LAYOFF, QUIT_DESTINATION = 1, 3, 4, 6
SEARCH_ABROAD, SEARCH_CITY, MATCH, MATCH_EMPLOYER = 7, 8, 9, 10
ENTRY_EMPLOYER, ENTRY_MIGRANT_AND_SEX, ENTRY_AGE, ENTRY_EDUCATION_AND_HUMAN_CAPITAL, ENTRY_TRAIT = 11, 12, 13, 14, 15
ENTRY_GRADE = 16
# Programmes.
PROGRAMME_APPLICATION, PROGRAMME_COMPLETION, COMPETITION_WIN, APPRENTICESHIP_START = 20, 30, 31, 32
# Population synthesis (drawn at the base month).
INIT_CITY_AND_SECTOR, INIT_OWNERSHIP_AND_SIZE, INIT_PILOT_AND_MIGRANT, INIT_SEX_AND_AGE = 100, 101, 102, 103
INIT_AGE_WITHIN_AND_EDUCATION, INIT_GRADE_SCORE, INIT_SEARCHING = 104, 107, 108
SETTLE_ARRIVAL, SETTLE_SPELL, SETTLE_TRAIT_ACCEPT, SETTLE_TRAIT, SETTLE_TENURE = 110, 111, 112, 113, 114


@njit(inline="always")
def _mix(z):
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def cdf(weights: np.ndarray) -> np.ndarray:
    """Cumulative shares of weights for `pick` (the last is exactly 1); equal shares if all are zero."""
    c = np.cumsum(weights, dtype=np.float64)
    if c.shape[0] == 0 or c[-1] <= 0:
        return np.arange(1, len(weights) + 1) / max(len(weights), 1)
    return c / c[-1]


def stream_key(seed: int) -> np.uint64:
    """The 64-bit key of a seed (computed once per run)."""
    z = (int(seed) * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) % 2**64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) % 2**64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) % 2**64
    return np.uint64(z ^ (z >> 31))


@njit(inline="always")
def uniform(key, month, slot, decision):
    """A uniform draw in [0, 1) for (month, slot, decision) under a seed's key."""
    counter = (np.uint64(month) << np.uint64(40)) | (np.uint64(slot) << np.uint64(8)) | np.uint64(decision)
    z = _mix(key + counter * _GOLDEN)
    return np.float64(z >> np.uint64(11)) * _TO_UNIT


_PERSON_TAG = np.uint64(1 << 63)


@njit(inline="always")
def person_id(key, who):
    """A person's identity, also the key of their draws: a 64-bit hash of the seed's key and `who` (the slot
    at the base month for the starting population; (month << 32) | rank among the month's entrants for an
    entrant). Distinct people collide with probability ~1e-5 over a full-scale run."""
    return _mix(key + (_PERSON_TAG | np.uint64(who)) * _GOLDEN)


@njit(parallel=True, cache=True)
def person_ids(key, n, out):
    """Identities of the starting population: out[i] = person_id(key, i) for slots 0..n-1."""
    for i in prange(n):
        out[i] = person_id(key, i)


@njit(inline="always")
def draw(person, month, decision):
    """A uniform draw in [0, 1) for a person's decision in a month."""
    z = _mix(person + ((np.uint64(month) << np.uint64(8)) | np.uint64(decision)) * _GOLDEN)
    return np.float64(z >> np.uint64(11)) * _TO_UNIT


@njit(inline="always")
def draw_pair(person, month, decision):
    """Two independent uniform draws in [0, 1) with 32 bits each for a person's decision, from one hash."""
    z = _mix(person + ((np.uint64(month) << np.uint64(8)) | np.uint64(decision)) * _GOLDEN)
    return (np.float64(z >> np.uint64(32)) * _TO_UNIT_32,
            np.float64(z & np.uint64(0xFFFFFFFF)) * _TO_UNIT_32)


@njit(inline="always")
def draw_normal(person, month, decision):
    """A standard normal draw by Box-Muller for a person's decision in a month."""
    a, b = draw_pair(person, month, decision)
    return np.sqrt(-2.0 * np.log(1.0 - a)) * np.cos(2.0 * np.pi * b)


@njit(inline="always")
def uniform_pair(key, month, slot, decision):
    """Two independent uniform draws in [0, 1) with 32 bits each, from one hash."""
    counter = (np.uint64(month) << np.uint64(40)) | (np.uint64(slot) << np.uint64(8)) | np.uint64(decision)
    z = _mix(key + counter * _GOLDEN)
    return (np.float64(z >> np.uint64(32)) * _TO_UNIT_32,
            np.float64(z & np.uint64(0xFFFFFFFF)) * _TO_UNIT_32)


@njit(inline="always")
def standard_normal(key, month, slot, decision):
    """A standard normal draw by Box-Muller from the two draws of one hash."""
    a, b = uniform_pair(key, month, slot, decision)
    return np.sqrt(-2.0 * np.log(1.0 - a)) * np.cos(2.0 * np.pi * b)  # 1 - a is in (0, 1]


@njit(inline="always")
def pick(cdf, u):
    """Index of the first cumulative weight above u (inverse-CDF draw from a small table)."""
    return pick_in(cdf, 0, cdf.shape[0], u)


@njit(inline="always")
def pick_in(cdf, first, count, u):
    """Like `pick` over cdf[first:first + count], without making a slice (slices in parallel loops
    cost atomic reference counting); returns the offset within the range."""
    lo, hi = first, first + count - 1
    while lo < hi:
        mid = (lo + hi) // 2
        if cdf[mid] > u:
            hi = mid
        else:
            lo = mid + 1
    return lo - first

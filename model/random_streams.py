"""Counter-based random numbers: every draw is a pure function of (seed, month, worker slot, decision).

A stateless splitmix64 hash of the counter replaces a stateful generator, so results do not
depend on thread count or loop order, and a baseline and a reform see the same draw for the
same worker and decision (common random numbers).
"""

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53
_TO_UNIT_32 = 1.0 / 4294967296.0  # 2**-32

# Decision ids: one stream per kind of decision.
EXIT, LEARN_AND_EXAM, QUIT_OR_LAYOFF, QUIT_DESTINATION = 1, 2, 4, 6
SEARCH_ABROAD, SEARCH_CITY, MATCH, MATCH_EMPLOYER = 7, 8, 9, 10
ENTRY_EMPLOYER, ENTRY_MIGRANT, ENTRY_SEX, ENTRY_AGE, ENTRY_AGE_WITHIN = 11, 12, 13, 14, 15
ENTRY_EDUCATION, ENTRY_HUMAN_CAPITAL, ENTRY_TRAIT_A, ENTRY_TRAIT_B = 16, 17, 18, 19
# Population synthesis (drawn at the base month).
INIT_CITY, INIT_SECTOR, INIT_OWNERSHIP, INIT_SIZE, INIT_PILOT = 100, 101, 102, 103, 104
INIT_MIGRANT, INIT_SEX, INIT_AGE, INIT_AGE_WITHIN, INIT_EDUCATION = 105, 106, 107, 108, 109
INIT_GRADE_A, INIT_GRADE_B, INIT_HUMAN_CAPITAL, INIT_TENURE, INIT_GRADE_MONTHS = 110, 111, 112, 113, 114
INIT_TRAIT_A, INIT_TRAIT_B, INIT_SEARCHING = 115, 116, 117


@njit(inline="always")
def _mix(z):
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


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


@njit(inline="always")
def uniform_pair(key, month, slot, decision):
    """Two independent uniform draws in [0, 1) with 32 bits each, from one hash."""
    counter = (np.uint64(month) << np.uint64(40)) | (np.uint64(slot) << np.uint64(8)) | np.uint64(decision)
    z = _mix(key + counter * _GOLDEN)
    return (np.float64(z >> np.uint64(32)) * _TO_UNIT_32,
            np.float64(z & np.uint64(0xFFFFFFFF)) * _TO_UNIT_32)


@njit(inline="always")
def standard_normal(key, month, slot, decision_a, decision_b):
    """A standard normal draw by Box-Muller from two streams."""
    u1 = 1.0 - uniform(key, month, slot, decision_a)  # in (0, 1]
    u2 = uniform(key, month, slot, decision_b)
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


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

"""Synthesis of the worker population: the columnar worker state and its compact dtypes.

Workers live in slots of fixed-capacity arrays (one slot per worker, reused after exit); each
attribute is one array. The structure comes from calibration/population.yaml.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from model.calibration.inputs import Calibration
from model.engine import categories as cat
from model.engine import random_streams as rs
from model.engine.employers import EmployerTable, PilotFirms, cell_index, cell_shares
from model.engine.rules import Rules, age_band_bounds_months, leaves_by_age

CHUNK = 1 << 16  # slots per chunk, for the kernels' per-chunk partial counts and lists

# Column name -> dtype (28 bytes per slot). Clocks are stored as the month they started, so
# ageing and tenure cost nothing per month.
WORKER_DTYPES = {
    "status": np.uint8,  # categories.GONE / EMPLOYED / SEARCHING
    "employer": np.uint16,  # current employer row (searchers: last employer, which gives city and sector)
    "birth_month": np.int16,  # month index (year * 12 + month - 1); age = month - birth_month
    "sex": np.uint8,
    "migrant": np.uint8,
    "education": np.uint8,
    "grade": np.uint8,  # 0-5, categories.GRADES
    "human_capital": np.float32,  # one unit ≈ one vocational grade
    "wage_yuan_month": np.float32,
    "hire_month": np.int16,  # month joined the current employer; tenure = month - hire_month
    "grade_month": np.int16,  # month the current grade was reached
    "quit_trait": np.float32,  # persistent quit propensity, log-odds
    "events": np.uint16,  # this month's events, rules.ENTERED | EXITED | ... | KEPT | LOST
    "programme": np.uint8,  # 0 none, else levers.PROGRAMME_CODES
    "programme_months": np.uint8,  # months left in the programme, this one included
    "person": np.uint64,  # who holds the slot (random_streams.person_id): keys their draws and pairs them across runs
}
BYTES_PER_WORKER = sum(np.dtype(t).itemsize for t in WORKER_DTYPES.values())


class Workers(NamedTuple):
    """The worker columns, indexed by slot: one value, which the kernels take whole (numba types a NamedTuple of
    arrays, as it does `Rules`). The columns' contents change in place; growing makes a new value."""

    status: np.ndarray
    employer: np.ndarray
    birth_month: np.ndarray
    sex: np.ndarray
    migrant: np.ndarray
    education: np.ndarray
    grade: np.ndarray
    human_capital: np.ndarray
    wage_yuan_month: np.ndarray
    hire_month: np.ndarray
    grade_month: np.ndarray
    quit_trait: np.ndarray
    events: np.ndarray
    programme: np.ndarray
    programme_months: np.ndarray
    person: np.ndarray

    @classmethod
    def empty(cls, capacity: int) -> Workers:
        return cls(**{name: np.zeros(capacity, dtype=dtype) for name, dtype in WORKER_DTYPES.items()})

    @property
    def capacity(self) -> int:
        return self.status.shape[0]

    def grown(self, capacity: int) -> Workers:
        """The columns with never-used slots added at the end (slot numbers and persons, and so every draw, are
        unchanged)."""
        def longer(old: np.ndarray) -> np.ndarray:
            new = np.zeros(capacity, dtype=old.dtype)
            new[: old.shape[0]] = old
            return new

        return Workers(*(longer(column) for column in self))

    def nbytes(self) -> int:
        return sum(column.nbytes for column in self)

    def live(self) -> np.ndarray:
        """Boolean mask of slots holding a worker (employed or searching)."""
        return self.status != cat.GONE


class ChunkLists:
    """Lists a pass over the slots writes chunk by chunk, chunk c's entries from position c * CHUNK (the kernels
    cannot know where a chunk's entries start in one list before every chunk is counted). Kept from month to month
    by the model: few slots are listed, so only the first pages of each chunk's part are written, and a fresh list
    every month paid for their page faults (measured: the applicants' pass took 40% longer)."""

    def __init__(self, *dtypes: type) -> None:
        self.dtypes = dtypes
        self.lists = tuple(np.empty(0, dtype=dtype) for dtype in dtypes)

    def sized(self, n_slots: int) -> tuple[np.ndarray, ...]:
        """The lists, with room for the chunks of n_slots slots."""
        n = -(-n_slots // CHUNK) * CHUNK
        if self.lists[0].shape[0] != n:
            self.lists = tuple(np.empty(n, dtype=dtype) for dtype in self.dtypes)
        return self.lists


@njit(parallel=True, cache=True)
def _synthesise(key, month, n, workers, score, city_cdf, sector_cdf, ownership_cdf, size_cdf, pilot_first, pilot_count,
                pilot_share, migrant_share, male_share, age_cdf, age_bounds, education_cdf, searching_share,
                score_weights, rules):
    status = workers.status
    employer = workers.employer
    birth_month = workers.birth_month
    sex = workers.sex
    migrant = workers.migrant
    education = workers.education
    n_bands = age_bounds.shape[1] - 1
    n_levels = education_cdf.shape[0] // 2
    for i in prange(n):
        u_city, u_sector = rs.uniform_pair(key, month, i, rs.INIT_CITY_AND_SECTOR)
        u_ownership, u_size = rs.uniform_pair(key, month, i, rs.INIT_OWNERSHIP_AND_SIZE)
        e = cell_index(rs.pick(city_cdf, u_city), rs.pick(sector_cdf, u_sector), rs.pick(ownership_cdf, u_ownership),
                       rs.pick(size_cdf, u_size))
        u_pilot, u_migrant = rs.uniform_pair(key, month, i, rs.INIT_PILOT_AND_MIGRANT)
        if pilot_count[e] > 0:
            k = int(u_pilot / pilot_share[e])
            if k < pilot_count[e]:
                e = pilot_first[e] + k
        employer[i] = e
        m = 1 if u_migrant < migrant_share else 0
        u_sex, u_age = rs.uniform_pair(key, month, i, rs.INIT_SEX_AND_AGE)
        s = 0 if u_sex < male_share else 1
        band = rs.pick_in(age_cdf, m * n_bands, n_bands, u_age)
        lo, hi = age_bounds[m, band], age_bounds[m, band + 1]
        u_within, u_education = rs.uniform_pair(key, month, i, rs.INIT_AGE_WITHIN_AND_EDUCATION)
        age = lo + int(u_within * (hi - lo))
        # nobody starts at or past the end of working life: fold the draw back into working ages
        while leaves_by_age(rules, month, age + 1, s, m):
            age = age_bounds[m, 0] + (age - age_bounds[m, 0]) // 2
        # clocks as of the end of the month before `month`, so they read age, tenure + 1 in `month`
        migrant[i], sex[i], birth_month[i] = m, s, month - 1 - age
        edu = rs.pick_in(education_cdf, m * n_levels, n_levels, u_education)
        education[i] = edu
        status[i] = cat.SEARCHING if rs.uniform(key, month, i, rs.INIT_SEARCHING) < searching_share else cat.EMPLOYED
        score[i] = (score_weights[0] * (age / 120.0 - 4.0) + score_weights[1] * edu + score_weights[2] * (1 - m)
                    + score_weights[3] * rs.standard_normal(key, month, i, rs.INIT_GRADE_SCORE))


@njit(parallel=True, cache=True)
def _assign_grades(n, score, thresholds, grade):
    for i in prange(n):
        g = 0
        while g < thresholds.shape[0] and score[i] > thresholds[g]:
            g += 1
        grade[i] = g


def _age_tables(calibration: Calibration) -> tuple[np.ndarray, np.ndarray]:
    cdfs, bounds = [], []
    for name in ("local_age_bands", "migrant_age_bands"):
        bands = list(calibration.value(name))
        cdfs.append(rs.cdf(calibration.shares(name, bands)))
        bounds.append(age_band_bounds_months(name, bands))
    if len(bounds[0]) != len(bounds[1]):
        raise ValueError("local_age_bands and migrant_age_bands must have the same number of bands")
    return np.concatenate(cdfs), np.stack(bounds)  # cdfs flat: [local bands, migrant bands]


def synthesise_workers(calibration: Calibration, rules: Rules, employers: EmployerTable, pilots: PilotFirms,
                       n_workers: int, capacity: int, key: np.uint64, month: int) -> Workers:
    """Draw `n_workers` workers into slots 0..n-1 of arrays with room for `capacity`: the published margins
    (employer, age, sex, migrant status, education, grade, search). Human capital, months at grade, tenure and
    the quit trait are drawn from the rules' steady state afterwards (model/engine/steady_state.py)."""
    workers = Workers.empty(capacity)
    shares = cell_shares(calibration)
    age_cdf, age_bounds = _age_tables(calibration)
    weights = calibration.value("grade_assignment_weights")
    score = np.empty(n_workers, dtype=np.float32)
    _synthesise(
        key, month, n_workers, workers, score, rs.cdf(shares["city"]), rs.cdf(shares["sector"]),
        rs.cdf(shares["ownership"]), rs.cdf(shares["size"]),
        pilots.first_row, pilots.count, pilots.share_each,
        calibration.scalar("migrant_share"), calibration.scalar("male_share"), age_cdf, age_bounds,
        np.concatenate([rs.cdf(calibration.shares("local_education", cat.EDUCATIONS)),
                        rs.cdf(calibration.shares("migrant_education", cat.EDUCATIONS))]),
        calibration.scalar("initial_searching_share"),
        np.array([weights[k] for k in ("age_per_decade", "education_per_level", "local", "noise_sd")]), rules,
    )
    # grades by rank of the latent score, so the grade mix matches the calibration shares exactly
    grade_cdf = np.cumsum(calibration.shares("grade_shares", cat.GRADES))[:-1]
    thresholds = np.quantile(score, grade_cdf).astype(np.float32)
    _assign_grades(n_workers, score, thresholds, workers.grade)
    rs.person_ids(key, n_workers, workers.person)
    return workers

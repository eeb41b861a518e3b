"""Who gains: wage winners and losers of a reform against the baseline, worker by worker.

Common random numbers make a worker's two paths comparable: the same slot holds the same person in
the baseline and the reform run when it was filled by the same draws (same birth month, sex and quit
trait, which are drawn per slot and month of entry). Workers employed in both runs at the month are
compared; a winner earns more than 1% above their own baseline wage, a loser more than 1% below.
Groups are those of the KPI tables, taken from the worker's place in the baseline run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model import categories as cat
from model import kpis

THRESHOLD = 0.01
KPIS = ("wage_winners_share", "wage_losers_share")


@dataclass
class WorkerSnapshot:
    """The worker columns needed to follow a person across paired runs, at one month."""

    month: int
    status: np.ndarray
    wage_yuan_month: np.ndarray
    birth_month: np.ndarray
    sex: np.ndarray
    quit_trait: np.ndarray
    grade: np.ndarray
    migrant: np.ndarray
    cell_offset: np.ndarray  # the tally cell offset of each worker's employer (city and sector)

    @classmethod
    def of(cls, model) -> WorkerSnapshot:  # noqa: ANN001 - a WorkforceModel
        w = model.workers
        return cls(model.months[-1], w.status.copy(), w.wage_yuan_month.copy(), w.birth_month.copy(), w.sex.copy(),
                   w.quit_trait.copy(), w.grade.copy(), w.migrant.copy(), model.tally_cell_offset[w.employer])


def winners_and_losers(base: WorkerSnapshot, reform: WorkerSnapshot) -> np.ndarray:
    """Shares of winners and losers among workers employed in both runs, float64[groups, 2] (NaN: none)."""
    n = min(len(base.status), len(reform.status))
    same = ((base.status[:n] == cat.EMPLOYED) & (reform.status[:n] == cat.EMPLOYED)
            & (base.birth_month[:n] == reform.birth_month[:n]) & (base.sex[:n] == reform.sex[:n])
            & (base.quit_trait[:n] == reform.quit_trait[:n]))
    slots = np.flatnonzero(same)
    ratio = reform.wage_yuan_month[slots].astype(np.float64) / base.wage_yuan_month[slots]
    age = base.month - base.birth_month[slots]
    band = np.searchsorted(np.array(cat.AGE_BAND_LOWER_YEARS) * 12, age, side="right") - 1
    new_generation = base.birth_month[slots] >= cat.NEW_GENERATION_BIRTH_YEAR * 12
    generation = base.migrant[slots].astype(np.int64) * (1 + new_generation)
    cell = base.cell_offset[slots] + (base.grade[slots].astype(np.int64) * len(cat.MIGRANT_GENERATIONS)
                                      + generation) * len(cat.AGE_BANDS) + np.clip(band, 0, None)
    counts = np.stack([np.bincount(cell, minlength=kpis.N_CELLS),
                       np.bincount(cell, weights=ratio > 1 + THRESHOLD, minlength=kpis.N_CELLS),
                       np.bincount(cell, weights=ratio < 1 - THRESHOLD, minlength=kpis.N_CELLS)], axis=1)
    by_group = kpis.margins(counts)
    with np.errstate(invalid="ignore", divide="ignore"):
        return by_group[:, 1:] / by_group[:, :1]

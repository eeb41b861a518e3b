"""Who gains: the reform's own effect on each person's wage, against their baseline self.

A person is followed across the paired runs by identity (random_streams.person_id), not by slot: the
month's j-th entrant is the same person in both runs, and every draw is keyed by the person.
The persons compared are those employed in the baseline at the last month and still in industrial
work in the reform.

The own effect values the person's reform-path skill (grade and human capital) and the reform's pay
uplifts at their *baseline* employer and the baseline's pay schedule, against their baseline wage. It
leaves out what only path divergence moves (a different employer, employer premiums that drifted
apart), which a placebo would otherwise report as winners and losers. Winners gain more than 1%,
losers lose more than 1%. Groups are those of the KPI tables, from the person's place in the baseline
run, plus the decile of the baseline wage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from model.engine import categories as cat
from model.engine import rules as R
from model.outputs import kpis

THRESHOLD = 0.01
KPIS = ("wage_winners_share", "wage_losers_share", "own_wage_effect")
DECILES = tuple(f"d{k}" for k in range(1, 11))


@dataclass
class WorkerSnapshot:
    """The worker columns and pay tables needed to follow a person across paired runs, at one month."""

    month: int
    person: np.ndarray
    status: np.ndarray
    employer: np.ndarray
    grade: np.ndarray
    human_capital: np.ndarray
    migrant: np.ndarray
    birth_month: np.ndarray
    wage_yuan_month: np.ndarray
    place_row: np.ndarray  # the first place cell of each worker's employer (city, sector, ownership)
    schedule: np.ndarray  # the month's pay schedule by employer and grade, before policy uplifts
    uplift: np.ndarray  # the month's policy pay uplift by employer and grade (ones without a pay lever)
    rules: R.Rules

    @classmethod
    def of(cls, model) -> WorkerSnapshot:  # noqa: ANN001 - a WorkforceModel
        w = model.workers
        uplift = model.month_policy.total_uplift()
        uplift = np.ones_like(model.grade_wage) if uplift is None else uplift
        return cls(model.months[-1], w.person.copy(), w.status.copy(), w.employer.copy(), w.grade.copy(),
                   w.human_capital.copy(), w.migrant.copy(), w.birth_month.copy(), w.wage_yuan_month.copy(),
                   model.tally_place_row[w.employer], model.grade_wage / uplift, uplift, model.rules)


def incidence(base: WorkerSnapshot, reform: WorkerSnapshot) -> np.ndarray:
    """Winners' share, losers' share and mean own wage effect (a share of the baseline wage) by group,
    float64[3, groups + deciles] (NaN where a group has nobody)."""
    employed = np.flatnonzero(base.status == cat.EMPLOYED)
    present = np.flatnonzero(reform.status != cat.GONE)
    _, at_base, at_reform = np.intersect1d(base.person[employed], reform.person[present], assume_unique=True,
                                           return_indices=True)
    order = np.argsort(employed[at_base], kind="stable")  # the baseline's slot order
    b, r = employed[at_base][order], present[at_reform][order]
    own = _own_wages(base.rules, base.schedule, reform.uplift, base.employer[b], reform.grade[r],
                     reform.human_capital[r], reform.migrant[r])
    own = own.astype(np.float32).astype(np.float64)  # wages are held in float32: an unchanged wage compares equal
    effect = own / base.wage_yuan_month[b].astype(np.float64) - 1.0
    columns = (effect > THRESHOLD, effect < -THRESHOLD, effect)
    by_group = _by_group(base, b, columns)
    by_decile = _by_decile(base.wage_yuan_month[b], columns)
    return np.concatenate([by_group, by_decile], axis=1)


def _by_group(base: WorkerSnapshot, b: np.ndarray, columns: tuple) -> np.ndarray:
    age = base.month - base.birth_month[b]
    band = np.clip(np.searchsorted(np.array(cat.AGE_BAND_LOWER_YEARS) * 12, age, side="right") - 1, 0, None)
    new_generation = base.birth_month[b] >= cat.NEW_GENERATION_BIRTH_YEAR * 12
    generation = base.migrant[b].astype(np.int64) * (1 + new_generation)
    place, person = kpis.tally_rows(base.place_row[b], base.grade[b], generation, band)
    cell = np.concatenate([place, person])
    counts = np.stack([np.bincount(cell, minlength=kpis.N_ROWS)]
                      + [np.bincount(cell, weights=np.tile(c, 2), minlength=kpis.N_ROWS) for c in columns], axis=1)
    margins = kpis.margins(counts)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (margins[:, 1:] / margins[:, :1]).T


def _by_decile(wage: np.ndarray, columns: tuple) -> np.ndarray:
    """Means by decile of the baseline wage (deciles of the persons compared)."""
    if wage.size == 0:
        return np.full((len(columns), len(DECILES)), np.nan)
    edges = np.quantile(wage, np.arange(1, 10) / 10)
    decile = np.searchsorted(edges, wage, side="right")
    count = np.bincount(decile, minlength=len(DECILES))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.stack([np.bincount(decile, weights=c, minlength=len(DECILES)) / count for c in columns])


@njit(parallel=True, cache=True)
def _own_wages(rules, schedule, uplift, employer, grade, human_capital, migrant):
    """Wage of each person's reform-path grade and human capital at their baseline employer, on the baseline's
    schedule times the reform's uplift."""
    out = np.empty(employer.shape[0])
    for j in prange(employer.shape[0]):
        e, g = employer[j], grade[j]
        out[j] = R.wage(rules, schedule[e, g] * uplift[e, g], g, human_capital[j], migrant[j])
    return out

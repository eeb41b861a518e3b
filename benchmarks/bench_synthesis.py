"""The steady-state start's two walks alone, at scale 0.1: the tenure-and-trait draw over every worker and the
within-grade draw over the ungraded (the largest grade), median of 5 calls each.

    python -m benchmarks.bench_synthesis

Prints seconds per call and microseconds per worker and thread (the README's Performance section quotes it).
The draws overwrite the same columns with the same values, so repeated calls time the same work.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numba
import numpy as np

from model.engine import categories as cat
from model.engine import steady_state
from model.engine.workforce_model import WorkforceModel
from model.scenario import Scenario

SCALE = 0.1
CALLS = 5


def _median_seconds(call: Callable[[], None]) -> float:
    call()  # compile or load the kernel
    seconds = []
    for _ in range(CALLS):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return float(np.median(seconds))


def main() -> None:
    model = WorkforceModel(Scenario.baseline(), scale=SCALE, seed=0)
    w, rules = model.workers, model.rules
    live = np.flatnonzero(w.status != cat.GONE)
    ungraded = live[w.grade[live] == 0]
    decline = model.calibration.scalar("young_migrant_arrivals_decline_per_year")
    arrivals = steady_state.arrival_densities(rules, decline)
    threads = numba.get_num_threads()
    tenure = _median_seconds(lambda: steady_state._draw_tenure_and_trait(model.key, model.month, rules, live, w,
                                                                          arrivals))
    spells = _median_seconds(lambda: steady_state._draw_grade_spells(
        model.key, model.month, rules, ungraded, 0, 1.0, np.zeros(0), np.zeros(0), w, arrivals,
        np.full(len(ungraded), -1.0), np.zeros(len(ungraded))))
    print(f"scale {SCALE}, {threads} threads: tenure and trait {tenure:.3f} s for {len(live):,} workers "
          f"({tenure / len(live) * 1e6 * threads:.2f} µs per worker and thread); within-grade draw of the ungraded "
          f"{spells:.3f} s for {len(ungraded):,} ({spells / len(ungraded) * 1e6 * threads:.2f} µs)")


if __name__ == "__main__":
    main()

"""The KPI tally alone: `kpis.tally` on a population at scale 0.25 after three baseline months, median of 7 calls.

    python -m benchmarks.bench_tally

Prints milliseconds per call and nanoseconds per slot and thread (the README's Performance section quotes it).
"""

from __future__ import annotations

import time

import numba
import numpy as np

from model.engine import categories as cat
from model.engine.workforce_model import WorkforceModel
from model.levers import PROGRAMMES
from model.outputs import kpis
from model.scenario import Scenario

SCALE = 0.25


def main() -> None:
    model = WorkforceModel(Scenario(name="baseline", period={"end": "2030-12"}), scale=SCALE, seed=1)
    for _ in range(3):
        model.step()
    shape = (len(model.employer_table.city), len(cat.GRADES))
    args = (model.tally_parts, model.month, model.rules, model.workers, model.tally_place_row, model.grade_wage,
            model.productivity_milli, np.zeros(shape), model.engineer_ratio[None, :] / np.ones(shape),
            model.use_policy, len(PROGRAMMES))
    kpis.tally(*args)  # compile or load the kernel
    seconds = []
    for _ in range(7):
        started = time.perf_counter()
        kpis.tally(*args)
        seconds.append(time.perf_counter() - started)
    slots = model.workers.status.shape[0]
    median = float(np.median(seconds))
    print(f"scale {SCALE}: {slots:,} slots, tally median {median * 1e3:.1f} ms, "
          f"{median / slots * 1e9 * numba.get_num_threads():.2f} ns per slot and thread")


if __name__ == "__main__":
    main()

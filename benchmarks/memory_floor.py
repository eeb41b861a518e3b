"""The memory floor of a month: one parallel pass over every worker column, reading all of them and writing five,
as the engine's phases do at the least. Measured beside each engine benchmark, on the same number of slots, it
turns seconds into a machine-independent ratio: a month costs so many floor passes.

    python -m benchmarks.memory_floor 23700000   # seconds of one pass over 23.7 M slots
"""

from __future__ import annotations

import sys
import time

from numba import njit, prange

from model.engine.population import Workers


@njit(parallel=True, cache=True)
def _pass(w, month):
    """Read every column of every slot; write five (status, wage, human capital, events, grade month)."""
    status = w.status
    employer = w.employer
    birth_month = w.birth_month
    sex = w.sex
    migrant = w.migrant
    education = w.education
    grade = w.grade
    human_capital = w.human_capital
    wage_yuan_month = w.wage_yuan_month
    hire_month = w.hire_month
    grade_month = w.grade_month
    quit_trait = w.quit_trait
    events = w.events
    programme = w.programme
    programme_months = w.programme_months
    person = w.person
    for i in prange(status.shape[0]):
        mix = (employer[i] + birth_month[i] + sex[i] + migrant[i] + education[i] + grade[i] + hire_month[i]
               + programme[i] + programme_months[i] + (person[i] & 1))
        status[i] = (status[i] + (mix & 1)) & 3
        wage_yuan_month[i] = wage_yuan_month[i] * 1.0001 + quit_trait[i]
        human_capital[i] = human_capital[i] + 0.001
        events[i] = mix & 7
        grade_month[i] = month - (mix & 1)


def floor_seconds(slots: int, repeats: int = 5) -> float:
    """Fastest of `repeats` passes over `slots` worker slots (after one that compiles and touches the memory)."""
    workers = Workers.empty(slots)
    _pass(workers, 0)
    times = []
    for k in range(repeats):
        started = time.perf_counter()
        _pass(workers, k)
        times.append(time.perf_counter() - started)
    return min(times)


if __name__ == "__main__":
    slots = int(sys.argv[1]) if len(sys.argv) > 1 else 23_700_000
    seconds = floor_seconds(slots)
    print(f"{seconds:.4f} s per pass over {slots:,} slots ({seconds / slots * 1e9:.2f} ns per slot)")

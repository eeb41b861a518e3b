"""Memory guard: estimate what a run at a given scale needs and refuse one that will not fit."""

from __future__ import annotations

import os

import psutil

from model.engine.population import BYTES_PER_WORKER
from model.errors import InputError

# Per slot beyond the columns: synthesis score (4 B), the grade quantile copy (4 B), search and
# entry index arrays (8 B for the few percent searching), numpy temporaries of comparisons (1-2 B); with
# programmes, the applicants' lists (17 B per applicant, written only for applicants: with every lever on about
# 6% of workers apply in a month, about 1 B a slot, after the synthesis's arrays are gone).
TRANSIENT_BYTES_PER_SLOT = 12
FIXED_BYTES = 700 * 2**20  # interpreter, numpy, numba, pandas, mesa, compiled kernels, KPI history


def bytes_needed(capacity: int) -> int:
    return FIXED_BYTES + capacity * (BYTES_PER_WORKER + TRANSIENT_BYTES_PER_SLOT)


def check_fits(capacity: int, scale: float) -> int:
    """Raise an InputError when the run would not fit in available memory; return the estimate."""
    need = bytes_needed(capacity)
    available = psutil.virtual_memory().available
    if need > available:
        most = (available - FIXED_BYTES) / (BYTES_PER_WORKER + TRANSIENT_BYTES_PER_SLOT) / capacity * scale
        raise InputError(
            f"scale: {scale:g} needs about {need / 2**30:.1f} GiB but only {available / 2**30:.1f} GiB is available; "
            f"allowed range on this machine is up to about {max(most, 0):.2f}")
    return need


def slots_at(scale: float) -> int:
    """Worker slots a run at `scale` needs, roughly (the workforce plus headroom for growth)."""
    from model.calibration.inputs import load_calibration

    return int(load_calibration().scalar("industrial_workers") * scale * 1.2)


def processes_that_fit(scale: float, tasks: int, runs_per_process: int = 1) -> int:
    """Worker processes to start: as many as cores, tasks and available memory allow (at least one)."""
    per_process = runs_per_process * bytes_needed(slots_at(scale))
    fit = int(psutil.virtual_memory().available * 0.8 // per_process)
    return max(1, min(os.cpu_count() or 1, tasks, fit))

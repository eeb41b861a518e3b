"""Worker processes that do not outlive their parent.

Comparisons and sweeps run replications in spawned processes. If the parent is killed (SIGKILL, an OOM
kill), Linux's parent-death signal ends each worker at once instead of leaving it to run on, re-parented
to PID 1; the multiprocessing resource tracker then sees its pipe close and exits too.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Initializer of a worker: SIGKILL when the parent dies (Linux; elsewhere a no-op)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes that end with this one."""
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_die_with_parent, initargs=(os.getpid(),))

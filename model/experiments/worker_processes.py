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
from concurrent.futures.process import BrokenProcessPool

from model.errors import InputError

_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Initializer of a worker: SIGKILL when the parent dies (Linux; elsewhere a no-op)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the signal was armed
        os._exit(1)


def pool(workers: int) -> ProcessPoolExecutor:
    """A pool of `workers` spawned processes that end with this one, all started before it is returned.

    They start with Ctrl-C ignored (an ignored signal stays ignored across exec, and Python then installs no
    handler of its own), so a Ctrl-C while they import does not print a traceback from each: the parent
    alone handles it.

    A plain script that calls compare() or sweep() without an `if __name__ == "__main__":` guard would have
    every spawned worker import it and call them again: such a worker leaves quietly, and the script stops
    with one line saying what to add."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):  # a worker importing the script
        raise SystemExit(1)
    executor = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_die_with_parent, initargs=(os.getpid(),))
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        started = [executor.submit(os.getpid) for _ in range(workers)]  # each submit spawns a worker
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        for future in started:
            future.result()
    except KeyboardInterrupt:
        stop_now(executor)
        raise
    except BrokenProcessPool:
        stop_now(executor)
        message = ("workers: the worker processes could not start. In a script, call compare() or sweep() under "
                   "`if __name__ == \"__main__\":` (workers are spawned and import the script), or pass workers=1")
        if _unguarded_script():
            raise SystemExit(f"error: {message}") from None
        raise InputError(message) from None
    return executor


def _unguarded_script() -> bool:
    """Whether this process runs a script file (`python script.py`), whose workers import it: a traceback would
    only hide the one line that matters. In Jupyter or under `python -m` the error stays an exception."""
    main = sys.modules.get("__main__")
    return bool(getattr(main, "__file__", None)) and getattr(main, "__spec__", None) is None


def stop_now(pool: ProcessPoolExecutor) -> None:
    """Cancel the calls not started and end the workers at once (on Ctrl-C: work in flight is dropped)."""
    pool.shutdown(wait=False, cancel_futures=True)
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()

"""Where the runs of an experiment execute, for sweeps and comparisons alike: this process (one worker), a local
pool of spawned worker processes, or a Dask cluster (an existing one or a local one), all behind
`concurrent.futures.Executor`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager

from model.engine.memory import processes_that_fit
from model.errors import InputError
from model.experiments import worker_processes


@contextmanager
def executor(workers: int | None, scale: float, n_runs: int, threads: int | None, scheduler: str | None = None,
             dask: bool = False) -> Iterator[tuple[Executor, int, str]]:
    """The executor, the kernel threads of each run and a label: Dask (existing or local cluster), a pool of
    spawned processes, or this process when one worker is enough. Leaving on an error or Ctrl-C stops the local
    workers at once (work in flight is dropped); leaving normally waits for them."""
    if scheduler or dask:
        from distributed import Client, LocalCluster

        if scheduler:
            if workers is not None:
                raise InputError("workers: --workers sizes a local pool or local Dask cluster; with --scheduler "
                                 "the cluster's workers are used")
            try:
                client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError) as exc:
                raise InputError(f"scheduler: cannot reach the Dask scheduler at {scheduler} ({exc})") from None
            with client:
                yield client.get_executor(pure=False), threads or 1, f"dask cluster {scheduler}"
            return
        n = workers or processes_that_fit(scale, max(1, n_runs))
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            yield client.get_executor(pure=False), threads or 1, f"local dask cluster of {n} workers"
        return
    n = min(workers or processes_that_fit(scale, max(1, n_runs)), max(1, n_runs))
    run_threads = threads or max(1, (os.cpu_count() or 1) // n)
    if n == 1:
        yield InProcess(), run_threads, "this process"
        return
    with worker_processes.pool(n) as pool:
        try:
            yield pool, run_threads, f"local pool of {n} processes"
        except BaseException:
            worker_processes.stop_now(pool)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


class InProcess(Executor):
    """Runs each submitted call at once in this process (one worker: no process to start).

    Not dask.local.SynchronousExecutor: that one stores any BaseException in the future, so Ctrl-C would
    be recorded as a failed run and the experiment would go on; here only a run's own errors are recorded.
    """

    def submit(self, fn, /, *args, **kwargs) -> Future:  # noqa: ANN001 - Executor's signature
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - handed to the caller through the future
            future.set_exception(exc)
        return future

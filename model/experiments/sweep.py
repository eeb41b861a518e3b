"""Running a sweep: every run of an experiment on a local process pool or a Dask cluster, into a results store.

One code path for all executors (experiments/executors.py, which comparisons share): runs are submitted to a
`concurrent.futures.Executor` (a pool of spawned worker processes, a `dask.distributed` client's executor, or
this process for one worker), and each finished run is committed to the store by this process as it arrives, so
a sweep killed at any moment keeps every run that finished and a rerun makes only what is missing or failed.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from model.engine.memory import check_fits, slots_at
from model.errors import InputError
from model.experiments.executors import executor
from model.experiments.experiment import Keep, RunSpec, plan_experiment
from model.experiments.results_store import ResultsStore
from model.experiments.runner import simulate
from model.outputs.kpis import FLOW_KPI_IDS


@dataclass(frozen=True)
class SweepSummary:
    """What a sweep call did: runs planned, already in the store, made now, failed; where the store is."""

    out: Path
    planned: int
    already_done: int
    done: int
    failed: int
    executor: str
    seconds: float

    @property
    def complete(self) -> bool:
        return self.already_done + self.done == self.planned


def sweep(experiment: str | Path, out: str | Path, workers: int | None = None, scheduler: str | None = None,
          dask: bool = False, scale: float | None = None, seeds: int | None = None, end: str | None = None,
          max_runs: int | None = None, fail_fast: bool = False, threads: int | None = None,
          on_progress: Callable[[int, int, int], None] | None = None) -> SweepSummary:
    """Make every run of `experiment` not yet in the store `out`; return what was done.

    Executors: a local pool of `workers` spawned processes (default: as many as cores and memory allow);
    `scheduler` (tcp://host:port): an existing Dask cluster; `dask`: a local Dask cluster of `workers`
    processes. `scale`, `seeds`, `end` override the file; `max_runs` keeps only the first N design points.
    `on_progress(done, failed, total)` follows the runs. With `fail_fast` the first failure stops the sweep.
    """
    started = time.perf_counter()
    if workers is not None and not 1 <= workers <= 1024:
        raise InputError(f"workers: {workers} is outside the allowed range 1 to 1024")
    if threads is not None and not 1 <= threads <= 256:
        raise InputError(f"threads: {threads} is outside the allowed range 1 to 256")
    plan = plan_experiment(experiment, scale, seeds, end, max_runs)
    if scheduler is None:  # one run must fit here; a cluster's workers check their own memory
        check_fits(slots_at(plan.experiment.scale), plan.experiment.scale)
    store = ResultsStore(Path(out))
    store.check(plan)
    finished = store.finished_runs()
    todo = [r for r in plan.runs if r.run_id not in finished]
    already = len(plan.runs) - len(todo)
    done = failed = 0
    if not todo:
        store.create(plan)
        store.write_run_table()
        return SweepSummary(Path(out), len(plan.runs), already, 0, 0, "none needed", time.perf_counter() - started)
    with executor(workers, plan.experiment.scale, len(todo), threads, scheduler, dask) as (pool, run_threads, label):
        store.create(plan)  # once the executor is up: a scheduler that cannot be reached leaves nothing behind
        if on_progress:
            on_progress(already, 0, len(plan.runs))
        pending: dict[Future, RunSpec] = {}
        try:
            pending = {pool.submit(execute_run, spec, plan.experiment.scale, plan.experiment.keep, run_threads): spec
                       for spec in todo}
            while pending:
                finished_now, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished_now:
                    spec = pending.pop(future)
                    try:
                        frame, manifest = future.result()
                    except Exception as exc:  # noqa: BLE001 - a failed run is recorded, the others go on
                        failed += 1
                        store.write_failure(spec.run_id, _one_line(exc), None)
                        if fail_fast:
                            raise SweepFailed(spec.run_id, _one_line(exc)) from exc
                    else:
                        store.write_part(spec.run_id, frame, manifest)
                        done += 1
                    if on_progress:
                        on_progress(already + done, failed, len(plan.runs))
        finally:
            for future in pending:
                future.cancel()
            store.write_run_table()
    return SweepSummary(Path(out), len(plan.runs), already, done, failed, label, time.perf_counter() - started)


class SweepFailed(Exception):
    """A run failed under --fail-fast (the store keeps every run finished before it)."""

    def __init__(self, run_id: str, error: str) -> None:
        super().__init__(f"run {run_id} failed: {error}")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


def execute_run(spec: RunSpec, scale: float, keep: Keep, threads: int) -> tuple[pd.DataFrame, dict]:
    """Simulate one run of a sweep; return its KPIs at the kept resolution and its manifest."""
    started = time.perf_counter()
    result = simulate(spec.scenario, scale, spec.seed, threads=threads, parameters=spec.parameters)
    manifest = {**result.manifest, "run_id": spec.run_id, "host": socket.gethostname(),
                "run_seconds": round(time.perf_counter() - started, 3)}
    return reduce_kpis(result.table, keep), manifest


def reduce_kpis(table: pd.DataFrame, keep: Keep) -> pd.DataFrame:
    """The kept KPIs and dimensions at the kept months; flows summed over the months since the last kept one.

    The cost KPIs' province-wide totals (dimension programme, group total) are always kept: the policy
    surface needs them.
    """
    rows = table.kpi.isin(keep.kpis) & table.dimension.isin(keep.dimensions)
    costs = table.kpi.isin(["fiscal_cost_yuan", "employer_cost_yuan"]) & (table.group == "total")
    frame = table[rows | costs]
    if keep.months == "all":
        return frame.reset_index(drop=True)
    dates = frame.date
    last = dates.max()
    window_end = dates.map(lambda d: last if keep.months == "last" or d.year == last.year
                           else pd.Timestamp(year=d.year, month=12, day=1))
    keys = ["kpi", "dimension", "group"]
    flows = frame[frame.kpi.isin(FLOW_KPI_IDS)].assign(date=window_end)
    flows = flows.groupby([*keys, "date"], observed=True, sort=False)["value"].sum().reset_index()
    stocks = frame[~frame.kpi.isin(FLOW_KPI_IDS) & (dates == window_end)]
    out = pd.concat([stocks, flows[["date", *keys, "value"]]], ignore_index=True)
    return out.sort_values(["kpi", "dimension", "group", "date"], kind="stable").reset_index(drop=True)

"""Sweep benchmark: runs per hour at scale 0.01 over 2020-01..2030-12 with 1 and 2 workers, and the Dask overhead.

    python -m benchmarks.bench_sweep

The training-subsidy x pay-parity grid (scenarios/experiments/subsidy_x_parity_grid.yaml), its 16 design
points with one seed (17 runs with the shared baseline), runs into a fresh store through `workforce sweep`
in a fresh process: one worker with one kernel thread, one worker with two (the default for --workers 1 on
2 cores), two workers with one thread each (the default for --workers 2), and a local Dask cluster of two
workers. Scaling efficiency is the 2-worker rate over twice the 1-worker, 1-thread rate; the Dask overhead
per run is the difference in wall time per run between the Dask cluster and the local pool of the same size
(cluster start-up included). The result goes to benchmarks/results/sweep.json and is printed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent
EXPERIMENT = "scenarios/experiments/subsidy_x_parity_grid.yaml"
POINTS = 16  # 16 reform runs and the shared baseline run: 17 runs


def sweep(*flags: str) -> dict:
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "model.cli", "sweep", EXPERIMENT, "--out", out, "--seeds", "1",
                   "--max-runs", str(POINTS), *flags]
        started = time.perf_counter()
        subprocess.run(command, check=True, cwd=REPO, capture_output=True)
        wall = time.perf_counter() - started
        runs = pd.read_parquet(Path(out) / "runs.parquet")
    assert (runs.status == "done").all()
    return {"command": " ".join(["workforce", *command[3:5], "--out", "DIR", *command[7:]]), "runs": len(runs),
            "process_wall_seconds": round(wall, 1), "runs_per_hour": round(len(runs) / wall * 3600),
            "mean_run_seconds": round(float(runs.seconds.mean()), 2)}


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "model.cli", "run", "scenarios/training_and_parity.yaml", "--scale", "0.001",
                    "--end", "2020-03", "--out", tempfile.mkdtemp()], check=True, cwd=REPO, capture_output=True)
    one = sweep("--workers", "1", "--threads", "1")
    one_two_threads = sweep("--workers", "1")
    two = sweep("--workers", "2")
    dask = sweep("--workers", "2", "--dask")
    result = {
        "experiment": EXPERIMENT, "scale": 0.01, "months": 132,
        "local_1_worker_1_thread": one, "local_1_worker_2_threads": one_two_threads, "local_2_workers": two,
        "dask_local_cluster_2_workers": dask,
        "scaling_efficiency_2_workers": round(two["runs_per_hour"] / (2 * one["runs_per_hour"]), 2),
        "dask_overhead_seconds_per_run": round((dask["process_wall_seconds"] - two["process_wall_seconds"])
                                               / dask["runs"], 2),
    }
    (RESULTS / "sweep.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

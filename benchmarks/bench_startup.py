"""`workforce run` start-up: a one-month run at scale 0.001 in a fresh process, its wall time less the model's
time (imports, cached kernels, reading the scenario and calibration, writing the outputs), and `workforce --help`,
median of 5 each after a warm-up run that fills the numba compile cache.

    python -m benchmarks.bench_startup

Prints seconds; issue 18's target for the start-up is 1.5 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "model.cli"]
RUNS = 5


def tiny_run() -> tuple[float, float]:
    """Process wall and model seconds of a one-month run at scale 0.001."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run([*COMMAND, "run", str(REPO / "scenarios" / "baseline.yaml"), "--scale", "0.001",
                        "--end", "2020-01", "--out", out], check=True, cwd=REPO, capture_output=True)
        wall = time.perf_counter() - started
        model = json.loads((Path(out) / "manifest.json").read_text())["timings_seconds"]["total"]
    return wall, model


def help_seconds() -> float:
    started = time.perf_counter()
    subprocess.run([*COMMAND, "--help"], check=True, cwd=REPO, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    tiny_run()  # warm the compile cache
    runs = np.array([tiny_run() for _ in range(RUNS)])
    wall, model = np.median(runs[:, 0]), np.median(runs[:, 1])
    start_up = float(np.median(runs[:, 0] - runs[:, 1]))
    helps = float(np.median([help_seconds() for _ in range(RUNS)]))
    print(f"one-month run at scale 0.001: process {wall:.2f} s, model {model:.2f} s, start-up {start_up:.2f} s; "
          f"workforce --help {helps:.2f} s (medians of {RUNS})")


if __name__ == "__main__":
    main()

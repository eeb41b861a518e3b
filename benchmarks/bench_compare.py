"""Comparison benchmark: the baseline against three reforms, 10 paired seeds, scale 0.01, 2020-01..2030-12.

    python -m benchmarks.bench_compare

Runs `workforce compare` in a fresh process after a short warm-up that fills the numba compile cache;
the result goes to benchmarks/results/compare.json and is printed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent
REFORMS = ("reform_2020.yaml", "lever_training_subsidy.yaml", "lever_pay_parity.yaml")


def compare(seeds: int, scale: float, end: str) -> dict:
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "model.cli", "compare", "scenarios/baseline.yaml",
                   *[f"scenarios/{r}" for r in REFORMS], "--seeds", str(seeds), "--scale", str(scale), "--end", end,
                   "--out", out]
        started = time.perf_counter()
        subprocess.run(command, check=True, cwd=REPO, capture_output=True)
        wall = time.perf_counter() - started
        manifest = json.loads((Path(out) / "manifest.json").read_text())
    runs = [run for runs in manifest["runs"].values() for run in runs]
    return {"command": " ".join(["workforce", *command[3:-2]]), "reforms": len(REFORMS), "seeds": seeds,
            "scale": scale, "runs": len(runs), "process_wall_seconds": round(wall, 1),
            "worker_processes": manifest["worker_processes"],
            "mean_run_seconds": round(sum(r["timings_seconds"]["total"] for r in runs) / len(runs), 2),
            "peak_rss_gib_per_process": round(max(r["peak_rss_bytes"] for r in runs) / 2**30, 2)}


def main() -> None:
    RESULTS.mkdir(exist_ok=True)
    compare(2, 0.001, "2020-03")  # warm the compile cache
    result = compare(10, 0.01, "2030-12")
    (RESULTS / "compare.json").write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

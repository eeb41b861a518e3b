"""Uncertainty benchmark: baseline vs reform_2020, posterior draws (20 unless --draws) x 2 seeds, scale 0.01, to 2030.

    python -m benchmarks.bench_posterior_compare
    python -m benchmarks.bench_posterior_compare --draws 100   # 10 calibrated draws: a steadier variance split

Runs `workforce compare --posterior N` in a fresh process after a short warm-up that fills the numba compile
cache; the result (wall time, runs, the decomposition of Δ high-skill workers) goes to
benchmarks/results/posterior_compare.json (posterior_compare_N.json for N other than 20) and is printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent


def compare(draws: int, seeds: int, scale: float, end: str) -> dict:
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "model.cli", "compare", "scenarios/baseline.yaml",
                   "scenarios/reform_2020.yaml", "--posterior", str(draws), "--seeds", str(seeds),
                   "--scale", str(scale), "--end", end, "--out", out]
        started = time.perf_counter()
        subprocess.run(command, check=True, cwd=REPO, capture_output=True)
        wall = time.perf_counter() - started
        manifest = json.loads((Path(out) / "manifest.json").read_text())
        row = pd.read_csv(Path(out) / "headline.csv").iloc[0]
    runs = [run for runs in manifest["runs"].values() for run in runs]
    effect = "delta_high_skill_workers"
    moves = row.get(f"{effect}_moves_with")
    return {"command": " ".join(["workforce", *command[3:-2]]), "posterior_draws": draws, "seeds": seeds,
            "scale": scale, "runs": len(runs), "process_wall_seconds": round(wall, 1),
            "worker_processes": manifest["worker_processes"],
            "mean_run_seconds": round(sum(r["timings_seconds"]["total"] for r in runs) / len(runs), 2),
            effect: {"mean": round(row[effect]), "interval": [round(row[f"{effect}_lo"]), round(row[f"{effect}_hi"])],
                     **{s: round(float(row[f"{effect}_share_{s}"]), 3) for s in ("noise", "fitted", "assumed")},
                     "moves_with": moves if pd.notna(moves) else ""}}  # an empty cell reads as NaN


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=20, help="posterior draws (default 20)")
    draws = parser.parse_args().draws
    RESULTS.mkdir(exist_ok=True)
    compare(2, 2, 0.001, "2020-03")  # warm the compile cache
    result = compare(draws, 2, 0.01, "2030-12")
    name = "posterior_compare.json" if draws == 20 else f"posterior_compare_{draws}.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str, allow_nan=False))
    print(json.dumps(result, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()

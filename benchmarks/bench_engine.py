"""Engine benchmarks: full scale, scale 0.01, and the speed-up over the per-agent Mesa reference.

    python -m benchmarks.bench_engine              # scale 0.01 run + reference comparison at 100k workers
    python -m benchmarks.bench_engine --full-scale # the 23-million-worker baseline, 2020-01..2030-12
    python -m benchmarks.bench_engine --full-scale --scenario full_reform  # ... with every lever
    python -m benchmarks.bench_engine --full-scale --with full_reform  # both, and their ratio (make bench-full)

Each measurement runs in a fresh process (peak RSS is that process's), after one warm-up run that
fills the numba compile cache. Each run is also given as a ratio to the memory floor measured right after it on
the same number of slots (benchmarks/memory_floor.py: one pass over every column): `month_in_floor_passes`, a
month's cost in floor passes, compares across machines. With `--with SCENARIO` the baseline and the scenario run
one after the other, and the scenario's result also holds its model time over the baseline's in that pair
(`over_baseline`: issue 18 asks for at most 1.3 with every lever on). These runs draw their start; the
baseline then runs once more reading its start, kept by a one-month run before it (`start_read`:
model/engine/start_cache.py). Results go to benchmarks/results/*.json and are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.memory_floor import floor_seconds
from model.engine.start_cache import CACHE_ENV

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent


def cli_run(scale: float, end: str = "2030-12", scenario: str = "baseline", starts: Path | None = None) -> dict:
    """`workforce run` in a fresh process; returns its manifest (timings, peak RSS) and wall time. The start is
    drawn, unless `starts` is a folder of kept starts (model/engine/start_cache.py) that may hold it."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "model.cli", "run", str(REPO / "scenarios" / f"{scenario}.yaml"),
                        "--scale", str(scale), "--end", end, "--out", out], check=True, cwd=REPO,
                       env={**os.environ, CACHE_ENV: str(starts) if starts else "off"})
        wall = time.perf_counter() - started
        manifest = json.loads((Path(out) / "manifest.json").read_text())
    months = 132 if end == "2030-12" else None
    timings = manifest["timings_seconds"]
    per_month = (timings["total"] - timings["synthesis"]) / months if months else None
    floor = floor_seconds(manifest["workers"]["slots"])
    return {"scenario": scenario, "scale": scale, "end": end, "start": manifest["workers"]["start"],
            "process_wall_seconds": round(wall, 1),
            "model_seconds": timings["total"], "seconds_per_month": round(per_month, 4) if months else None,
            "phase_seconds": timings, "peak_rss_gib": round(manifest["peak_rss_bytes"] / 2**30, 2),
            "slots": manifest["workers"]["slots"], "threads": manifest["environment"]["threads"],
            "memory_floor_seconds_per_pass": round(floor, 5),
            "month_in_floor_passes": round(per_month / floor, 1) if months else None,
            "phase_in_floor_passes": {k: round(v / months / floor, 2) for k, v in timings.items()
                                      if k not in ("total", "synthesis")} if months else None}


def start_read(scale: float) -> dict:
    """The baseline run reading its start, kept by a one-month run before it."""
    with tempfile.TemporaryDirectory() as starts:
        cli_run(scale, end="2020-01", starts=Path(starts))
        return cli_run(scale, starts=Path(starts))


def reference_speedup(workers: int = 100_000, months: int = 3) -> dict:
    """Time per agent-month of the engine and of the per-agent reference on the same population."""
    from benchmarks.reference_model import ReferenceModel
    from model.engine.workforce_model import WorkforceModel
    from model.scenario import Scenario

    scale = workers / 23e6
    spec = Scenario(name="baseline", period={"end": "2030-12"})
    engine = WorkforceModel(spec, scale=scale, seed=1)
    reference = ReferenceModel(engine)
    started = time.perf_counter()
    for _ in range(months):
        reference.step()
    reference_seconds = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(months):
        engine.step()
    engine_seconds = time.perf_counter() - started
    per_agent_month = {"engine_ns": engine_seconds / months / workers * 1e9,
                       "reference_ns": reference_seconds / months / workers * 1e9}
    return {"workers": workers, "months": months, **{k: round(v, 1) for k, v in per_agent_month.items()},
            "speedup": round(per_agent_month["reference_ns"] / per_agent_month["engine_ns"], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full-scale", action="store_true", help="run the 23-million-worker province")
    parser.add_argument("--scenario", default="baseline", help="scenario of scenarios/ for --full-scale")
    parser.add_argument("--with", dest="paired", metavar="SCENARIO",
                        help="with --full-scale: run the baseline, then this scenario, and give their ratio")
    args = parser.parse_args()
    if args.paired and not args.full_scale:
        parser.error("--with needs --full-scale")
    RESULTS.mkdir(exist_ok=True)
    scenarios = ["baseline", args.paired] if args.paired else [args.scenario]
    for scenario in scenarios:
        cli_run(0.001, end="2020-03", scenario=scenario)  # warm the compile cache
    if not args.full_scale:
        write("engine.json", {"scale_0.01": cli_run(0.01), "scale_0.01_start_read": start_read(0.01),
                              "reference_100k": reference_speedup()})
        return
    results = {scenario: cli_run(1.0, scenario=scenario) for scenario in scenarios}
    if "baseline" in results:
        results["baseline"]["start_read"] = start_read(1.0)
    if args.paired:
        baseline = results["baseline"]
        results[args.paired]["over_baseline"] = {
            "model_seconds": round(results[args.paired]["model_seconds"] / baseline["model_seconds"], 3),
            "process_wall_seconds": round(results[args.paired]["process_wall_seconds"]
                                          / baseline["process_wall_seconds"], 3)}
    for scenario, result in results.items():
        write("full_scale.json" if scenario == "baseline" else f"full_scale_{scenario}.json", {"full_scale": result})


def write(name: str, result: dict) -> None:
    (RESULTS / name).write_text(json.dumps(result, indent=2))
    print(name, json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

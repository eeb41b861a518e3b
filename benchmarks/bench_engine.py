"""Engine benchmarks: full scale, scale 0.01, and the speed-up over the per-agent Mesa reference.

    python -m benchmarks.bench_engine              # scale 0.01 run + reference comparison at 100k workers
    python -m benchmarks.bench_engine --full-scale # the 23-million-worker baseline, 2020-01..2030-12
    python -m benchmarks.bench_engine --full-scale --scenario full_reform  # ... with every lever

Each measurement runs in a fresh process (peak RSS is that process's), after one warm-up run that
fills the numba compile cache. Each run is also given as a ratio to the memory floor measured right after it on
the same number of slots (benchmarks/memory_floor.py: one pass over every column): `month_in_floor_passes`, a
month's cost in floor passes, compares across machines. Results go to benchmarks/results/*.json and are printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.memory_floor import floor_seconds

RESULTS = Path(__file__).resolve().parent / "results"
REPO = Path(__file__).resolve().parent.parent


def cli_run(scale: float, end: str = "2030-12", scenario: str = "baseline") -> dict:
    """`workforce run` in a fresh process; returns its manifest (timings, peak RSS) and wall time."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "model.cli", "run", str(REPO / "scenarios" / f"{scenario}.yaml"),
                        "--scale", str(scale), "--end", end, "--out", out], check=True, cwd=REPO)
        wall = time.perf_counter() - started
        manifest = json.loads((Path(out) / "manifest.json").read_text())
    months = 132 if end == "2030-12" else None
    timings = manifest["timings_seconds"]
    per_month = (timings["total"] - timings["synthesis"]) / months if months else None
    floor = floor_seconds(manifest["workers"]["slots"])
    return {"scenario": scenario, "scale": scale, "end": end, "process_wall_seconds": round(wall, 1),
            "model_seconds": timings["total"], "seconds_per_month": round(per_month, 4) if months else None,
            "phase_seconds": timings, "peak_rss_gib": round(manifest["peak_rss_bytes"] / 2**30, 2),
            "slots": manifest["workers"]["slots"], "threads": manifest["environment"]["threads"],
            "memory_floor_seconds_per_pass": round(floor, 5),
            "month_in_floor_passes": round(per_month / floor, 1) if months else None,
            "phase_in_floor_passes": {k: round(v / months / floor, 2) for k, v in timings.items()
                                      if k not in ("total", "synthesis")} if months else None}


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
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    cli_run(0.001, end="2020-03", scenario=args.scenario)  # warm the compile cache
    if args.full_scale:
        result = {"full_scale": cli_run(1.0, scenario=args.scenario)}
    else:
        result = {"scale_0.01": cli_run(0.01), "reference_100k": reference_speedup()}
    suffix = "" if args.scenario == "baseline" else f"_{args.scenario}"
    name = f"full_scale{suffix}.json" if args.full_scale else "engine.json"
    (RESULTS / name).write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Explorer latency: from a setting change to updated results, with the baseline cached.

    python -m benchmarks.bench_explorer

The explorer's defaults (scale 0.005, 2 seeds, reform_2020 against the baseline) for both horizons it offers up
to 2030: the first update runs the baseline too; each later one (the training-subsidy quota moved) runs only the
option, on the two long-lived worker processes. The browser adds its drawing on top (tests/test_explorer_browser.py
measures the whole loop at a smaller scale). Results go to benchmarks/results/explorer.json and are printed.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from pathlib import Path

import param

from model.reporting.explorer import DEFAULT_SCALE, DEFAULT_SEEDS, Explorer

RESULTS = Path(__file__).resolve().parent / "results"
QUOTA = "levers.training_subsidy.annual_quota.values.2020-01"
CHANGES = (150000.0, 200000.0, 90000.0, 250000.0)


def timed(app: Explorer) -> float:
    started = time.perf_counter()
    asyncio.run(app.update())
    return time.perf_counter() - started


def measure(end: str) -> dict:
    app = Explorer(lang="zh", scale=DEFAULT_SCALE, seeds=DEFAULT_SEEDS, end=end)
    try:
        first = timed(app)
        quota = next(s.widget for s in app.settings if s.path == QUOTA)
        latencies = []
        for value in CHANGES:
            with param.discard_events(quota):
                quota.value = value
            latencies.append(timed(app))
    finally:
        app.runner.close()
    return {"end": end, "scale": DEFAULT_SCALE, "seeds": DEFAULT_SEEDS, "first_update_seconds": round(first, 2),
            "change_seconds": [round(x, 2) for x in latencies], "median_change_seconds":
            round(statistics.median(latencies), 2)}


def main() -> None:
    results = [measure(end) for end in ("2025-12", "2030-12")]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "explorer.json").write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

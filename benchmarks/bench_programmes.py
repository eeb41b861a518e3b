"""The levers' programme phase, kernel by kernel: a `full_reform` run 2020-01..2030-12 at scale 0.1 (or --scale),
with each programme function timed where the month calls it, and the model's phase times.

    python -m benchmarks.bench_programmes [--scale 0.25] [--scenario baseline]

Prints seconds over the run: choosing applicants (with programmes moving on a month in the same pass), splitting
them by offer, rationing, enrolling, apprentices' starts at entry, and the phases (the README's Performance
section quotes them). Run it twice: the first run may compile.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable

from model.engine import programmes
from model.engine.workforce_model import WorkforceModel
from model.scenario import load_scenario
from model.shipped import scenario

KERNELS = ("advance", "choose_offers", "split_by_offer", "ration", "enrol", "start_at_entry")


def timed(function: Callable, seconds: dict[str, float], name: str) -> Callable:
    @functools.wraps(function)
    def call(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=0.1)
    parser.add_argument("--scenario", default="full_reform", help="a shipped scenario's name (the phases of any run)")
    args = parser.parse_args()
    seconds: dict[str, float] = {}
    for name in KERNELS:  # the month calls them through the module, so the timed ones are called
        setattr(programmes, name, timed(getattr(programmes, name), seconds, name))
    spec = load_scenario(scenario(args.scenario))
    model = WorkforceModel(spec, scale=args.scale, seed=0)
    model.run_until()
    print(f"{args.scenario}, scale {args.scale}, 2020-01..{spec.period.end}: programme kernels (s)",
          {name: round(seconds.get(name, 0.0), 3) for name in KERNELS})
    print("phases (s)", {name: round(value, 2) for name, value in model.phase_seconds.items()})


if __name__ == "__main__":
    main()

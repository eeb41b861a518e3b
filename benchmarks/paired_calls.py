"""Paired calls: a kernel of this checkout against the same kernel at another git revision, called alternately in
one process on the same population, so that a change is measured without the drift of the machine's speed between
processes (up to 2 times on some VMs). Also says whether the two give the same result.

    python -m benchmarks.paired_calls tally --against 4458dc8    # the KPI tally, scale 0.25
    python -m benchmarks.paired_calls tally_policy --against 4458dc8  # the tally with every lever (full_reform)
    python -m benchmarks.paired_calls tenure --against 4458dc8   # the steady state's tenure and trait draw, scale 0.1

Prints the median and fastest of the calls for each side (the README's Performance section quotes them). The
revision's module is compiled afresh in a temporary directory (about half a minute).
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numba
import numpy as np

from model import shipped
from model.engine import categories as cat
from model.engine import steady_state
from model.engine.workforce_model import WorkforceModel
from model.levers import PROGRAMMES
from model.outputs import kpis
from model.scenario import Scenario, load_scenario

REPO = Path(__file__).resolve().parent.parent
KERNELS = {"tally": (kpis, "model/outputs/kpis.py", 0.25),  # the module, its file and the scale of the population
           "tally_policy": (kpis, "model/outputs/kpis.py", 0.25),
           "tenure": (steady_state, "model/engine/steady_state.py", 0.1)}
POLICY_MONTHS = 36  # tally_policy: full_reform stepped to 2023-01, its levers under way


def module_at(revision: str, path: str, directory: str) -> ModuleType:
    """The file `path` as it was at `revision`, imported under a name of its own."""
    source = subprocess.run(["git", "show", f"{revision}:{path}"], cwd=REPO, check=True, capture_output=True,
                            text=True).stdout
    name = f"{Path(path).stem}_at_{re.sub(r'\W', '_', revision)}"
    file = Path(directory) / f"{name}.py"
    file.write_text(source)
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # numba and dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


def tally_call(model: WorkforceModel) -> Callable[[ModuleType], np.ndarray]:
    """The month's tally as the model calls it (`WorkforceModel._tally`), with its policy tables when levers are on."""
    cost_share, engineer_wage_factor = model.tally_policy_tables()
    parts: dict[str, kpis.TallyParts] = {}

    def call(module: ModuleType) -> np.ndarray:
        if module.__name__ not in parts:  # each side's own layout
            parts[module.__name__] = module.TallyParts.allocate(numba.get_num_threads(), len(cost_share),
                                                                len(PROGRAMMES), model.use_policy)
        cells, by_employer = module.tally(parts[module.__name__], model.month, model.rules, model.workers,
                                          model.tally_place_row, model.grade_wage, model.productivity_milli,
                                          cost_share, engineer_wage_factor, model.use_policy, len(PROGRAMMES))
        return np.concatenate([cells.ravel(), by_employer.ravel()])
    return call


def tenure_call(model: WorkforceModel) -> Callable[[ModuleType], np.ndarray]:
    w = model.workers
    live = np.flatnonzero(w.status != cat.GONE)
    arrivals = steady_state.arrival_densities(model.rules,
                                              model.calibration.scalar("young_migrant_arrivals_decline_per_year"))

    def call(module: ModuleType) -> np.ndarray:
        module._draw_tenure_and_trait(model.key, model.month, model.rules, live, w, arrivals)
        return np.concatenate([w.hire_month.astype(np.float64), w.quit_trait.astype(np.float64)])
    return call


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kernel", choices=sorted(KERNELS))
    parser.add_argument("--against", required=True, help="git revision to compare with (e.g. a commit)")
    parser.add_argument("--calls", type=int, default=9, help="calls of each side (default 9)")
    args = parser.parse_args()
    current, path, scale = KERNELS[args.kernel]
    scenario = load_scenario(shipped.scenario("full_reform")) if args.kernel == "tally_policy" else Scenario.baseline()
    model = WorkforceModel(scenario.with_period(end="2030-12"), scale=scale, seed=1)
    if args.kernel.startswith("tally"):
        for _ in range(POLICY_MONTHS if args.kernel == "tally_policy" else 3):
            model.step()
    call = (tally_call if args.kernel.startswith("tally") else tenure_call)(model)
    with tempfile.TemporaryDirectory() as directory:
        before = module_at(args.against, path, directory)
        same = np.array_equal(call(before), call(current))  # also compiles both
        seconds: dict[str, list[float]] = {"before": [], "now": []}
        for _ in range(args.calls):
            for side, module in (("before", before), ("now", current)):
                started = time.perf_counter()
                call(module)
                seconds[side].append(time.perf_counter() - started)
    print(f"{args.kernel}, scale {scale}, {numba.get_num_threads()} threads, {args.calls} alternating calls each: "
          + "; ".join(f"{side} ({args.against if side == 'before' else 'this checkout'}) median "
                      f"{np.median(s) * 1e3:.1f} ms, fastest {min(s) * 1e3:.1f} ms" for side, s in seconds.items())
          + f"; same result: {same}")


if __name__ == "__main__":
    main()

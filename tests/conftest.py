"""Shared fixtures: small-scale runs reused across tests (thousands of agents, a few years)."""

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

# at least two kernel threads even on a one-core runner, so 1-vs-2-thread determinism is tested
os.environ["NUMBA_NUM_THREADS"] = str(max(2, os.cpu_count() or 1))
# kept starts (model/engine/start_cache.py) in a folder of this session's, not the user's cache: runs of a seed
# after the first read their start, so the tests check read starts as well as drawn ones
_START_CACHE = tempfile.mkdtemp(prefix="workforce-start-cache-")
os.environ["WORKFORCE_START_CACHE"] = _START_CACHE
atexit.register(shutil.rmtree, _START_CACHE, ignore_errors=True)

import pytest  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # for benchmarks.reference_model

from model.engine.workforce_model import WorkforceModel  # noqa: E402
from model.scenario import Scenario  # noqa: E402

SMALL_SCALE = 0.001  # about 23,000 workers


def short_scenario(end: str = "2021-12") -> Scenario:
    return Scenario(name="baseline", period={"start": "2020-01", "end": end})


@pytest.fixture(scope="session")
def stepped_model():
    """A small model stepped month by month, with its state recorded after each month."""
    model = WorkforceModel(short_scenario(), scale=SMALL_SCALE, seed=11)
    history = []
    for _ in range(24):
        before = {name: getattr(model.workers, name).copy() for name in ("status", "grade", "events", "grade_month")}
        model.step()
        after = {name: getattr(model.workers, name).copy()
                 for name in ("status", "grade", "events", "wage_yuan_month", "education", "human_capital", "employer")}
        history.append((before, after))
    return model, history


@pytest.fixture(scope="session")
def small_kpis(stepped_model):
    model, _ = stepped_model
    return model.kpi_table()

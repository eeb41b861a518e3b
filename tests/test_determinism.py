"""Reproducibility: same scenario and seed give identical numbers, whatever the thread count."""

import numba
import numpy as np
import pandas as pd

from model.engine.workforce_model import WorkforceModel
from tests.conftest import short_scenario


def run_columns(seed: int, threads: int, months: int = 8):
    model = WorkforceModel(short_scenario("2020-08"), scale=0.0005, seed=seed, threads=threads)
    for _ in range(months):
        model.step()
    return model


def test_same_seed_gives_identical_state_and_kpis():
    a, b = run_columns(5, 2), run_columns(5, 2)
    for name in ("status", "employer", "grade", "human_capital", "wage_yuan_month", "birth_month", "hire_month"):
        np.testing.assert_array_equal(getattr(a.workers, name), getattr(b.workers, name))
    pd.testing.assert_frame_equal(a.kpi_table(), b.kpi_table())


def test_one_and_two_threads_give_identical_results():
    assert numba.config.NUMBA_NUM_THREADS >= 2  # set by conftest
    one, two = run_columns(9, 1), run_columns(9, 2)
    for name in ("status", "employer", "grade", "human_capital", "wage_yuan_month", "quit_trait"):
        np.testing.assert_array_equal(getattr(one.workers, name), getattr(two.workers, name))
    pd.testing.assert_frame_equal(one.kpi_table(), two.kpi_table())


def test_different_seeds_give_different_draws():
    a, b = run_columns(1, 2, months=2), run_columns(2, 2, months=2)
    assert not np.array_equal(a.workers.human_capital, b.workers.human_capital)


def test_results_do_not_depend_on_spare_capacity(monkeypatch):
    """With no spare slots the arrays grow when entrants need room; slot numbers, draws and results
    are those of a run that had the room from the start."""
    import model.engine.workforce_model as wm

    roomy = run_columns(4, 2, months=6)
    monkeypatch.setattr(wm, "CAPACITY_HEADROOM", 1.0)
    tight = run_columns(4, 2, months=6)
    assert tight.workers.capacity != roomy.workers.capacity
    live = int(roomy.workers.live().sum())
    for name in ("status", "employer", "grade", "human_capital", "wage_yuan_month", "birth_month"):
        common = min(tight.workers.capacity, roomy.workers.capacity)
        np.testing.assert_array_equal(getattr(tight.workers, name)[:common], getattr(roomy.workers, name)[:common])
    assert int(tight.workers.live().sum()) == live
    pd.testing.assert_frame_equal(tight.kpi_table(), roomy.kpi_table())


def test_a_reform_with_every_lever_is_identical_on_one_and_two_threads():
    from model.engine.population import WORKER_DTYPES
    from model.scenario import load_scenario
    from tests.conftest import REPO

    spec = load_scenario(REPO / "scenarios" / "full_reform.yaml").with_period(end="2021-06")
    one = WorkforceModel(spec, scale=0.0005, seed=3, threads=1)
    one.run_until()  # the thread count is global: each model runs right after it is built
    two = WorkforceModel(spec, scale=0.0005, seed=3, threads=2)
    two.run_until()
    for name in WORKER_DTYPES:
        np.testing.assert_array_equal(getattr(one.workers, name), getattr(two.workers, name), err_msg=name)
    pd.testing.assert_frame_equal(one.kpi_table(), two.kpi_table())
    pd.testing.assert_frame_equal(one.cost_ledger(), two.cost_ledger())
    assert one.cost_ledger().yuan.sum() > 0

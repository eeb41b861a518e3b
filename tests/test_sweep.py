"""Sweeps: executors agree, the store survives kills and corruption, failures are recorded, SALib indices."""

import importlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from test_cli import assert_one_line_error, assert_workers_die_with_the_killed, workforce

from model import load_results, sweep
from model.calibration.inputs import load_calibration
from model.errors import InputError
from model.experiments.experiment import plan_experiment
from model.experiments.results_store import load_runs
from model.experiments.runner import simulate
from model.experiments.sensitivity import analyse
from model.experiments.sweep import reduce_kpis

REPO = Path(__file__).resolve().parent.parent
SCENARIOS = REPO / "scenarios"
KPIS = ["high_skill_workers", "trainees", "quits", "mean_wage_yuan_month", "fiscal_cost_yuan"]


def write_experiment(directory: Path, **changes) -> Path:
    """A small grid: the training subsidy x pay parity base at 4 points, 2 seeds, paired with the baseline."""
    spec = {
        "name": "small grid",
        "baseline": str(SCENARIOS / "baseline.yaml"),
        "scenarios": [str(SCENARIOS / "training_and_parity.yaml")],
        "factors": [
            {"name": "training_subsidy_multiplier", "mode": "multiply", "values": [0.0, 2.0],
             "label": {"zh": "培训补贴（A类标准的倍数）", "en": "training subsidy (multiple of the class-A schedule)"},
             "path": ["levers.training_subsidy.subsidy_yuan", "levers.training_subsidy.annual_budget_yuan"]},
            {"name": "pay_parity_gap_closed",
             "label": {"zh": "补齐的待遇差距比例", "en": "share of the pay gap closed"},
             "path": "levers.pay_parity.gap_closed_share.values.2021-01",
             "values": [0.0, 0.75]},
        ],
        "design": {"method": "grid"},
        "seeds": 2,
        "scale": 0.001,
        "period": {"start": "2020-01", "end": "2021-06"},
        "keep": {"kpis": KPIS, "dimensions": ["province", "region"], "months": "annual"},
        **changes,
    }
    path = directory / "experiment.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


def kpi_values(directory: Path) -> pd.DataFrame:
    """The store's results without timings: what must not depend on how the sweep was run."""
    frame = load_results(directory)
    columns = ["run_id", "date", "kpi", "dimension", "group", "value"]
    return frame[columns].astype({c: str for c in ("run_id", "kpi", "dimension", "group")}) \
        .sort_values(columns[:-1]).reset_index(drop=True)


@pytest.fixture(scope="module")
def grid_sweep(tmp_path_factory):
    """The small grid, swept once on a local pool of 2 processes."""
    directory = tmp_path_factory.mktemp("grid")
    experiment = write_experiment(directory)
    summary = sweep(experiment, directory / "store", workers=2)
    return experiment, directory / "store", summary


def test_the_store_holds_every_run_once_with_its_factor_values(grid_sweep):
    _, store, summary = grid_sweep
    assert summary.complete and summary.failed == 0
    runs = load_runs(store)
    # 4 points x 2 seeds, and the baseline once per seed: it reads no factor, so every point shares it
    assert len(runs) == 10 and runs.run_id.is_unique and (runs.status == "done").all()
    assert (runs.role == "baseline").sum() == 2
    assert runs[runs.role == "baseline"].training_subsidy_multiplier.isna().all()
    parts = sorted(p.name for p in (store / "parts").iterdir())
    assert parts == sorted(f"{r}.{suffix}" for r in runs.run_id for suffix in ("parquet", "sha256"))
    results = load_results(store)
    assert set(results.kpi) == {*KPIS, "employer_cost_yuan"}
    assert set(results.dimension) == {"province", "region", "programme"}
    assert results.groupby(["run_id", "date", "kpi", "dimension", "group"], observed=True).size().max() == 1
    assert (store / "runs.parquet").exists()


def test_a_point_with_every_lever_at_zero_has_exactly_zero_effect(grid_sweep):
    _, store, _ = grid_sweep
    surface = analyse(store).surface
    off = surface[(surface.training_subsidy_multiplier == 0) & (surface.pay_parity_gap_closed == 0)]
    assert len(off) and (off.effect == 0).all()
    on = surface[(surface.training_subsidy_multiplier == 2) & (surface.kpi == "trainees")]
    assert (on.effect > 0).all() and (on.fiscal_cost_yuan > 0).all()


def test_local_pool_and_dask_local_cluster_give_identical_results(grid_sweep, tmp_path):
    experiment, store, _ = grid_sweep
    summary = sweep(experiment, tmp_path / "dask", workers=2, dask=True)
    assert summary.done == 10 and "dask" in summary.executor
    pd.testing.assert_frame_equal(kpi_values(store), kpi_values(tmp_path / "dask"))


def test_an_existing_dask_cluster_is_reached_by_its_scheduler_address(grid_sweep, tmp_path):
    from distributed import LocalCluster

    experiment, store, _ = grid_sweep
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        result = workforce("sweep", str(experiment), "--out", str(tmp_path / "remote"), "--scheduler",
                           cluster.scheduler_address)
    assert result.returncode == 0, result.stderr
    assert f"dask cluster {cluster.scheduler_address}" in result.stderr
    pd.testing.assert_frame_equal(kpi_values(store), kpi_values(tmp_path / "remote"))
    unreachable = workforce("sweep", str(experiment), "--out", str(tmp_path / "nowhere"), "--scheduler",
                            "tcp://127.0.0.1:9")
    assert_one_line_error(unreachable, "scheduler: cannot reach the Dask scheduler at tcp://127.0.0.1:9")
    assert not (tmp_path / "nowhere").exists()


def test_a_sweep_killed_with_sigkill_resumes_to_the_same_results(grid_sweep, tmp_path):
    experiment, store, _ = grid_sweep
    out = tmp_path / "killed"
    command = [sys.executable, "-m", "model.cli", "sweep", str(experiment), "--out", str(out), "--workers", "1",
               "--seeds", "4"]  # 20 runs one after another in one process
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)

    def committed() -> int:  # a checksum file under its own name (a hidden one is a write in progress)
        return len([p for p in (out / "parts").glob("*.sha256") if not p.name.startswith(".")])

    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and committed() < 3:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    kept = committed()
    assert 3 <= kept < 20, "the kill should land part-way through the sweep"
    result = workforce("sweep", str(experiment), "--out", str(out), "--workers", "1", "--seeds", "4")
    assert result.returncode == 0, result.stderr
    assert f"{kept} already in the store, {20 - kept} made now" in result.stderr
    runs = load_runs(out)
    assert len(runs) == 20 and runs.run_id.is_unique and (runs.status == "done").all()
    seeds_0_1 = kpi_values(out)
    seeds_0_1 = seeds_0_1[seeds_0_1.run_id.str.endswith(("seed0", "seed1"))].reset_index(drop=True)
    pd.testing.assert_frame_equal(seeds_0_1, kpi_values(store))


def test_a_corrupt_or_partial_part_is_detected_and_redone(grid_sweep, tmp_path):
    experiment, store, _ = grid_sweep
    out = tmp_path / "store"
    sweep(experiment, out, workers=1)
    parts = sorted((out / "parts").glob("*.parquet"))
    truncated, flipped = parts[1], parts[4]
    truncated.write_bytes(truncated.read_bytes()[: truncated.stat().st_size // 2])
    data = bytearray(flipped.read_bytes())
    data[len(data) // 3] ^= 0xFF
    flipped.write_bytes(bytes(data))
    summary = sweep(experiment, out, workers=1)
    assert (summary.already_done, summary.done) == (8, 2)
    assert len(list((out / "corrupt").iterdir())) == 2
    pd.testing.assert_frame_equal(kpi_values(out), kpi_values(store))


def test_a_failing_run_is_recorded_and_the_others_finish(grid_sweep, tmp_path, monkeypatch):
    experiment, _, _ = grid_sweep
    sweep_module = importlib.import_module("model.experiments.sweep")

    real = sweep_module.simulate

    def failing_for_seed_1(scenario, scale, seed, **kwargs):
        if seed == 1 and scenario.levers.active():  # every run but the baseline
            raise RuntimeError("numerical trouble in month 7")
        return real(scenario, scale, seed, **kwargs)

    monkeypatch.setattr(sweep_module, "simulate", failing_for_seed_1)
    out = tmp_path / "store"
    summary = sweep(experiment, out, workers=1)
    assert (summary.done, summary.failed) == (6, 4)
    runs = load_runs(out)
    failed = runs[runs.status == "failed"]
    assert set(failed.seed) == {1} and failed.error.str.contains("numerical trouble in month 7").all()
    with pytest.raises(Exception, match="numerical trouble"):
        sweep(experiment, tmp_path / "fail-fast", workers=1, fail_fast=True)
    monkeypatch.setattr(sweep_module, "simulate", real)
    summary = sweep(experiment, out, workers=1)  # a rerun retries only the failed runs
    assert (summary.already_done, summary.done, summary.failed) == (6, 4, 0)
    assert (load_runs(out).status == "done").all() and not any((out / "failures").iterdir())


def test_a_changed_experiment_is_refused_on_an_existing_store(grid_sweep, tmp_path):
    experiment, store, _ = grid_sweep
    changed = write_experiment(tmp_path, seeds=3, design={"method": "grid"},
                               keep={"kpis": ["quits"], "dimensions": ["province"], "months": "last"})
    with pytest.raises(InputError, match=r"different experiment \(changed: .*keep"):
        sweep(changed, store, workers=1)
    with pytest.raises(InputError, match="changed: experiment.scale"):
        sweep(experiment, store, workers=1, scale=0.002)
    result = workforce("sweep", str(changed), "--out", str(store))
    assert_one_line_error(result, "different experiment")


def test_max_runs_and_seeds_select_runs_and_a_later_call_completes_them(grid_sweep, tmp_path):
    experiment, store, _ = grid_sweep
    out = tmp_path / "store"
    first = sweep(experiment, out, workers=1, max_runs=1, seeds=1)
    assert (first.planned, first.done) == (2, 2)  # point 0: its run and the baseline, seed 0
    rest = sweep(experiment, out, workers=1)
    assert (rest.already_done, rest.done) == (2, 8)
    pd.testing.assert_frame_equal(kpi_values(out), kpi_values(store))


def test_kept_flows_are_sums_and_stocks_are_month_end_values(tmp_path):
    table = simulate(SCENARIOS / "lever_training_subsidy.yaml", 0.001, 3, end="2021-08").table
    exp = plan_experiment(write_experiment(tmp_path)).experiment
    for months in ("last", "annual"):
        reduced = reduce_kpis(table, exp.keep.model_copy(update={"months": months}))
        province = table[(table.dimension == "province")]
        kept = reduced[reduced.dimension == "province"]
        assert kept.loc[kept.kpi == "quits", "value"].sum() == province.loc[province.kpi == "quits", "value"].sum()
        last = province[province.date == province.date.max()].set_index("kpi")["value"]
        at_last = kept[kept.date == kept.date.max()].set_index("kpi")["value"]
        assert at_last["high_skill_workers"] == last["high_skill_workers"]
    assert len(reduced[(reduced.kpi == "quits") & (reduced.dimension == "province")]) == 2  # 2020-12 and 2021-08


def test_a_run_without_levers_does_not_read_the_lever_responses():
    """Why a sweep's baseline runs are shared across values of `scope: levers` parameters."""
    calibration = load_calibration()
    lever_scoped = {name: p.bounds[1] if p.value != p.bounds[1] else p.bounds[0]
                    for name, p in calibration.parameters.items() if p.scope == "levers"}
    assert len(lever_scoped) >= 10
    default = simulate(None, 0.001, 5, end="2021-06").table
    extreme = simulate(None, 0.001, 5, end="2021-06", parameters=lever_scoped).table
    pd.testing.assert_frame_equal(default, extreme)
    with_lever = simulate(SCENARIOS / "lever_training_subsidy.yaml", 0.001, 5, end="2021-06",
                          parameters=lever_scoped).table
    assert not with_lever["value"].equals(default["value"])


def test_sobol_indices_of_a_factor_without_effect_are_zero(tmp_path):
    experiment = write_experiment(
        tmp_path, scenarios=[str(SCENARIOS / "lever_training_subsidy.yaml")],
        factors=[{"name": "take_up", "path": "parameters.training_take_up_monthly", "range": [0.001, 0.02]},
                 # no apprenticeship lever in this scenario: the completion rate cannot matter
                 {"name": "apprentice_completion", "path": "parameters.apprenticeship_completion_rate",
                  "range": [0.3, 1.0]}],
        design={"method": "sobol", "samples": 8, "seed": 1},
        keep={"kpis": ["trainees", "high_skill_workers"], "dimensions": ["province"], "months": "last"})
    summary = sweep(experiment, tmp_path / "store", workers=1)
    assert summary.planned == 8 * 4 * 2 + 2  # Saltelli: N (D + 2) points x 2 seeds, one shared baseline a seed
    analysis = analyse(tmp_path / "store")
    trainees = analysis.indices[analysis.indices.kpi == "trainees"].set_index("factor")
    assert trainees.loc["apprentice_completion", "ST"] == 0 and trainees.loc["apprentice_completion", "S1"] == 0
    assert trainees.loc["take_up", "ST"] > 0.8 and trainees.loc["take_up", "S1"] > 0.5
    assert np.isfinite(trainees.ST_conf).all()
    noise = analysis.seed_noise.set_index("kpi")
    # the indices use point means: most of their variance must be the factor's, not replication noise
    assert 0 <= noise.loc["trainees", "seed_variance_share"] <= 1
    assert 0 <= noise.loc["trainees", "seed_variance_share_of_point_means"] < 0.5
    written = analysis.write(tmp_path / "store")
    assert [p.name for p in written] == ["indices.csv", "seed_noise.csv", "surface.csv"]
    result = workforce("sensitivity", str(tmp_path / "store"))
    assert result.returncode == 0, result.stderr
    assert "sobol indices of each KPI's effect" in result.stderr
    indices = pd.read_csv(tmp_path / "store" / "analysis" / "indices.csv")
    assert {"scenario", "kpi", "outcome", "factor", "S1", "S1_conf", "ST", "ST_conf",
            "seed_variance_share_of_point_means"} <= set(indices.columns)


def test_sensitivity_command_writes_tidy_tables(grid_sweep):
    _, store, _ = grid_sweep
    result = workforce("sensitivity", str(store))
    assert result.returncode == 0, result.stderr
    surface = pd.read_csv(store / "analysis" / "surface.csv")
    assert {"training_subsidy_multiplier", "pay_parity_gap_closed", "effect", "lo", "hi",
            "fiscal_cost_yuan"} <= set(surface.columns)
    assert len(surface[surface.kpi == "high_skill_workers"]) == 4


@pytest.mark.parametrize(("change", "fragment"), [
    ({"design": {"method": "sobol", "samples": 6}}, "design: samples: 6 is not a power of 2"),
    ({"design": {"method": "lhs"}}, "design: samples: is required for method lhs"),
    ({"design": {"method": "latin"}}, "design.method"),
    ({"seeds": 0}, "seeds"),
    ({"scale": 2.0}, "scale"),
    ({"scale": "abc"}, ": scale: Input should be a valid number"),  # no `scale.float` type tag in the message
    ({"name": "grid\x1b[31m"}, "name: contains a control character"),
    ({"colour": "red"}, "unknown key (allowed: name, description, baseline, scenarios"),
    ({"factors": [{"name": "x", "path": "levers.training_subsidy.annual_quota", "values": [1], "step": 2}]},
     "factors.0.step: unknown key (allowed: name, description, label, path, mode, values, range)"),
    ({"factors": [{"name": "x", "path": "wages.minimum", "values": [1.0]}]}, "use levers.<lever>.<setting>"),
    ({"factors": [{"name": "x", "path": "parameters.no_such_thing", "values": [1.0]}]}, "unknown parameter"),
    ({"factors": [{"name": "x", "path": "parameters.training_take_up_monthly", "values": [0.5]}]},
     "must stay within its bounds [0, 0.05]"),
    ({"factors": [{"name": "x", "path": "levers.pay_parity.gap_closed_share", "values": [1.5]}]},
     "outside the allowed range 0 to 1"),
    ({"factors": [{"name": "x", "path": "parameters.training_take_up_monthly", "values": [float("nan")]}]},
     "not a finite number"),
    ({"keep": {"kpis": ["happiness"]}}, "keep.kpis.0"),
    ({"scenarios": ["no_such_scenario.yaml"]}, "scenarios.0"),
])
def test_malformed_experiments_give_one_line_errors(tmp_path, change, fragment):
    experiment = write_experiment(tmp_path, **change)
    with pytest.raises(InputError) as error:
        plan_experiment(experiment)
    assert fragment in str(error.value) and "\n" not in str(error.value)
    assert str(experiment) in str(error.value)
    assert not (tmp_path / "out").exists()


def test_malformed_experiment_from_the_cli_exits_2_and_writes_nothing(tmp_path):
    experiment = write_experiment(tmp_path, design={"method": "sobol", "samples": 6})
    result = workforce("sweep", str(experiment), "--out", str(tmp_path / "out"))
    assert_one_line_error(result, "not a power of 2")
    assert not (tmp_path / "out").exists()


def test_every_shipped_experiment_plans():
    for path in sorted((SCENARIOS / "experiments").glob("*.yaml")):
        plan = plan_experiment(path)
        assert plan.runs and len({r.run_id for r in plan.runs}) == len(plan.runs)


def test_a_scale_that_will_not_fit_is_refused_before_anything_is_written(grid_sweep, tmp_path, monkeypatch):
    experiment, _, _ = grid_sweep
    import model.engine.memory

    class Tight:
        available = 600 * 2**20

    monkeypatch.setattr(model.engine.memory.psutil, "virtual_memory", lambda: Tight())
    with pytest.raises(InputError, match=r"scale: 0.5 needs about .* allowed range on this machine is up to about"):
        sweep(experiment, tmp_path / "out", scale=0.5)
    assert not (tmp_path / "out").exists()


def test_a_sweep_whose_runs_fail_exits_1_through_the_real_entry_point(tmp_path):
    """At a scale too small for any worker every run fails: the command must say so in its exit code."""
    experiment = write_experiment(tmp_path, scale=1e-6, seeds=1)
    result = workforce("sweep", str(experiment), "--out", str(tmp_path / "out"), "--workers", "1")
    assert result.returncode == 1, result.stderr
    assert "failed" in result.stderr.splitlines()[-1]


def test_sweep_and_run_apply_the_same_period_rule_to_dated_values(tmp_path):
    """A scenario whose dated values start in 2021, cut to 2020 by --end: `run` accepts it, and so does `sweep`."""
    from model.experiments.experiment import plan_experiment

    experiment = write_experiment(tmp_path)  # training_and_parity.yaml has values dated 2021-01
    plan = plan_experiment(experiment, end="2020-12")
    assert all(run.scenario.period.end == "2020-12" for run in plan.runs)
    simulate(SCENARIOS / "training_and_parity.yaml", 0.0005, 1, end="2020-06")


def test_worker_processes_die_with_a_killed_sweep(tmp_path):
    experiment = write_experiment(tmp_path, seeds=4, scale=0.005)
    assert_workers_die_with_the_killed([sys.executable, "-m", "model.cli", "sweep", str(experiment), "--out",
                                        str(tmp_path / "out"), "--workers", "2"])


def test_seed_noise_separates_posterior_draws_from_seeds():
    from model.experiments.sensitivity import _seed_noise

    rng = np.random.default_rng(3)
    rows = [{"scenario": "s", "kpi": "k", "point": p, "draw": d, "seed": s, "effect": 10.0 * p + draw_shift + noise}
            for p in range(20) for d, draw_shift in enumerate(rng.normal(0, 3.0, 4)) for s, noise in
            enumerate(rng.normal(0, 0.3, 3))]
    nested = _seed_noise(pd.DataFrame(rows)).iloc[0]
    assert nested.posterior_draws == 4 and nested.seeds == 3
    total = 10.0**2 * np.var(range(20), ddof=1) + 3.0**2 + 0.3**2
    assert nested.parameter_variance_share == pytest.approx(3.0**2 / total, rel=0.6)
    assert nested.seed_variance_share == pytest.approx(0.3**2 / total, rel=0.6)
    assert nested.seed_variance_share < nested.parameter_variance_share / 20  # the draws are not seed noise
    flat = _seed_noise(pd.DataFrame(rows).drop(columns="draw")).iloc[0]  # draws taken as seeds, as before
    assert flat.posterior_draws == 0 and flat.seed_variance_share > 10 * nested.seed_variance_share

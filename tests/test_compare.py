"""Paired comparison: reform minus baseline on common random numbers, with intervals."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model import compare
from model.errors import InputError
from model.levers import LEVER_IDS
from model.outputs.kpis import GROUPS
from model.scenario import Scenario, load_scenario

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.yaml"


def test_a_scenario_compared_with_itself_has_exactly_zero_effect():
    spec = Scenario(name="baseline", period={"end": "2020-12"})
    result = compare(spec, [spec], seeds=2, scale=0.0005)
    assert set(result.effects.scenario) == {"baseline (2)"}
    values = result.effects[["mean", "lo", "hi"]].to_numpy()
    assert np.all((values == 0) | np.isnan(values))
    assert (result.effects["mean"] == 0).mean() > 0.95  # NaN only where a ratio has no workers
    assert list(result.effects.columns) == ["scenario", "scenario_id", "date", "kpi", "dimension", "group", "mean",
                                            "lo", "hi"]
    assert set(result.effects.scenario_id) == {"baseline-2"}
    assert result.manifest["scenario_ids"]["baseline"] == "baseline"
    row = result.headline.iloc[0]
    assert row["delta_high_skill_workers"] == 0 and row["delta_turnover_pp"] == 0


def test_a_reform_compared_with_itself_has_zero_effect_zero_cost_and_no_winners_or_losers():
    reform = load_scenario(REPO / "scenarios" / "reform_2020.yaml").with_period(end="2020-09")
    result = compare(reform, [reform], seeds=2, scale=0.0005)
    values = result.effects[["mean", "lo", "hi"]].to_numpy()
    assert np.all((values == 0) | np.isnan(values))
    row = result.headline.iloc[0]
    assert row["fiscal_cost_yuan_total"] == 0 and row["wage_winners_share"] == 0 and row["wage_losers_share"] == 0
    assert row["own_wage_effect"] == 0


def test_the_headline_carries_costs_by_programme_discounted_costs_and_costs_per_worker():
    reform = REPO / "scenarios" / "reform_2020.yaml"
    result = compare(BASELINE, [reform], seeds=3, scale=0.0005, end="2021-12")
    row = result.headline.iloc[0]
    for column in ["delta_high_skill_workers", "delta_high_skill_share", "delta_turnover_pp",
                   "delta_mean_wage_yuan_month", "delta_output_index", "delta_retained_workers",
                   *[f"fiscal_cost_yuan_{lever}" for lever in LEVER_IDS], "fiscal_cost_yuan_total",
                   "fiscal_cost_yuan_total_discounted", "employer_cost_yuan_total",
                   "employer_cost_yuan_total_discounted",
                   "fiscal_cost_per_high_skill_worker_yuan", "fiscal_cost_per_retained_worker_yuan",
                   "total_cost_per_high_skill_worker_yuan", "total_cost_per_retained_worker_yuan",
                   "wage_winners_share", "wage_losers_share", "own_wage_effect"]:
        assert column in row and f"{column}_lo" in row and f"{column}_hi" in row, column
    # 120,000 trainees a year at most 2,000 yuan each (targets up to 高级工), for two years
    assert 0 < row["fiscal_cost_yuan_training_subsidy"] <= 2 * 120_000 * 2_000
    assert row["fiscal_cost_yuan_total_discounted"] < row["fiscal_cost_yuan_total"]
    assert row["fiscal_cost_yuan_total"] == pytest.approx(sum(row[f"fiscal_cost_yuan_{x}"] for x in LEVER_IDS))
    assert row["employer_cost_yuan_total"] > 0  # grade-wage bargaining in the pilots
    assert row["delta_high_skill_workers"] > 0
    per_worker = row["fiscal_cost_per_high_skill_worker_yuan"]
    assert np.isnan(per_worker) or row["fiscal_cost_per_high_skill_worker_yuan_lo"] <= per_worker
    shares = result.effects[result.effects.kpi == "wage_winners_share"]
    assert len(shares) == len(GROUPS) + 10 and set(shares.dimension) >= {"region", "sector", "age_band", "wage_decile"}
    assert 0 <= row["wage_winners_share"] <= 1


def test_intervals_bracket_the_mean_and_need_two_replications():
    spec = Scenario(name="baseline", period={"end": "2020-06"})
    one = compare(spec, [spec], seeds=1, scale=0.0005)
    assert one.effects["lo"].isna().all()
    with pytest.raises(InputError, match="seeds"):
        compare(spec, [spec], seeds=0)


def test_compare_cli_writes_effects_headline_and_manifest(tmp_path):
    out = tmp_path / "cmp"
    result = subprocess.run([sys.executable, "-m", "model.cli", "compare", str(BASELINE), str(BASELINE), "--seeds", "2",
                             "--scale", "0.0005", "--end", "2020-04", "--out", str(out)],
                            capture_output=True, text=True, cwd=REPO, timeout=600)
    assert result.returncode == 0, result.stderr
    effects = pd.read_parquet(out / "effects.parquet")
    assert effects.date.nunique() == 4
    headline = pd.read_csv(out / "headline.csv")
    assert len(headline) == 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seeds"] == [0, 1] and manifest["baseline"] == "基准情景 (baseline)"
    assert len(manifest["runs"][manifest["baseline"]]) == 2


def test_a_malformed_reform_stops_before_any_run_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nlevers_typo: 1\n")
    out = tmp_path / "cmp"
    result = subprocess.run([sys.executable, "-m", "model.cli", "compare", str(BASELINE), str(bad), "--out", str(out)],
                            capture_output=True, text=True, cwd=REPO, timeout=600)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "bad.yaml" in result.stderr
    assert not out.exists()


def test_results_do_not_depend_on_the_number_of_worker_processes():
    reform = REPO / "scenarios" / "reform_2020.yaml"
    one = compare(BASELINE, [reform], seeds=2, scale=0.0005, end="2020-08", workers=1)
    two = compare(BASELINE, [reform], seeds=2, scale=0.0005, end="2020-08", workers=2)
    assert one.manifest["worker_processes"] == 1 and two.manifest["worker_processes"] == 2
    pd.testing.assert_frame_equal(one.effects, two.effects)
    pd.testing.assert_frame_equal(one.headline, two.headline)


def test_a_failed_replication_fails_the_comparison_saying_which(monkeypatch):
    import importlib

    from model.errors import ReplicationsFailed

    comparison = importlib.import_module("model.experiments.compare")
    real = comparison.simulate

    def failing_on_the_second_seed(*args, **kwargs):  # a real run, except that seed 1 breaks
        if args[2] == 1:
            raise MemoryError("out of memory")
        return real(*args, **kwargs)

    monkeypatch.setattr(comparison, "simulate", failing_on_the_second_seed)
    with pytest.raises(ReplicationsFailed, match=r"replication 2 of 2 failed .*MemoryError: out of memory"):
        compare("baseline", ["lever_pay_parity"], seeds=2, scale=0.0005, end="2020-03", workers=1)

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
from model.scenario import Scenario

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.yaml"


def test_a_scenario_compared_with_itself_has_exactly_zero_effect():
    spec = Scenario(name="baseline", period={"end": "2020-12"})
    result = compare(spec, [spec], seeds=2, scale=0.0005)
    assert set(result.effects.scenario) == {"baseline (2)"}
    values = result.effects[["mean", "lo", "hi"]].to_numpy()
    assert np.all((values == 0) | np.isnan(values))
    assert (result.effects["mean"] == 0).mean() > 0.95  # NaN only where a ratio has no workers
    assert list(result.effects.columns) == ["scenario", "date", "kpi", "dimension", "group", "mean", "lo", "hi"]
    row = result.headline.iloc[0]
    assert row["delta_high_skill_workers"] == 0 and row["delta_turnover_pp"] == 0


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
    assert manifest["seeds"] == [0, 1] and manifest["baseline"] == "baseline"
    assert len(manifest["runs"]["baseline"]) == 2


def test_a_malformed_reform_stops_before_any_run_and_writes_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nlevers_typo: 1\n")
    out = tmp_path / "cmp"
    result = subprocess.run([sys.executable, "-m", "model.cli", "compare", str(BASELINE), str(bad), "--out", str(out)],
                            capture_output=True, text=True, cwd=REPO, timeout=600)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "bad.yaml" in result.stderr
    assert not out.exists()

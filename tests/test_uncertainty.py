"""Uncertainty: priors, the posterior's draws, the variance decomposition, propagation through `compare
--posterior`, and the report's confidence wording."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from model import compare
from model.calibration import posterior
from model.calibration.inputs import load_calibration
from model.calibration.priors import CALIBRATED, Prior, calibrated_priors, draw, response_priors
from model.errors import InputError
from model.experiments import uncertainty
from model.reporting import report
from model.scenario import Scenario

REPO = Path(__file__).resolve().parent.parent
BASELINE = REPO / "scenarios" / "baseline.yaml"


def nested_samples(a, m, r, sd_fitted, sd_assumed, sd_noise, seed=0, trailing=()):
    rng = np.random.default_rng(seed)
    fitted = rng.normal(0, sd_fitted, (a, 1, 1, *trailing))
    assumed = rng.normal(0, sd_assumed, (a, m, 1, *trailing))
    noise = rng.normal(0, sd_noise, (a, m, r, *trailing))
    return (5.0 + fitted + assumed + noise).reshape(a * m, r, *trailing)


def test_variance_shares_sum_to_one_and_recover_known_components():
    samples = nested_samples(a=60, m=8, r=4, sd_fitted=2.0, sd_assumed=1.0, sd_noise=0.5, trailing=(3,))
    parts = uncertainty.decompose(samples, per_fitted=8)
    total = parts["share_noise"] + parts["share_fitted"] + parts["share_assumed"]
    np.testing.assert_allclose(total, 1.0)
    truth = np.array([0.25, 4.0, 1.0]) / 5.25
    for k, source in enumerate(uncertainty.SOURCES):
        np.testing.assert_allclose(parts[f"share_{source}"], truth[k], atol=0.12)
    assert np.all(parts["lo"] < parts["mean"]) and np.all(parts["mean"] < parts["hi"])


def test_pure_seed_noise_is_put_on_simulation_noise():
    parts = uncertainty.decompose(nested_samples(8, 6, 5, 0.0, 0.0, 1.0), per_fitted=6)
    assert parts["share_noise"] > 0.8


def test_an_effect_that_never_varies_has_no_shares_and_a_point_interval():
    parts = uncertainty.decompose(np.full((6, 2, 4), 3.0), per_fitted=3)
    assert np.all(np.isnan(parts["share_noise"])) and np.all(parts["lo"] == 3.0) and np.all(parts["hi"] == 3.0)


def test_triangular_priors_follow_scipy_and_stay_in_their_range():
    prior = Prior("x", "triangular", -2.0, 1.0, 0.25)
    u = np.linspace(0.001, 0.999, 50)
    reference = stats.triang((0.25 + 2.0) / 3.0, loc=-2.0, scale=3.0)
    np.testing.assert_allclose(prior.quantile(u), reference.ppf(u))
    x = np.linspace(-2.5, 1.5, 41)
    np.testing.assert_allclose([prior.density(v) for v in x], reference.pdf(x), atol=1e-12)
    flat = Prior("y", "uniform", 0.5, 2.5)
    assert [flat.density(v) for v in (0.4, 0.5, 1.7, 2.5, 2.6)] == [0.0, 0.5, 0.5, 0.5, 0.0]
    assert prior.mean() == pytest.approx(reference.mean()) and prior.sd() == pytest.approx(reference.std())
    calibration = load_calibration()
    priors = response_priors(calibration)
    levers = {n for n, p in calibration.parameters.items() if p.scope == "levers"}
    assert set(priors) == levers  # every assumed response has its prior
    for values in draw(priors, 30, seed=1):
        for name, value in values.items():
            lo, hi = calibration.parameters[name].bounds
            assert lo <= value <= hi
    assert set(calibrated_priors(calibration)) == set(CALIBRATED)


def test_posterior_draws_follow_the_particle_weights(tmp_path):
    calibration = load_calibration()
    rows = [{"weight": w, **{n: calibration.parameters[n].bounds[k] for n in CALIBRATED}} for k, w in ((0, 1.0),
                                                                                                       (1, 0.0))]
    path = tmp_path / "posterior.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    draws = posterior.draws(10, seed=3, path=path)
    assert all(d[CALIBRATED[0]] == calibration.parameters[CALIBRATED[0]].bounds[0] for d in draws)
    rows[1]["weight"] = 1.0
    pd.DataFrame(rows).to_csv(path, index=False)
    lows = sum(d[CALIBRATED[0]] == calibration.parameters[CALIBRATED[0]].bounds[0]
               for d in posterior.draws(10, seed=3, path=path))
    assert lows == 5  # systematic resampling: exactly in proportion to the weights


def test_draws_from_a_posterior_of_other_targets_come_with_a_warning(tmp_path):
    """posterior.yaml records the digest of the targets file the posterior was drawn against; drawing from one
    calibrated to other targets warns (comparisons, predictions and sweeps all draw through posterior.draws), and
    a matching one does not."""
    import warnings

    import yaml

    from model.calibration.targets import TARGETS_FILE
    from model.files import short_digest

    calibration = load_calibration()
    path = tmp_path / "posterior.csv"
    pd.DataFrame([{"weight": 1.0, **{n: calibration.scalar(n) for n in CALIBRATED}}]).to_csv(path, index=False)
    assert posterior.drawn_against_current_targets(path) is None  # no summary beside it: nothing to say
    for digest, stale in (("0123456789abcdef", True), (short_digest(TARGETS_FILE), False)):
        path.with_suffix(".yaml").write_text(yaml.safe_dump({"provenance": {"targets_file_sha256": digest}}))
        assert posterior.drawn_against_current_targets(path) is (not stale)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            uncertainty.design(4, 0, posterior_file=path)
        assert [w.category for w in caught] == ([posterior.StalePosteriorWarning] if stale else [])


def test_a_missing_or_malformed_posterior_is_a_one_line_input_error(tmp_path):
    with pytest.raises(InputError, match="calibrate --posterior"):
        posterior.draws(4, 0, tmp_path / "none.csv")
    (tmp_path / "bad.csv").write_text("weight,foo\n1,2\n")
    with pytest.raises(InputError, match="lacks the columns"):
        posterior.draws(4, 0, tmp_path / "bad.csv")
    with pytest.raises(InputError, match="posterior: 1 is outside the allowed range"):
        uncertainty.design(1, 0)


def test_the_nested_design_shares_few_calibrated_draws_and_the_flat_one_gives_each_draw_its_own():
    nested, flat = uncertainty.design(20, 0), uncertainty.design(20, 0, nested=False)
    assert (len(nested.fitted), nested.per_fitted, len(nested.draws)) == (4, 5, 20)
    assert (len(flat.fitted), flat.per_fitted, len(flat.draws)) == (20, 1, 20)
    assert [d.fitted for d in flat.draws] == list(range(20))
    for one in flat.draws:  # each draw carries its own calibrated set and its own responses
        assert flat.fitted[one.fitted].items() <= one.parameters.items()
    responses = [frozenset((k, v) for k, v in d.parameters.items() if k not in flat.fitted[0]) for d in flat.draws]
    assert len(set(responses)) == 20


@pytest.fixture(scope="module")
def propagated():
    """Baseline vs pay parity and a placebo, 4 parameter draws x 2 seeds, with the shipped posterior."""
    placebo = Scenario(name="placebo", period={"end": "2021-06"})
    parity = REPO / "scenarios" / "lever_pay_parity.yaml"
    return compare(BASELINE, [parity, placebo], seeds=2, scale=0.0005, end="2021-06", posterior=4)


def test_propagation_runs_every_draw_paired_and_carries_the_decomposition(propagated):
    result = propagated
    assert result.manifest["posterior"]["draws"] == 4 and len(result.manifest["posterior"]["parameters"]) == 4
    assert len(result.manifest["runs"][result.manifest["baseline"]]) == 2 * 2  # per fitted draw and seed, shared
    assert all(len(runs) == 4 * 2 for name, runs in result.manifest["runs"].items()
               if name != result.manifest["baseline"])
    effects = result.effects
    shares = effects[["share_noise", "share_fitted", "share_assumed"]].to_numpy(dtype=float)
    finite = np.isfinite(shares).all(axis=1)
    assert finite.any()
    np.testing.assert_allclose(shares[finite].sum(axis=1), 1.0, atol=1e-5)
    row = result.headline.set_index("scenario").iloc[0]
    assert row["delta_high_skill_workers_lo"] <= row["delta_high_skill_workers"] <= row["delta_high_skill_workers_hi"]
    assert sum(row[f"delta_high_skill_workers_share_{s}"] for s in uncertainty.SOURCES) == pytest.approx(1.0)
    from model.experiments.compare import INFLUENCE_EFFECTS

    assert {f"{effect}_moves_with" for effect in INFLUENCE_EFFECTS} <= set(result.headline.columns)
    p_first = result.headline.probability_cheapest_per_high_skill_worker
    assert p_first.between(0, 1).all() and p_first.sum() <= 1.0 + 1e-9


def test_a_placebo_under_parameter_draws_has_exactly_zero_effect_and_is_never_robust(propagated):
    placebo = propagated.effects[propagated.effects.scenario == "placebo"]
    assert np.nanmax(np.abs(placebo[["mean", "lo", "hi"]].to_numpy(dtype=float))) == 0
    row = propagated.headline.set_index("scenario").loc["placebo"]
    assert uncertainty.verdict(row.delta_high_skill_workers_lo, row.delta_high_skill_workers_hi) == "none"
    assert row.probability_cheapest_per_high_skill_worker == 0
    for lang in ("zh", "en"):
        said = report._verdict(row, "delta_high_skill_workers", [], lang)["text"]
        assert report.label("no_effect", lang) in said and report.label("robust", lang) not in said


def test_compare_cli_with_posterior_writes_and_prints_the_decomposition(tmp_path):
    out = tmp_path / "cmp"
    result = subprocess.run([sys.executable, "-m", "model.cli", "compare", str(BASELINE),
                             str(REPO / "scenarios" / "lever_pay_parity.yaml"), "--seeds", "2", "--scale", "0.0005",
                             "--end", "2021-03", "--posterior", "4", "--out", str(out)],
                            capture_output=True, text=True, cwd=REPO, timeout=900)
    assert result.returncode == 0, result.stderr
    assert "variance from" in result.stderr and "calibrated parameters" in result.stderr
    headline = pd.read_csv(out / "headline.csv")
    assert {"delta_high_skill_workers_share_assumed", "posterior_draws"} <= set(headline.columns)
    assert {"share_noise", "share_fitted", "share_assumed"} <= set(pd.read_parquet(out / "effects.parquet").columns)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["posterior"]["draws"] == 4
    # what the report reads later is recorded now: the parameters the data left at their prior, and the point fit
    assert isinstance(manifest["posterior"]["not_moved_by_data"], list)
    assert manifest["calibration_fit"]["sha256"] == manifest["runs"][manifest["baseline"]][0]["calibration_files"][
        "fitted.yaml"]
    bad = subprocess.run([sys.executable, "-m", "model.cli", "compare", str(BASELINE), str(BASELINE), "--posterior",
                          "4", "--seeds", "1", "--out", str(tmp_path / "bad")], capture_output=True, text=True,
                         cwd=REPO, timeout=300)
    assert bad.returncode == 2 and "seeds" in bad.stderr and not (tmp_path / "bad").exists()


def _row(lo, hi, total, **extra):
    row = {"delta_high_skill_workers": (lo + hi) / 2, "delta_high_skill_workers_lo": lo,
           "delta_high_skill_workers_hi": hi}
    if total:
        row |= {"delta_high_skill_workers_share_noise": 0.1, "delta_high_skill_workers_share_fitted": 0.2,
                "delta_high_skill_workers_share_assumed": 0.7}
    return pd.Series(row | extra)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_calls_an_effect_robust_only_when_its_total_interval_excludes_zero(lang):
    robust = report.label("robust", lang)
    column = "delta_high_skill_workers"
    assert robust in report._verdict(_row(10, 20, total=True), column, [], lang)["text"]
    # seed noise alone never makes it robust
    seed_only = report._verdict(_row(10, 20, total=False), column, [], lang)["text"]
    assert robust not in seed_only and report.label("certain", lang) in seed_only
    moving = _row(-10, 20, total=True, delta_high_skill_workers_moves_with="certification_wage_response")
    uncertain = report._verdict(moving, column, [], lang)["text"]
    assert robust not in uncertain
    assert report.label("assumed", lang) in uncertain and report.label("certification_wage_response", lang) in uncertain
    assert report.label("no_effect", lang) in report._verdict(_row(0, 0, total=True), column, [], lang)["text"]


def test_a_sweep_with_posterior_draws_runs_every_point_under_each_draw_paired_by_draw(tmp_path):
    import pyarrow.parquet as pq
    import yaml

    from model import sweep
    from model.experiments.results_store import MANIFEST_KEY, load_runs
    from model.experiments.sensitivity import run_outcomes

    spec = {"name": "parity under the posterior", "baseline": str(BASELINE),
            "scenarios": [str(REPO / "scenarios" / "lever_pay_parity.yaml")],
            "factors": [{"name": "gap_closed", "path": "levers.pay_parity.gap_closed_share.values.2021-01",
                         "values": [0.0, 0.75]}],
            "design": {"method": "grid"}, "seeds": 1, "posterior_draws": 2, "scale": 0.0005,
            "period": {"start": "2020-01", "end": "2020-06"},
            "keep": {"kpis": ["high_skill_workers"], "dimensions": ["province"], "months": "last"}}
    path = tmp_path / "experiment.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    summary = sweep(path, tmp_path / "store", workers=1)
    assert summary.complete and summary.planned == 2 * 2 + 2  # points x draws, and one baseline per draw
    runs = load_runs(tmp_path / "store")
    assert sorted(runs.draw.unique()) == [0, 1]
    scenario = runs[runs.role == "scenario"]
    assert all(row.paired_baseline.endswith(f"-d{row.draw:03d}-seed0") for row in scenario.itertuples())
    draws = posterior.draws(2, 0)
    for row in runs.itertuples():
        part = pq.read_schema(tmp_path / "store" / "parts" / f"{row.run_id}.parquet")
        manifest = json.loads(part.metadata[MANIFEST_KEY])
        assert manifest["parameters"]["quit_base_logit"] == pytest.approx(draws[row.draw]["quit_base_logit"])
    outcomes = run_outcomes(tmp_path / "store")
    assert (outcomes[outcomes.gap_closed == 0.0].effect == 0).all()  # a lever at zero strength, under any draw


def test_only_a_response_the_effect_really_moves_with_is_named():
    """A synthetic effect driven by one assumed response names that one; pure noise names a response only at the
    corrected test's family-wise rate (5%), not with the one-in-five chance of an uncorrected |rho| >= 0.3."""
    plan = uncertainty.design(40, 0)
    rng = np.random.default_rng(3)
    driver = "training_human_capital_gain_monthly"
    values = np.array([d.parameters[driver] for d in plan.draws])
    driven = (1e5 * values)[:, None] + rng.normal(0, 50, (len(values), 2))  # draws x seeds
    named = uncertainty.influential_responses(driven, plan)
    assert [name for name, _ in named] == [driver] and named[0][1] > 0.9
    named_by_chance = sum(bool(uncertainty.influential_responses(
        np.random.default_rng(trial).normal(0, 1, (len(plan.draws), 2)), plan)) for trial in range(40))
    assert named_by_chance <= 5  # family-wise 5%: about 2 of 40 noise effects name a response by chance

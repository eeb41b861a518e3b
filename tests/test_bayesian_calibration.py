"""The Bayesian calibration: reproducible on any number of processes, resumable, calibrated (SBC on a
two-parameter toy of the model's own statistics), and its stored posterior consistent with the data."""

import numpy as np
import pandas as pd
import pyabc
import pytest
import yaml

from model.calibration import checks, posterior
from model.calibration.inputs import load_calibration
from model.calibration.priors import calibrated_priors
from model.errors import InputError


@pytest.fixture(scope="module")
def tiny():
    return posterior.PosteriorSettings(scale=0.0005, seeds=1, population=6, generations=2, budget_seconds=600,
                                       final_population=9)


def test_the_calibration_gives_the_same_sample_on_one_or_two_processes_and_resumes(tmp_path, tiny):
    priors = calibrated_priors(load_calibration(use_fitted=False), ("quit_base_logit", "certification_drive"))
    one = posterior.calibrate(tiny, tmp_path / "one", priors=priors, workers=1)
    two = posterior.calibrate(tiny, tmp_path / "two", priors=priors, workers=2)
    assert one.generations == 2 and one.evaluations >= tiny.population + tiny.final_population
    assert len(one.particles) == tiny.final_population  # the last generation is the larger one that is read
    np.testing.assert_array_equal(one.particles.to_numpy(), two.particles.to_numpy())
    database = posterior.database_path(tiny, tmp_path / "one", posterior.load_targets(), priors, {})
    stored = pyabc.History(f"sqlite:///{database}").get_all_populations()
    again = posterior.calibrate(tiny, tmp_path / "one", priors=priors, workers=1)  # all generations stored
    pd.testing.assert_frame_equal(pyabc.History(f"sqlite:///{database}").get_all_populations(), stored)  # none rerun
    np.testing.assert_array_equal(again.particles.to_numpy(), one.particles.to_numpy())
    summary = posterior.summary(one)
    assert set(summary["parameters"]) == set(priors)
    for p in summary["parameters"].values():
        assert p["posterior_interval"][0] <= p["posterior_mean"] <= p["posterior_interval"][1]


def test_simulation_based_calibration_on_a_two_parameter_toy_covers_the_truth():
    """The posterior's 90% intervals cover the true parameters in 80-97% of replications."""
    table = checks.sbc(checks.LinearToy(), checks.toy_priors(),
                       checks.SbcSettings(replications=30, population=40, generations=6, seed=0))
    assert len(table) == 60 and (table.final_temperature == 1.0).all()
    assert 0.80 <= checks.coverage(table)["all"] <= 0.97
    assert (table.lo <= table.hi).all()


def test_the_toy_reproduces_the_fit_at_the_fitted_values():
    toy = checks.LinearToy()
    fitted = yaml.safe_load(posterior.CALIBRATION_DIR.joinpath("fitted.yaml").read_text())
    at_fit = toy({name: fitted["parameters"][name] for name in checks.TOY_PARAMETERS})
    for name, target in fitted["targets"].items():
        if target["use"] == "fit":
            key = posterior.load_targets()[name].key
            assert at_fit[key] == pytest.approx(target["simulated"])


def test_the_shipped_posterior_is_exact_and_its_predictive_checks_hold():
    summary = yaml.safe_load(posterior.SUMMARY_FILE.read_text(encoding="utf-8"))
    assert summary["provenance"]["exact_posterior"] and summary["provenance"]["final_temperature"] == 1.0
    particles = posterior.load_particles()
    assert particles.weight.sum() == pytest.approx(1.0)
    assert set(summary["parameters"]) == set(posterior.CALIBRATED)
    assert all(check["inside"] for check in summary["predictive_checks"].values())
    bounds = load_calibration().parameters
    for name in posterior.CALIBRATED:
        lo, hi = bounds[name].bounds
        assert particles[name].between(lo, hi).all()


def test_the_proposal_draws_the_flat_parameters_from_their_prior_and_the_rest_near_the_particles():
    from model.calibration.priors import FLAT

    priors = calibrated_priors(load_calibration(use_fitted=False))
    centre = {name: p.lower + 0.3 * (p.upper - p.lower) for name, p in priors.items()}
    particles = pd.DataFrame([{name: value * (1 + 0.001 * k) for name, value in centre.items()} for k in range(20)])
    transition = posterior._transition(priors)
    transition.fit(particles, np.full(20, 1 / 20))
    np.random.seed(3)
    sample = pd.DataFrame([transition.rvs_single() for _ in range(400)])
    for name, p in priors.items():
        spread = (sample[name].max() - sample[name].min()) / (p.upper - p.lower)
        if name in FLAT:  # uniform over the prior: the draws span it
            assert spread > 0.9 and sample[name].between(p.lower, p.upper).all(), name
        else:  # a kernel around the particles
            assert spread < 0.1, name
    inside = pyabc.Parameter(centre)
    outside = pyabc.Parameter({**centre, FLAT[0]: priors[FLAT[0]].upper * 2})
    assert transition.pdf(inside) > 0 and transition.pdf(outside) == 0


def test_the_effective_sample_size_counts_equally_weighted_particles():
    from model.calibration.posterior import effective_sample_size, load_particles

    assert effective_sample_size(np.ones(50)) == pytest.approx(50)
    assert effective_sample_size(np.array([1.0, 0.0, 0.0, 0.0])) == pytest.approx(1)
    particles = load_particles()
    shipped = effective_sample_size(particles["weight"])
    assert 1 <= shipped <= len(particles)
    # the shipped sample is not degenerate: it rested on 8 of 120 particles before the split proposal
    assert shipped >= len(particles) / 4, shipped


def test_predictions_carry_posterior_bands_beside_the_point_fit():
    from model.calibration.predictions import predict

    plain = predict(scale=0.0005, seeds=1, scenarios=("baseline",))
    banded = predict(scale=0.0005, seeds=1, scenarios=("baseline",), posterior=2)
    pd.testing.assert_frame_equal(banded[plain.columns], plain)  # the point fit's columns are unchanged
    assert (banded.posterior_lo <= banded.posterior_mean).all() and (banded.posterior_mean <= banded.posterior_hi).all()
    assert (banded.posterior_hi > banded.posterior_lo).any()  # the draws differ
    assert set(banded.year) == set(range(2020, 2026))  # the fitted year as the anchor, then the predictions


def test_a_checkpoint_resumes_from_its_last_generation_and_a_file_without_a_run_is_refused(tmp_path, tiny):
    """No checkpoint, or a run stopped within its first generation (pyabc stores the run before it): start afresh.
    A stored generation: resume. A file in the checkpoint's place that holds no run is refused with one line,
    and kept (it used to end the calibration in a TypeError)."""
    database = tmp_path / "posterior.db"
    assert posterior.resumable_run(database) is None
    abc = pyabc.ABCSMC(lambda p: {"x": p["a"]}, pyabc.Distribution(a=pyabc.RV("uniform", 0, 1)),
                       pyabc.PNormDistance(), population_size=5, sampler=pyabc.sampler.SingleCoreSampler())
    abc.new(f"sqlite:///{database}", {"x": 0.5})
    assert posterior.resumable_run(database) is None
    abc.run(max_nr_populations=1)
    assert posterior.resumable_run(database) == abc.history.id

    priors = calibrated_priors(load_calibration(use_fitted=False), ("quit_base_logit", "certification_drive"))
    checkpoint = posterior.database_path(tiny, tmp_path / "other", posterior.load_targets(), priors, {})
    checkpoint.parent.mkdir()
    pyabc.History(f"sqlite:///{checkpoint}")  # the tables, no run
    with pytest.raises(InputError, match="not a calibration checkpoint"):
        posterior.calibrate(tiny, tmp_path / "other", priors=priors, workers=1)
    assert checkpoint.exists()

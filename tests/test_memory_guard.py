"""The memory guard refuses a scale that will not fit, before allocating anything."""

import psutil
import pytest

from model.engine.memory import bytes_needed, check_fits
from model.engine.population import BYTES_PER_WORKER
from model.engine.workforce_model import WorkforceModel
from model.errors import InputError


def test_estimate_grows_with_the_number_of_slots():
    assert bytes_needed(2_000_000) - bytes_needed(1_000_000) >= 1_000_000 * BYTES_PER_WORKER


def test_an_impossible_scale_is_refused_with_the_allowed_range():
    with pytest.raises(InputError, match=r"scale: .* allowed range on this machine is up to about"):
        WorkforceModel(scale=1000.0)


def test_a_run_that_fits_passes_the_guard():
    available = psutil.virtual_memory().available
    assert check_fits(100_000, 0.004) < available


def test_too_small_a_scale_is_refused():
    with pytest.raises(InputError, match="scale: .* too small"):
        WorkforceModel(scale=1e-7)


@pytest.mark.parametrize("scale", [float("inf"), float("nan")])
def test_a_scale_that_is_not_a_number_says_so(scale):
    with pytest.raises(InputError, match=r"scale: (inf|nan) is not a number; the allowed range is above 0"):
        WorkforceModel(scale=scale)

"""Calibration inputs: every figure has a source or a stated assumption; bad files fail in one line."""

import shutil
from pathlib import Path

import pytest

from model.calibration.inputs import CALIBRATION_DIR, load_calibration
from model.errors import InputError


def test_every_structure_entry_has_a_source_or_an_assumption():
    calibration = load_calibration()
    for table in (calibration.structure, calibration.retirement):
        for name, entry in table.items():
            assert entry.source is not None or entry.assumption, name
            if entry.source is not None:
                assert entry.source.title and entry.source.publisher and entry.source.address, name


def test_every_parameter_has_bounds_evidence_and_a_default_inside_them():
    for name, p in load_calibration().parameters.items():
        assert p.bounds[0] < p.bounds[1], name
        assert p.evidence and p.description and p.unit, name


@pytest.fixture()
def calibration_copy(tmp_path: Path) -> Path:
    target = tmp_path / "calibration"
    shutil.copytree(CALIBRATION_DIR, target)
    return target


@pytest.mark.parametrize("old, new, fragment", [
    ("  value: 0.055\n", "  value: 0.9\n", "nominal_wage_growth_per_year.value = 0.9 is outside"),
    ("  value: 0.055\n", "  value: .nan\n", "nominal_wage_growth_per_year.value: must be a finite number"),
    ("  status: assumed\n", "  status: guessed\n", "status"),
])
def test_bad_parameter_files_fail_in_one_line(calibration_copy, old, new, fragment):
    path = calibration_copy / "parameters.yaml"
    text = path.read_text()
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(InputError) as err:
        load_calibration(calibration_copy)
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_a_structure_entry_without_a_source_is_refused(calibration_copy):
    path = calibration_copy / "population.yaml"
    path.write_text(path.read_text() + "\nunsourced:\n  description: x\n  unit: share\n  value: 0.5\n")
    with pytest.raises(InputError, match="unsourced: needs a source"):
        load_calibration(calibration_copy)


def test_overrides_are_checked_against_bounds():
    with pytest.raises(InputError, match="quit_base_logit"):
        load_calibration().with_overrides({"quit_base_logit": 5.0})
    with pytest.raises(InputError, match="unknown parameter"):
        load_calibration().with_overrides({"no_such_parameter": 1.0})

"""Kept starts (model/engine/start_cache.py): a start read from disk is the drawn one bit for bit, depends on
everything it should, and a damaged, missing or unwritable cache never changes a run or stops it."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from model.calibration.inputs import load_calibration
from model.engine import start_cache
from model.engine.population import WORKER_DTYPES
from model.engine.workforce_model import WorkforceModel
from tests.conftest import short_scenario

SCALE = 0.0005


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "starts"
    monkeypatch.setenv(start_cache.CACHE_ENV, str(folder))
    return folder


def _run(months: int = 6, seed: int = 3, **kwargs) -> WorkforceModel:
    model = WorkforceModel(short_scenario(), scale=SCALE, seed=seed, **kwargs)
    for _ in range(months):
        model.step()
    return model


def _same_workers(a: WorkforceModel, b: WorkforceModel) -> None:
    for name in WORKER_DTYPES:
        np.testing.assert_array_equal(getattr(a.workers, name), getattr(b.workers, name), err_msg=name)


def test_a_start_read_back_runs_as_the_drawn_one(cache):
    drawn = _run()
    read = _run()
    assert (drawn.start_source, read.start_source) == ("drawn", "read")
    np.testing.assert_array_equal(drawn.rules.exam_sit_rate, read.rules.exam_sit_rate)
    _same_workers(drawn, read)
    assert drawn.kpi_table().equals(read.kpi_table())


def test_the_start_is_kept_per_seed_scale_and_calibration(cache):
    calibration = load_calibration()
    WorkforceModel(short_scenario(), scale=SCALE, seed=3)
    others = [WorkforceModel(short_scenario(), scale=SCALE, seed=4),
              WorkforceModel(short_scenario(), scale=SCALE * 2, seed=3),
              WorkforceModel(short_scenario(), scale=SCALE, seed=3,
                             calibration=calibration.with_overrides({"certification_drive": 0.3}))]
    assert [model.start_source for model in others] == ["drawn"] * 3
    assert len(list(cache.glob("*.json"))) == 4


def test_a_damaged_start_is_drawn_again_with_a_warning(cache):
    drawn = _run()
    column = next(cache.glob("*-human_capital.npy"))
    column.write_bytes(column.read_bytes()[:-4])
    with pytest.warns(UserWarning, match="could not be read"):
        again = _run()
    assert again.start_source == "drawn"
    _same_workers(drawn, again)
    assert _run().start_source == "read"  # kept afresh


def test_a_start_cut_short_before_its_marker_is_not_read(cache):
    _run(months=0)
    next(cache.glob("*.json")).unlink()  # as if the process died before the marker was renamed into place
    assert _run(months=0).start_source == "drawn"


def test_an_unwritable_cache_leaves_the_run_alone(tmp_path, monkeypatch):
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv(start_cache.CACHE_ENV, str(blocked / "starts"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not kept, silently: a full disk is reported by the run's own writes
        model = _run(months=2)
    assert model.start_source == "drawn" and not (blocked / "starts").exists()
    monkeypatch.setenv(start_cache.CACHE_ENV, "off")
    _same_workers(model, _run(months=2))


def test_off_draws_every_start_and_keeps_none(tmp_path, monkeypatch):
    monkeypatch.setenv(start_cache.CACHE_ENV, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert [_run(months=0).start_source for _ in range(2)] == ["drawn", "drawn"]
    assert not any(tmp_path.iterdir())


def test_the_least_recently_used_starts_go_beyond_the_size_limit(cache, monkeypatch):
    for seed in (1, 2):
        _run(months=0, seed=seed)
    one_start = sum(p.stat().st_size for p in cache.iterdir()) / 2
    _run(months=0, seed=1)  # read: now used more recently than seed 2's
    monkeypatch.setattr(start_cache, "MAX_BYTES", int(2.5 * one_start))
    _run(months=0, seed=3)
    assert [_run(months=0, seed=seed).start_source for seed in (1, 3)] == ["read", "read"]
    assert _run(months=0, seed=2).start_source == "drawn"


def test_a_model_told_not_to_keep_its_start_neither_reads_nor_keeps_one(cache):
    _run(months=0, seed=3)
    unkept = [WorkforceModel(short_scenario(), scale=SCALE, seed=seed, keep_start=False) for seed in (3, 4)]
    assert [model.start_source for model in unkept] == ["drawn", "drawn"]
    assert len(list(cache.glob("*.json"))) == 1  # seed 3's, from the first run


def test_eviction_touches_only_the_files_of_starts(cache, monkeypatch):
    cache.mkdir()
    others = [cache / "notes.json", cache / "notes-draft.npy", cache / ".notes.1.partial.json"]
    for path in others:
        path.write_text("the user's")
    monkeypatch.setattr(start_cache, "MAX_BYTES", 0)  # evict every start but the one just kept
    for seed in (1, 2):
        _run(months=0, seed=seed)
    assert all(path.exists() for path in others)
    assert len([p for p in cache.glob("*.json") if start_cache.KEY.fullmatch(p.stem)]) == 1


def test_the_starts_command_counts_and_clears_the_kept_starts(cache):
    import subprocess
    import sys

    def starts(*flags: str) -> str:
        done = subprocess.run([sys.executable, "-m", "model.cli", "starts", *flags], capture_output=True, text=True,
                              check=True)
        return done.stdout

    for seed in (1, 2):
        _run(months=0, seed=seed)
    assert f"kept starts: 2 in {cache}" in starts()
    assert "removed 2" in starts("--clear")
    assert not any(cache.iterdir())
    assert "kept starts: 0" in starts()

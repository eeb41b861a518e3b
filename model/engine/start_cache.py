"""The synthesised start kept on disk between runs: the worker columns after the steady-state draws, and the
balanced sitting rates. The same calibration, seed, scale and code give the same start bit for bit, and drawing
it is a third of a full-scale run's time (most of it the steady state's per-worker walks), so a second run with
the same start reads it instead (a baseline and a reform of one seed; a scenario run again).

Where: the folder named by the environment variable WORKFORCE_START_CACHE (`off` turns the cache off), else
$XDG_CACHE_HOME/workforce/start (~/.cache/workforce/start). A start is a set of .npy files, one per column, and
a .json marker written last (model.files.write_together), so a start cut short is never read. The oldest starts
go once the folder holds more than MAX_BYTES. A start that cannot be written (no space, no permission) is not
kept, silently (the run goes on, and a full disk is reported by the run's own writes); one that cannot be read is
drawn again, with a warning.
"""

from __future__ import annotations

import json
import os
import re
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numba
import numpy as np

from model.calibration.inputs import Calibration
from model.engine import categories as cat
from model.engine.population import WORKER_DTYPES, Workers
from model.files import text_digest, write_together
from model.provenance import code_digest

CACHE_ENV = "WORKFORCE_START_CACHE"
MAX_BYTES = 8 * 2**30
FORMAT = 1
KEY = re.compile("[0-9a-f]{24}")  # a start's key (start_key): its files are named by it


def cache_directory() -> Path | None:
    """The folder of kept starts, or None when WORKFORCE_START_CACHE is `off`."""
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen.lower() in ("off", "0", "false", "no"):
        return None
    if chosen:
        return Path(chosen).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "workforce" / "start"


def start_key(calibration: Calibration, n_workers: int, stream_key: np.uint64, month: int) -> str:
    """What the start depends on: every calibration value in force, the number of workers, the seed's key, the
    start month, the model's code and the numerical libraries."""
    values = {table: {name: calibration.value(name) for name in entries}
              for table, entries in (("structure", calibration.structure), ("parameters", calibration.parameters),
                                     ("retirement", calibration.retirement))}
    described = {"format": FORMAT, "calibration": values, "start": calibration.start, "workers": int(n_workers),
                 "key": int(stream_key), "month": int(month), "code": code_digest(), "numpy": np.__version__,
                 "numba": numba.__version__}
    return text_digest(json.dumps(described, sort_keys=True, default=str), 24)


def kept_start(calibration: Calibration, n_workers: int, capacity: int, stream_key: np.uint64, month: int,
               draw: Callable[[], tuple[Workers, np.ndarray]], keep: bool = True) -> tuple[Workers, np.ndarray, str]:
    """The start's worker columns (room for `capacity`) and sitting rates, read if kept, else drawn by `draw()`
    and kept; and which of the two ("read" or "drawn"). With `keep` false (or the cache off) it is drawn and
    not kept."""
    folder = cache_directory() if keep else None
    if folder is None:
        return *draw(), "drawn"
    key = start_key(calibration, n_workers, stream_key, month)
    kept = _read(folder, key, n_workers, capacity)
    if kept is not None:
        return *kept, "read"
    workers, sit_rate = draw()
    _keep(folder, key, workers, n_workers, sit_rate)
    return workers, sit_rate, "drawn"


def _files(folder: Path, key: str) -> tuple[dict[str, Path], Path]:
    columns = {name: folder / f"{key}-{name}.npy" for name in (*WORKER_DTYPES, "sit_rate")}
    return columns, folder / f"{key}.json"


def _read(folder: Path, key: str, n_workers: int, capacity: int) -> tuple[Workers, np.ndarray] | None:
    """The kept start, or None if there is none or it is not whole (then it is removed)."""
    columns, marker = _files(folder, key)
    if not marker.exists():
        return None
    try:
        workers = Workers.empty(capacity)
        for name, column in zip(WORKER_DTYPES, workers, strict=True):
            _read_into(columns[name], column[:n_workers])
        sit_rate = np.empty(len(cat.GRADES))
        _read_into(columns["sit_rate"], sit_rate)
        os.utime(marker)  # recently used: kept longest
        return workers, sit_rate
    except (OSError, ValueError) as exc:
        warnings.warn(f"the kept start {marker} could not be read ({exc}); it is drawn again", stacklevel=3)
        _remove(folder, key)
        return None


def _read_into(path: Path, out: np.ndarray) -> None:
    """Fill `out` from a .npy file of its dtype and length, without a second copy in memory."""
    with open(path, "rb") as handle:
        version = np.lib.format.read_magic(handle)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(handle)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(handle)
        else:
            raise ValueError(f"{path.name} is a .npy file of version {version}, not 1.0 or 2.0")
        if shape != out.shape or dtype != out.dtype or fortran:
            raise ValueError(f"{path.name} holds {dtype}{list(shape)}, not {out.dtype}{list(out.shape)}")
        if handle.readinto(memoryview(out).cast("B")) != out.nbytes:
            raise ValueError(f"{path.name} is cut short")


def _keep(folder: Path, key: str, workers: Workers, n_workers: int, sit_rate: np.ndarray) -> None:
    columns, marker = _files(folder, key)
    arrays = {**{name: column[:n_workers] for name, column in zip(WORKER_DTYPES, workers, strict=True)},
              "sit_rate": sit_rate}
    writers = {columns[name]: (lambda path, a=array: np.save(path, a)) for name, array in arrays.items()}
    writers[marker] = lambda path: path.write_text(json.dumps({"workers": n_workers, "format": FORMAT}))
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_together(writers)
        _evict(folder, keep=key)
    except OSError:  # not kept (no space, no permission): a later run draws it again; the run's own writes report
        pass


def kept_starts(folder: Path) -> list[tuple[str, int]]:
    """The starts kept in `folder`, least recently used first: (key, bytes). Only files named by a key count,
    whatever else the folder holds."""
    if not folder.is_dir():
        return []
    markers = sorted((marker for marker in folder.glob("*.json") if KEY.fullmatch(marker.stem)),
                     key=lambda marker: marker.stat().st_mtime)
    return [(marker.stem, marker.stat().st_size + sum(path.stat().st_size for path in _files(folder, marker.stem)[0]
                                                      .values() if path.exists())) for marker in markers]


def clear(folder: Path) -> int:
    """Remove every start kept in `folder`; the number removed."""
    starts = kept_starts(folder)
    for key, _ in starts:
        _remove(folder, key)
    return len(starts)


def _evict(folder: Path, keep: str) -> None:
    """Remove the least recently used starts while the folder holds more than MAX_BYTES, and the temporary files
    of writes killed more than an hour ago."""
    for partial in folder.glob(".*.partial*"):
        if KEY.fullmatch(partial.name.split(".")[1].split("-")[0]) and time.time() - partial.stat().st_mtime > 3600:
            partial.unlink(missing_ok=True)
    starts = kept_starts(folder)
    total = sum(size for _, size in starts)
    for key, size in starts:
        if total <= MAX_BYTES:
            break
        if key != keep:
            _remove(folder, key)
            total -= size


def _remove(folder: Path, key: str) -> None:
    columns, marker = _files(folder, key)
    marker.unlink(missing_ok=True)  # first: a start without its marker is never read
    for path in columns.values():
        path.unlink(missing_ok=True)

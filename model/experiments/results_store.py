"""The results store of a sweep: one Parquet part per finished run, failure records, the plan and the run table.

Layout under DIR:
  experiment.json     what defines the runs (experiment, scenario and calibration fingerprints); a store
                      refuses runs of a different experiment
  experiment.yaml     the experiment file as given
  design.parquet      every design point and its factor values
  plan.parquet        every run asked for so far (run id, role, scenario, point, seed, paired baseline and
                      the factor values it uses; a baseline's scenario factors are empty)
  parts/<run>.parquet a finished run's KPIs (run_id, date, kpi, dimension, group, value), its manifest in the
                      file's metadata; written to a hidden temporary name and renamed, then committed by
                      parts/<run>.sha256 (the file's checksum), so a run counts only when its part is whole.
  failures/<run>.json a failed run's error and timing (removed when the run later succeeds)
  runs.parquet        the run table: the plan with status (done | failed | pending), error, timings, provenance
A part that does not match its checksum or does not read back is moved to corrupt/ and its run made again.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.errors import InputError
from model.experiments.experiment import Plan, RunSpec
from model.files import file_sha256, write_atomically

MANIFEST_KEY = b"workforce.manifest"
PART_COLUMNS = ["run_id", "date", "kpi", "dimension", "group", "value"]


LOCK_NAME = ".workforce.lock"


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Hold the output folder for this process while it computes and writes (an exclusive `flock` on a hidden
    lock file that names the holder); a second writer gets a one-line error naming it. If the folder was made
    here and nothing was written to it (an error, an interrupt), it is removed again."""
    out = Path(out)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    handle = open(out / LOCK_NAME, "a+", encoding="utf-8")  # noqa: SIM115 - held open for the lock's lifetime
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise InputError(f"out: {out} is being written by another workforce process (pid {holder}); wait for it "
                         "or choose another --out") from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        yield
    finally:
        handle.close()  # releases the lock
        if created and {p.name for p in out.iterdir()} <= {LOCK_NAME}:
            (out / LOCK_NAME).unlink(missing_ok=True)
            out.rmdir()


class ResultsStore:
    """A sweep's directory: checked against a plan, created for it, or reopened for the same experiment."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.parts = self.directory / "parts"
        self.failures = self.directory / "failures"

    def check(self, plan: Plan) -> None:
        """Refuse a directory that is a file, holds something else, or holds another experiment's sweep
        (nothing is written)."""
        d = self.directory
        if d.exists() and not d.is_dir():
            raise InputError(f"out: {d} exists and is not a directory")
        recorded = d / "experiment.json"
        if recorded.exists():
            self._check_same_experiment(json.loads(recorded.read_text(encoding="utf-8")), plan)
        elif d.exists() and any(p.name != LOCK_NAME for p in d.iterdir()):  # the lock of this very sweep
            raise InputError(f"out: {d} is not empty and holds no sweep; choose a new or empty directory")

    def create(self, plan: Plan) -> None:
        """Lay out the store for `plan` (once), and add its runs to the plan of an existing one."""
        d = self.directory
        for sub in (d, self.parts, self.failures):
            sub.mkdir(parents=True, exist_ok=True)
        recorded = d / "experiment.json"
        if not recorded.exists():
            write_atomically(d / "experiment.yaml", lambda p: shutil.copyfile(plan.source, p))
            write_atomically(d / "design.parquet", lambda p: plan.design.to_parquet(p, index=False))
            text = json.dumps({"fingerprint": plan.fingerprint, "source": str(plan.source),
                               "scenario_names": plan.scenario_names, "baseline_name": plan.baseline_name,
                               "definition": plan.definition}, indent=2, ensure_ascii=False)
            write_atomically(recorded, lambda p: p.write_text(text, encoding="utf-8"))
        self._extend_plan(plan.runs)

    def _check_same_experiment(self, recorded: dict, plan: Plan) -> None:
        if recorded.get("fingerprint") == plan.fingerprint:
            return
        old, new = recorded.get("definition", {}), plan.definition
        changed = sorted(_changed_fields(old, new)) or ["(unknown)"]
        raise InputError(f"out: {self.directory} holds a sweep of a different experiment (changed: "
                         f"{', '.join(changed[:5])}{', ...' if len(changed) > 5 else ''}); use a new --out, "
                         "or the experiment file and flags it was started with")

    def _extend_plan(self, runs: list[RunSpec]) -> None:
        path = self.directory / "plan.parquet"
        rows = pd.DataFrame([{"run_id": r.run_id, "role": r.role, "scenario_index": r.scenario_index,
                              "scenario": r.scenario.key,
                              "scenario_id": r.scenario.scenario_id, "point": r.point, "seed": r.seed, "draw": r.draw,
                              "paired_baseline": r.paired_baseline, **r.factors} for r in runs])
        if path.exists():
            known = pd.read_parquet(path)
            rows = rows[~rows.run_id.isin(known.run_id)]
            if rows.empty:
                return
            rows = pd.concat([known, rows], ignore_index=True)
        write_atomically(path, lambda p: rows.to_parquet(p, index=False))

    def part_path(self, run_id: str) -> Path:
        return self.parts / f"{run_id}.parquet"

    def is_committed(self, run_id: str) -> bool:
        """A part counts once its checksum file is written (the last step of committing a run)."""
        return self.part_path(run_id).exists() and self.part_path(run_id).with_suffix(".sha256").exists()

    def finished_runs(self) -> set[str]:
        """Run ids whose part is committed and reads back whole; a part that does not is moved to corrupt/
        (its run is made again). Hidden files are a write in progress, or cut short by a kill: never a run."""
        done = set()
        for path in sorted(p for p in self.parts.glob("*.parquet") if not p.name.startswith(".")):
            if self._part_is_whole(path):
                done.add(path.stem)
            else:
                quarantine = self.directory / "corrupt"
                quarantine.mkdir(exist_ok=True)
                os.replace(path, quarantine / f"{path.name}.{time.time_ns()}")
                path.with_suffix(".sha256").unlink(missing_ok=True)
        return done

    def _part_is_whole(self, path: Path) -> bool:
        """Committed, with the file's sha256 as recorded, readable, and holding this run's rows only."""
        checksum = path.with_suffix(".sha256")
        try:
            if not checksum.exists() or checksum.read_text().strip() != file_sha256(path):
                return False
            run_ids = pq.read_table(path, columns=["run_id"]).column("run_id").unique().to_pylist()
        except Exception:  # noqa: BLE001 - any failure to read means the part is not whole
            return False
        return run_ids == [path.stem]

    def write_part(self, run_id: str, frame: pd.DataFrame, manifest: dict) -> None:
        """Commit a finished run: its part, then the part's checksum file, then its failure record removed."""
        frame = frame.assign(run_id=run_id)[PART_COLUMNS]
        frame = frame.astype({c: str for c in ("run_id", "kpi", "dimension", "group")})  # one schema for all parts
        table = pa.Table.from_pandas(frame, preserve_index=False)
        text = json.dumps(manifest, ensure_ascii=False, default=str).encode()
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), MANIFEST_KEY: text})
        part = self.part_path(run_id)
        write_atomically(part, lambda p: pq.write_table(table, p))
        digest = file_sha256(part)
        write_atomically(part.with_suffix(".sha256"), lambda p: p.write_text(digest))
        (self.failures / f"{run_id}.json").unlink(missing_ok=True)

    def write_failure(self, run_id: str, error: str, seconds: float | None) -> None:
        record = {"run_id": run_id, "error": error, "seconds": seconds,
                  "failed_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
        text = json.dumps(record, ensure_ascii=False)
        write_atomically(self.failures / f"{run_id}.json", lambda p: p.write_text(text, encoding="utf-8"))

    def run_table(self) -> pd.DataFrame:
        """Every planned run with its factor values, status, error, timings and provenance."""
        table = pd.read_parquet(self.directory / "plan.parquet")
        status = []
        for run_id in table.run_id:
            part = self.part_path(run_id)
            failure = self.failures / f"{run_id}.json"
            if self.is_committed(run_id):
                manifest = json.loads(pq.read_schema(part).metadata[MANIFEST_KEY])
                status.append({"status": "done", "error": "", "seconds": manifest["timings_seconds"]["total"],
                               "finished": manifest["environment"]["created"], "host": manifest.get("host", ""),
                               "git_commit": (manifest.get("git") or {}).get("commit", ""),
                               "package_version": manifest["package_version"]})
            elif failure.exists():
                record = json.loads(failure.read_text(encoding="utf-8"))
                status.append({"status": "failed", "error": record["error"], "seconds": record["seconds"],
                               "finished": record["failed_at"]})
            else:
                status.append({"status": "pending"})
        columns = ["status", "error", "seconds", "finished", "host", "git_commit", "package_version"]
        return pd.concat([table, pd.DataFrame(status, columns=columns)], axis=1)

    def write_run_table(self) -> pd.DataFrame:
        table = self.run_table()
        write_atomically(self.directory / "runs.parquet", lambda p: table.to_parquet(p, index=False))
        return table


def _changed_fields(old: object, new: object, prefix: str = "") -> list[str]:
    """Dotted paths where two definitions differ (for the message refusing a changed experiment)."""
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in sorted(set(old) | set(new), key=str):
            out += _changed_fields(old.get(key), new.get(key), f"{prefix}.{key}" if prefix else str(key))
        return out
    return [] if old == new else [prefix or "(top level)"]


def load_runs(directory: str | Path) -> pd.DataFrame:
    """The run table of a sweep directory (rebuilt from the store, so it is current even after a kill)."""
    store = ResultsStore(Path(directory))
    if not (store.directory / "experiment.json").exists():
        raise InputError(f"{directory}: not a sweep directory (no experiment.json)")
    return store.run_table()


def load_results(directory: str | Path, kpis: list[str] | None = None) -> pd.DataFrame:
    """Every finished run's KPIs as one tidy DataFrame, with the run's scenario, point, seed and factor values.

    Columns: run_id, role, scenario_index, scenario, point, seed, paired_baseline, <factors>, date, kpi,
    dimension, group, value. Runs that failed or have not run are absent (see `load_runs`).
    """
    runs = load_runs(directory)
    done = runs[runs.status == "done"]
    store = ResultsStore(Path(directory))
    filters = [("kpi", "in", list(kpis))] if kpis else None
    parts = [pq.read_table(store.part_path(r), filters=filters) for r in done.run_id]
    if not parts:
        return pd.DataFrame(columns=[*done.columns[:-7], *PART_COLUMNS[1:]])
    frame = pa.concat_tables([p.replace_schema_metadata(None) for p in parts]).to_pandas()
    info = done.drop(columns=["status", "error", "seconds", "finished", "host", "git_commit", "package_version"])
    out = info.merge(frame, on="run_id", how="right", validate="one_to_many")
    for column in ("kpi", "dimension", "group", "run_id", "role", "scenario"):
        out[column] = out[column].astype("category")
    return out

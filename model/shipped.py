"""Files shipped with the package: the scenarios, experiments and calibration inputs.

The repository's top-level `scenarios/` and `calibration/` are the one copy. A wheel carries them as package
data under `model/shipped/` (pyproject.toml); an editable install or a checkout reads them where they are.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from model.errors import InputError


def _directory(name: str) -> Path:
    installed = Path(str(resources.files("model"))) / "shipped" / name
    return installed if installed.is_dir() else Path(__file__).resolve().parent.parent / name


SCENARIOS_DIR = _directory("scenarios")
EXPERIMENTS_DIR = SCENARIOS_DIR / "experiments"
CALIBRATION_DIR = _directory("calibration")


def scenario_names() -> list[str]:
    """The shipped scenarios, by file name without `.yaml` (e.g. `baseline`, `reform_2020`)."""
    return sorted(p.stem for p in SCENARIOS_DIR.glob("*.yaml"))


def experiment_names() -> list[str]:
    return sorted(p.stem for p in EXPERIMENTS_DIR.glob("*.yaml"))


def scenario(name: str) -> Path:
    """The file of a shipped scenario, found from any working directory: `scenario("baseline")`."""
    return _named(name, SCENARIOS_DIR, scenario_names(), "scenario")


def experiment(name: str) -> Path:
    """The file of a shipped experiment: `experiment("subsidy_x_parity_grid")`."""
    return _named(name, EXPERIMENTS_DIR, experiment_names(), "experiment")


def locate(path: str | Path, kind: str = "scenario", directory: Path | None = None) -> Path:
    """A file the user named (relative to `directory` if given): the path itself if it exists, else, for a bare
    name (no folder, no `.yaml`), the shipped scenario or experiment of that name (`workforce run baseline` from
    any folder, `extends: baseline` in a scenario file anywhere)."""
    text = str(path)
    full = directory / path if directory is not None else Path(path)
    if full.exists() or "/" in text or "\\" in text or text.endswith((".yaml", ".yml")):
        return full
    return scenario(text) if kind == "scenario" else experiment(text)


def _named(name: str, directory: Path, names: list[str], kind: str) -> Path:
    if name not in names:
        raise InputError(f"{kind}: {name!r} is not a shipped {kind}; shipped: {', '.join(names)}")
    return directory / f"{name}.yaml"

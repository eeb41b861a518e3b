"""Jiangsu industrial-workforce model: `run` a scenario, `compare` reforms with a baseline, `sweep` an experiment
(`load_results` reads its store), or build a `WorkforceModel` and step it. Scenarios are files, objects or the
names of the `shipped` ones ("baseline", "reform_2020"); settings change by path with `overrides=`."""

from model import shipped
from model.compare import compare
from model.errors import InputError
from model.provenance import package_version
from model.results_store import load_results, load_runs
from model.runner import run
from model.scenario import Scenario, load_scenario
from model.sweep import sweep
from model.workforce_model import WorkforceModel

__version__ = package_version()

__all__ = ["InputError", "Scenario", "WorkforceModel", "__version__", "compare", "load_results", "load_runs",
           "load_scenario", "run", "shipped", "sweep"]

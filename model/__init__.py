"""Jiangsu industrial-workforce model: `run` a scenario, `compare` reforms with a baseline, `sweep` an experiment
(`load_results` reads its store), or build a `WorkforceModel` and step it. Scenarios are files, objects or the
names of the `shipped` ones ("baseline", "reform_2020"); settings change by path with `overrides=`."""

from model import shipped
from model.engine.workforce_model import WorkforceModel
from model.errors import InputError
from model.experiments.compare import compare
from model.experiments.results_store import load_results, load_runs
from model.experiments.runner import run
from model.experiments.sweep import sweep
from model.provenance import package_version
from model.scenario import Scenario, load_scenario

__version__ = package_version()


def explore(*args: object, **kwargs: object) -> object:
    """The what-if explorer in Jupyter (model/reporting/explorer.py; Panel is imported only when it is used)."""
    from model.reporting.explorer import explore as show

    return show(*args, **kwargs)

__all__ = ["InputError", "Scenario", "WorkforceModel", "__version__", "compare", "explore", "load_results", "load_runs",
           "load_scenario", "run", "shipped", "sweep"]

"""Jiangsu industrial-workforce model: `run` a scenario, or build a `WorkforceModel` and step it."""

from model.compare import compare
from model.errors import InputError
from model.runner import run
from model.scenario import Scenario, load_scenario
from model.workforce_model import WorkforceModel

__all__ = ["InputError", "Scenario", "WorkforceModel", "compare", "load_scenario", "run"]

"""environment.yml (for conda users) carries pyproject.toml's dependencies with the same bounds: the runtime ones
and the `test` and `notebooks` extras, under their conda-forge names, or in its pip section where conda-forge has
no suitable build. No conda client is reachable from CI, so this is the check that can fail here (what was
verified by hand, and how, is in the file's header)."""

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

REPO = Path(__file__).resolve().parent.parent
# PyPI name -> conda-forge name(s); None: installed from PyPI through the file's pip section
CONDA_NAMES = {"salib": ["salib"], "dask": ["dask", "distributed"], "playwright": ["playwright-python"],
               "mesa": None, "pyabc": None}


def environment_file() -> tuple[dict[str, SpecifierSet], dict[str, SpecifierSet]]:
    conda, pip = {}, {}
    for entry in yaml.safe_load((REPO / "environment.yml").read_text())["dependencies"]:
        if isinstance(entry, dict):
            for line in entry.get("pip", []):
                if not line.startswith("-"):
                    requirement = Requirement(line)
                    pip[requirement.name.lower()] = requirement.specifier
            continue
        name = entry.split(">")[0].split("<")[0].split("=")[0].strip()
        conda[name.lower()] = SpecifierSet(entry[len(name):].strip())
    return conda, pip


def test_environment_yml_has_every_dependency_of_pyproject_with_the_same_bounds():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    conda, pip = environment_file()
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"],
              *project["optional-dependencies"]["notebooks"]]
    problems = []
    for line in wanted:
        requirement = Requirement(line)
        name = requirement.name.lower()
        targets = CONDA_NAMES.get(name, [name])
        if targets is None:
            if pip.get(name) != requirement.specifier:
                problems.append(f"{name}: pip section {pip.get(name)}, pyproject {requirement.specifier}")
            continue
        problems += [f"{name} -> {t}: {conda.get(t)}, pyproject {requirement.specifier}"
                     for t in targets if conda.get(t) != requirement.specifier]
    assert conda.get("python") == SpecifierSet(project["requires-python"])
    assert not problems, problems
    assert "playwright" not in conda, "conda-forge's playwright is the Node.js tool; Python's is playwright-python"

"""The package as a researcher installs it: a wheel with every subpackage and the shipped scenarios, experiments
and calibration files, installed into a fresh virtual environment and used from a folder outside the repository
(the command line and a plain script)."""

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(REPO)], check=True, capture_output=True, text=True, timeout=300)
    (built,) = out.glob("jiangsu_workforce-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel installed (its dependencies come from this environment's
    site-packages through a .pth file, so the test needs no network; the checkout itself is not on its path)."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True,
                   capture_output=True, text=True, timeout=300)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    (Path(site) / "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv


def outside(venv: Path, tmp_path: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(venv / "bin" / args[0]), *args[1:]], cwd=tmp_path, capture_output=True, text=True,
                          timeout=timeout, env=env)


def test_the_wheel_holds_every_subpackage_and_the_shipped_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "workforce_entry.py" in names
    for module in (REPO / "model").rglob("*.py"):
        assert module.relative_to(REPO).as_posix() in names, module
    for folder, shipped in (("scenarios", "model/shipped/scenarios"), ("calibration", "model/shipped/calibration")):
        for path in (REPO / folder).rglob("*"):
            if path.is_file():
                assert f"{shipped}/{path.relative_to(REPO / folder).as_posix()}" in names, path
    assert "model/reporting/data/jiangsu_cities.geojson" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    assert not any("__pycache__" in n for n in names)


def test_the_installed_package_runs_compares_and_reports_from_outside_the_repository(installed, tmp_path):
    where = outside(installed, tmp_path, "python", "-c", "import model, model.shipped as s; "
                                                         "print(model.__file__); print(s.SCENARIOS_DIR)")
    assert where.returncode == 0, where.stderr
    assert all(str(installed) in line for line in where.stdout.splitlines()), where.stdout

    version = outside(installed, tmp_path, "workforce", "--version")
    assert version.returncode == 0 and version.stdout.startswith("workforce "), version.stderr

    ran = outside(installed, tmp_path, "workforce", "run", "baseline", "--scale", "0.0005", "--end", "2020-03",
                  "--out", "base", "--set", "parameters.learning_rate_monthly=0.03")
    assert ran.returncode == 0, ran.stderr
    manifest = json.loads((tmp_path / "base" / "manifest.json").read_text())
    assert manifest["parameters"]["learning_rate_monthly"] == 0.03
    assert manifest["git"] is None  # not a checkout
    assert Path(manifest["scenario"]["file"]).is_relative_to(installed)

    compared = outside(installed, tmp_path, "workforce", "compare", "baseline", "lever_training_subsidy", "--seeds",
                       "2", "--scale", "0.0005", "--end", "2020-06", "--out", "cmp")
    assert compared.returncode == 0, compared.stderr
    reported = outside(installed, tmp_path, "workforce", "report", "cmp", "-o", "report.html")
    assert reported.returncode == 0, reported.stderr
    assert "培训补贴" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_a_plain_script_outside_the_repository_uses_the_api_with_overrides(installed, tmp_path):
    (tmp_path / "whatif.py").write_text(
        "from model import compare, run\n"
        "if __name__ == '__main__':\n"
        "    table = run('baseline', scale=0.0005, end='2020-02',\n"
        "                overrides={'levers.training_subsidy.annual_quota': 200000})\n"
        "    print(table.attrs['provenance']['scenario']['id'])\n"
        "    result = compare('baseline', ['lever_pay_parity', {'levers.pay_parity.gap_closed_share': 0.2}],\n"
        "                     seeds=2, scale=0.0005, end='2020-03')\n"
        "    result.headline.to_csv('headline.csv', index=False)\n")
    done = outside(installed, tmp_path, "python", "whatif.py")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("baseline+")
    headline = pd.read_csv(tmp_path / "headline.csv")
    assert headline.scenario_id.iloc[0] == "lever_pay_parity"
    assert headline.scenario_id.iloc[1].startswith("baseline+")
    assert "gap_closed_share=0.2" in headline.scenario.iloc[1]

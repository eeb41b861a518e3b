"""A tenth lever needs one module plus its labels: the fixture tests/fixtures/mentoring_lever.py, registered as a
plug-in under the entry-point group `workforce.levers` (as a package would in its pyproject.toml), runs a
programme with its own response parameters, KPIs, labels and cost booking, and leaves the nine levers as they were."""

import json
import os
import subprocess
import sys
import textwrap

from tests.conftest import REPO

SCRIPT = textwrap.dedent("""
    import json
    import numpy as np
    from model.reporting.labels import label
    from model.levers import LEVER_IDS, PROGRAMME_CODES
    from model.experiments.runner import simulate
    from tests.fixtures import mentoring_lever
    from model.scenario import Scenario

    period = {"start": "2020-01", "end": "2021-12"}
    source = {"title": "test", "publisher": "test", "year": 2020, "address": "", "note": "fixture"}
    reform = Scenario(name="mentoring", period=period,
                      levers={"mentoring": {"source": source, "annual_mentees": 200000}})
    zero = Scenario(name="mentoring_zero", period=period,
                    levers={"mentoring": {"source": source, **mentoring_lever.ZERO_STRENGTH}})
    runs = {name: simulate(spec, scale=0.002, seed=4) for name, spec in (
        ("baseline", Scenario(name="baseline", period=period)), ("reform", reform), ("zero", zero))}
    province = {name: run.table[run.table.dimension == "province"].groupby("kpi", observed=True).value.sum()
                for name, run in runs.items()}
    ledger = runs["reform"].ledger
    print(json.dumps({
        "levers": list(LEVER_IDS), "codes": PROGRAMME_CODES,
        "enrolled": province["reform"]["mentees_enrolled"], "mentee_months": province["reform"]["mentees"],
        "baseline_enrolled": province["baseline"]["mentees_enrolled"],
        "certifications": {k: province[k]["certifications"] for k in province},
        "fiscal": float(ledger[(ledger.programme == "mentoring") & (ledger.payer == "fiscal")].yuan.sum()),
        "labels": [label("mentoring", "zh"), label("mentees", "zh"), label("mentees_enrolled", "en")],
        "parameters": sorted(k for k in runs["reform"].manifest["parameters"] if k.startswith("mentoring")),
        "zero_strength_is_baseline": bool(np.array_equal(runs["zero"].table.value, runs["baseline"].table.value,
                                                         equal_nan=True)),
    }))
""")


def _plugin_path(tmp_path):
    """A directory holding the metadata of an installed distribution that registers the fixture lever."""
    info = tmp_path / "mentoring_lever-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: mentoring-lever\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[workforce.levers]\nmentoring = tests.fixtures.mentoring_lever\n")
    return tmp_path


def test_a_tenth_lever_with_a_programme_plugs_in_as_one_module(tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(_plugin_path(tmp_path)), str(REPO)])}
    done = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, cwd=tmp_path,
                          check=False, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["levers"][-1] == "mentoring" and len(out["levers"]) == 10
    assert out["codes"]["mentoring"] == 5 and out["codes"]["training"] == 1  # the nine's codes unchanged
    assert out["enrolled"] > 50_000 and out["baseline_enrolled"] == 0
    assert out["mentee_months"] > out["enrolled"]  # mentees stay a year: the stock summed over months is larger
    assert out["certifications"]["reform"] > out["certifications"]["baseline"]
    assert out["fiscal"] > 0
    assert out["labels"] == ["师带徒", "在带徒弟", "New mentees"]
    assert out["parameters"] == ["mentoring_completion_rate", "mentoring_learning_multiplier"]
    assert out["zero_strength_is_baseline"]

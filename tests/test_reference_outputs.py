"""The shipped scenarios' KPI tables and cost ledgers are bit-identical to the stored reference (made before the
architecture refactor), so moving code changes no number. An intended change of results regenerates the reference
(tests/reference/outputs.py says how)."""

import json

import pytest

from tests.reference.outputs import DIGESTS, SCENARIOS, digests


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_kpi_tables_and_ledger_are_identical_to_the_stored_reference(scenario):
    stored = json.loads(DIGESTS.read_text())[scenario]
    now = digests(scenario)
    assert now.keys() == stored.keys(), "the KPI ids differ from the reference's"
    changed = sorted(k for k in stored if now[k] != stored[k])
    assert not changed, f"{scenario}: these outputs changed: {', '.join(changed)}"

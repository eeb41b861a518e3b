"""Digests of the shipped scenarios' outputs at a small scale, to show a refactor leaves every number as it was.

`python -m tests.reference.outputs` rewrites `digests.json` from the code as it stands. Do that only when a change
of the results is intended (a new rule, a refit), and say so in the commit message: the digests are the record that
everything else (moving code, renaming, speeding up) changed no number.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd

from model.experiments.runner import simulate

SCENARIOS = ("baseline", "full_reform")
SCALE, SEED = 0.001, 0
DIGESTS = Path(__file__).with_name("digests.json")


def _digest(frame: pd.DataFrame, keys: list[str], value: str) -> str:
    """sha256 of the rows in key order: the keys as text, the values' float64 bytes."""
    rows = frame.sort_values(keys)
    text = "\n".join(rows[keys].astype(str).agg("|".join, axis=1)).encode()
    return hashlib.sha256(text + rows[value].to_numpy("float64").tobytes()).hexdigest()


def digests(scenario: str) -> dict[str, str]:
    """One digest per KPI of the run's KPI table, and one of its cost ledger."""
    run = simulate(scenario, scale=SCALE, seed=SEED)
    table = run.table.astype({"kpi": str, "dimension": str, "group": str})
    out = {kpi: _digest(rows, ["dimension", "group", "date"], "value") for kpi, rows in table.groupby("kpi")}
    out["ledger"] = _digest(run.ledger.astype({"programme": str, "payer": str}), ["date", "programme", "payer"], "yuan")
    return out


def main() -> None:
    DIGESTS.write_text(json.dumps({s: digests(s) for s in SCENARIOS}, indent=1, sort_keys=True) + "\n")
    print(f"wrote {DIGESTS}")


if __name__ == "__main__":
    main()

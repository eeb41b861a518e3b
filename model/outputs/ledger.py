"""The cost ledger: fiscal and employer spending by month, programme (lever) and payer, yuan at full scale."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.engine.calendar import BASE_MONTH, month_start
from model.levers import LEVER_IDS

PAYERS = ("fiscal", "employer")


class CostLedger:
    """Yuan per month (from the base month) and lever, one table per payer."""

    def __init__(self, n_months: int) -> None:
        self.yuan = {payer: np.zeros((n_months, len(LEVER_IDS))) for payer in PAYERS}

    def add(self, month_offset: int, lever: str, payer: str, yuan: float) -> None:
        self.yuan[payer][month_offset, LEVER_IDS.index(lever)] += yuan

    def kpis(self, n_months: int) -> dict[str, np.ndarray]:
        """The ledger as the KPIs fiscal_cost_yuan and employer_cost_yuan by programme (months simulated so far)."""
        return {"fiscal_cost_yuan": self.yuan["fiscal"][:n_months],
                "employer_cost_yuan": self.yuan["employer"][:n_months]}

    def frame(self, n_months: int) -> pd.DataFrame:
        """Tidy ledger: date, programme, payer, yuan (rows with spending only)."""
        rows = []
        for payer, table in self.yuan.items():
            months, levers = np.nonzero(table[:n_months])
            rows.append(pd.DataFrame({"date": [month_start(BASE_MONTH + m) for m in months],
                                      "programme": [LEVER_IDS[k] for k in levers], "payer": payer,
                                      "yuan": table[months, levers]}))
        return pd.concat(rows, ignore_index=True).sort_values(["date", "payer", "programme"], ignore_index=True)

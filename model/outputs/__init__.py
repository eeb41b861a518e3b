"""What a run produces: the KPI tally and table, the cost ledger, who gains, effects on the treated."""

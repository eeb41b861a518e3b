"""Running scenarios: one run, paired comparisons, sweeps and their store, uncertainty, sensitivity."""

"""Benchmarks and the per-agent reference model (run on demand, not in the test suite's timings)."""

# Two commands set up a fresh machine: `make demo` (main job: baseline vs reforms) and `make test` (test suite).
VENV ?= .venv
PY := $(VENV)/bin/python
SCALE ?= 0.01
SEEDS ?= 4
REFORMS ?= scenarios/reform_2020.yaml scenarios/lever_training_subsidy.yaml scenarios/lever_pay_parity.yaml \
	scenarios/lever_apprenticeship.yaml

.PHONY: setup demo test bench bench-full lint clean

setup:
	@bash scripts/setup.sh

POSTERIOR ?=

demo: setup
	$(VENV)/bin/workforce compare scenarios/baseline.yaml $(REFORMS) --seeds $(SEEDS) --scale $(SCALE) \
		$(if $(POSTERIOR),--posterior $(POSTERIOR)) --out runs/demo --overwrite

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) -m benchmarks.bench_engine
	$(PY) -m benchmarks.bench_compare
	$(PY) -m benchmarks.bench_sweep
	$(PY) -m benchmarks.bench_posterior_compare
	$(PY) -m benchmarks.bench_explorer

bench-full: setup
	$(PY) -m benchmarks.bench_engine --full-scale --with full_reform

lint: setup
	$(VENV)/bin/ruff check model tests benchmarks

clean:
	rm -rf runs .pytest_cache

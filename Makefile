# Two commands set up a fresh machine: `make demo` (main job) and `make test` (test suite).
VENV ?= .venv
PY := $(VENV)/bin/python
SCALE ?= 0.01

.PHONY: setup demo test bench bench-full lint clean

setup:
	@bash scripts/setup.sh

demo: setup
	$(VENV)/bin/workforce run scenarios/baseline.yaml --scale $(SCALE) --out runs/baseline --overwrite

test: setup
	$(PY) -m pytest -q

bench: setup
	$(PY) -m benchmarks.bench_engine

bench-full: setup
	$(PY) -m benchmarks.bench_engine --full-scale

lint: setup
	$(VENV)/bin/ruff check model tests benchmarks

clean:
	rm -rf runs .pytest_cache

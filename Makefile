# One command per action. `make demo` and `make test` work on a fresh clone.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_OUT ?= out/demo
DEMO_REQUEST ?= Explain how a rainbow forms. Include one diagram, a narrated audio clip and a short video.

.PHONY: demo test test-fast lint typecheck bench system-packages install install-dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(BIN)/python
	@bash scripts/system-packages.sh --runtime
	$(BIN)/python -m pip install --quiet -e ".[embedded]"

install-dev: $(BIN)/python
	@bash scripts/system-packages.sh
	$(BIN)/python -m pip install --quiet -e ".[dev,eval,embedded,diffusers,openai,coqui,train]" torch==2.13.0

system-packages:
	@bash scripts/system-packages.sh

demo: install
	$(BIN)/unima run "$(DEMO_REQUEST)" --out $(DEMO_OUT)

test: install-dev
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

test-fast: install-dev
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -m "not slow"

lint: install-dev
	$(BIN)/ruff check unima tests benchmarks traces
	$(BIN)/ruff format --check unima tests benchmarks traces
	$(BIN)/lint-imports

typecheck: install-dev
	$(BIN)/mypy unima

bench: install-dev
	$(BIN)/python benchmarks/overhead.py
	$(BIN)/python benchmarks/perception.py
	$(BIN)/python benchmarks/cache.py
	$(BIN)/python benchmarks/harness.py
	$(BIN)/python benchmarks/eval.py
	$(BIN)/python benchmarks/answers.py
	$(BIN)/python benchmarks/generators.py
	$(BIN)/python benchmarks/fidelity.py
	$(BIN)/python benchmarks/train.py

clean:
	rm -rf $(VENV) out .unima .pytest_cache

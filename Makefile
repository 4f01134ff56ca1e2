# realiz3d: `make setup`, `make test`, `make demo`. Everything installs into .venv.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test demo bench clean

setup: $(STAMP)

# torch is pinned to the CPU build that lies on this machine's disk; an unpinned
# torch would pull a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

test: setup
	$(BIN)/python -m pytest -q -x --durations=15

demo: setup
	$(BIN)/realiz3d demo --out demo

bench: setup
	$(BIN)/realiz3d bench all

clean:
	rm -rf $(VENV) demo runs .pytest_cache

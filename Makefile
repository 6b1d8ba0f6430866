# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet -c constraints.txt
STAMP := $(VENV)/.installed

.PHONY: run test lint protos clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -e '.[dev]'
	touch $@

# Upgrade the embedded database, load the bundled sample graph when it is
# empty, and serve gRPC until Ctrl-C. CONCEPTKG_* variables are honoured.
run: $(STAMP)
	$(BIN)/conceptkg db upgrade
	$(BIN)/conceptkg import sample --if-empty
	$(BIN)/conceptkg index build --if-missing
	$(BIN)/conceptkg serve

test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check service graph embeddings migrations tests benchmarks
	$(BIN)/mypy service graph embeddings

# Regenerate service/_generated from protos/ (needs grpcio-tools).
protos: $(STAMP)
	$(BIN)/python protos/generate.py

clean:
	rm -rf $(VENV) var

# Set-up and everyday commands.  Each target creates the virtual environment on first use,
# so `make demo` and `make test` work on a machine that has only Python 3.11 and pip.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench bench-smoke clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,demo]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m chainrule demo

test: $(STAMP)
	$(PY) -m ruff check src tests bench
	$(PY) -m bench --smoke --strict
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check src tests bench

bench-smoke: $(STAMP)
	$(PY) -m bench --smoke

bench: $(STAMP)
	bash bench/setup_peers.sh
	bench/.venv-peers/bin/python -m bench

clean:
	rm -rf $(VENV) demo-output

# Shortcuts; the README's two quick-start commands need only python3.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: setup run test schemas bench docs clean
setup:
	python3 -m venv $(VENV) && $(VENV)/bin/pip install -q -e '.[test]'
run: setup
	$(VENV)/bin/optimiser solve cases/england_2017 --out out/england_2017
test: setup
	$(PY) -m pytest
schemas: setup
	$(PY) -m optimiser.export.schemas
bench: setup
	$(PY) bench/run.py
docs: setup
	$(VENV)/bin/pip install -q -e '.[docs]' && $(VENV)/bin/mkdocs build --strict
clean:
	rm -rf $(VENV) out build site *.egg-info

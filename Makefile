# Two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-hostile lint bench screenshots clean venv

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/mendel --demo

lint: $(STAMP)
	$(VENV)/bin/ruff check core app tests
	$(VENV)/bin/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# Every hostile input (tests/hostile), the slow ones too, and a few thousand property
# examples per loader; the table of outcomes is printed at the end.
test-hostile: $(STAMP)
	MENDEL_HOSTILE=1 $(PY) -m pytest -q -m "" tests/hostile

bench: $(STAMP)
	$(PY) -m tests.benchmarks.run_all

screenshots: $(STAMP)
	xvfb-run -a -s "-screen 0 1600x1000x24" env QT_QPA_PLATFORM=xcb $(PY) -m app.screenshots resources/screenshots

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

# Two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-hostile lint bench screenshots clean venv package package-test

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

# The desktop bundle dist/Mendel/ (PyInstaller, one folder; packaging/README.md). Slow
# (minutes) and large (about a gigabyte, mostly PyTorch): not part of `make test`.
package: $(STAMP)
	$(PY) -m pip install -q -c constraints.txt -e ".[package]"
	@start=$$(date +%s); \
	$(PY) -m PyInstaller packaging/mendel.spec --noconfirm --log-level WARN \
		--distpath dist --workpath build/pyinstaller && \
	echo "built dist/Mendel in $$(( $$(date +%s) - start )) s, $$(du -sh dist/Mendel | cut -f1)"

# Runs the built program, not the sources: --version, inspect, one epoch of training and
# the window opened offscreen and closed (packaging/package_test.py).
package-test:
	$(PY) packaging/package_test.py dist/Mendel

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

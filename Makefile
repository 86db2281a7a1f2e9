# The project's tasks; each is one call to dev.py (standard library only, so it
# works before .venv exists). `python3 dev.py --help` says the same.
PYTHON ?= python3

.PHONY: setup demo check test bench soak

setup:  ## install whatever is missing: .venv, the package + extras, web assets, the model
	$(PYTHON) dev.py setup

demo:   ## serve web/demo.html with the embedded model until Ctrl-C
	$(PYTHON) dev.py demo

check:  ## the demo once, headless in Chromium: prints the question and the answer
	$(PYTHON) dev.py demo --check

test:   ## every test: pytest on CPython, Pyodide and Chromium suites, ruff and mypy
	$(PYTHON) dev.py test

bench:  ## the benchmark (writes bench/results/)
	$(PYTHON) dev.py bench

soak:   ## the bounded load, fault and fuzz run
	$(PYTHON) dev.py soak

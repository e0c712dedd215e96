# Set-up, notebook execution and tests for the Fashion-MNIST Rust notebooks.
#
#   make run    install what is missing, execute the five notebooks into target/notebooks/,
#               print the test accuracy
#   make test   install what is missing, run cargo tests, check and execute the notebooks
#   make lab    open JupyterLab on notebooks/ with the Rust kernel
#   make screenshots  open the HTML exports in headless Chromium, check that every figure
#               loads and save a screenshot of each page in target/notebooks/screenshots/
#   make setup  install evcxr_jupyter, the Python environment, the kernel and the data
#   make chromium  install Chromium with apt-get when it is missing (for make screenshots)
#   make data   install or download the Fashion-MNIST files and verify them
#   make bench  measure loading, training and prediction speed on the real data (cargo bench)

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON3 ?= python3
CARGO ?= cargo

EVCXR_VERSION := 0.22.0
# cargo install puts binaries in $CARGO_INSTALL_ROOT/bin, else $CARGO_HOME/bin.
CARGO_BIN_DIR := $(or $(CARGO_INSTALL_ROOT),$(CARGO_HOME),$(HOME)/.cargo)/bin
EVCXR_JUPYTER := $(CARGO_BIN_DIR)/evcxr_jupyter

VENV := .venv
VENV_PYTHON := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed-requirements
# The kernel is registered inside the virtual environment, never in the user's
# Jupyter folders. JUPYTER_PATH makes Jupyter search this folder first, and
# tells `evcxr_jupyter --install` where to write.
VENV_JUPYTER_DIR := $(abspath $(VENV))/share/jupyter
KERNEL_JSON := $(VENV)/share/jupyter/kernels/rust/kernel.json

# The pinned Python packages, read from the pip: section of environment.yml
# (lines of the form "- name==version").
JUPYTER_PINS := $(shell sed -n '/^ *- pip:/,$$s/^ *- *\([A-Za-z0-9_.-]*==[^ ]*\).*/\1/p' environment.yml)
ifeq ($(strip $(JUPYTER_PINS)),)
$(error no "name==version" lines found under "- pip:" in environment.yml)
endif

NOTEBOOKS := \
	notebooks/01_eda.ipynb \
	notebooks/02_preprocessing.ipynb \
	notebooks/03_model.ipynb \
	notebooks/04_evaluate.ipynb \
	notebooks/05_predict.ipynb

.PHONY: help setup evcxr venv kernel data chromium run screenshots test lab bench

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

setup: evcxr venv kernel data

# evcxr_jupyter has no --version option, so the version comes from cargo's
# record of installed crates.
evcxr:
	@installed=$$($(CARGO) install --list); \
	if [[ -x '$(EVCXR_JUPYTER)' ]] && grep -qxF 'evcxr_jupyter v$(EVCXR_VERSION):' <<<"$$installed"; then \
	  echo "evcxr_jupyter $(EVCXR_VERSION) is installed: $(EVCXR_JUPYTER)"; \
	else \
	  echo "installing evcxr_jupyter $(EVCXR_VERSION), which took 10.5 minutes on a 2-core machine"; \
	  $(CARGO) install --locked evcxr_jupyter --version $(EVCXR_VERSION); \
	fi

venv: $(VENV_STAMP)

$(VENV_STAMP): environment.yml
	[[ -x $(VENV_PYTHON) ]] || $(PYTHON3) -m venv $(VENV)
	$(VENV_PYTHON) -m pip install --disable-pip-version-check $(JUPYTER_PINS)
	touch $@

kernel: $(KERNEL_JSON)

# scripts/rust_kernel.py starts each kernel with a build folder of its own (see there).
$(KERNEL_JSON): $(VENV_STAMP) scripts/rust_kernel.py | evcxr
	JUPYTER_PATH='$(VENV_JUPYTER_DIR)' '$(EVCXR_JUPYTER)' --install
	$(VENV_PYTHON) scripts/rust_kernel.py --install $(KERNEL_JSON)

data:
	scripts/fetch-fashion-mnist.sh

CHROMIUM ?= chromium
# apt-get needs root: through sudo when make runs as another user.
AS_ROOT := $(if $(filter 0,$(shell id -u)),,sudo)

chromium:
	@if command -v '$(CHROMIUM)' >/dev/null; then \
	  echo "chromium is installed: $$(command -v '$(CHROMIUM)')"; \
	else \
	  echo "installing the Debian package chromium with apt-get"; \
	  $(AS_ROOT) apt-get update && $(AS_ROOT) apt-get install -y chromium; \
	fi

run: setup
	$(VENV_PYTHON) tests/notebooks/run_notebooks.py $(NOTEBOOKS)

# Checks the HTML exports that `make run` or `make test` wrote last.
HTML_EXPORTS := $(NOTEBOOKS:notebooks/%.ipynb=target/notebooks/%.html)

screenshots: venv chromium
	CHROMIUM='$(CHROMIUM)' $(VENV_PYTHON) tests/notebooks/check_html.py $(HTML_EXPORTS)

# cargo test runs with --release because the training tests run dfdx, which
# is slow unoptimised.
test: setup
	$(VENV_PYTHON) tests/notebooks/check_committed.py $(NOTEBOOKS)
	$(VENV_PYTHON) -m unittest discover --start-directory tests/fetch
	$(VENV_PYTHON) -m unittest discover --start-directory tests/notebooks
	$(CARGO) test --release --locked
	$(VENV_PYTHON) tests/notebooks/run_notebooks.py --check $(NOTEBOOKS)
	$(MAKE) --no-print-directory screenshots

# Jupyter Server exits when started as root without --allow-root.
LAB_ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: setup
	JUPYTER_PATH='$(VENV_JUPYTER_DIR)' $(VENV)/bin/jupyter lab --ip=127.0.0.1 --notebook-dir=notebooks $(LAB_ROOT_FLAG)

# Speed and memory goals live in the benchmarks under benches/, not in the tests.
bench: data
	$(CARGO) bench --locked

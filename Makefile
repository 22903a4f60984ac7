# confidential.tdx: one command to set up and test everything (`make test`),
# one to see the collection work with no Google account (`make demo`).
#
# Every stage below sets itself up from nothing: a virtual environment with
# the pinned tools, the Debian packages the tests need (as root), the built
# collection installed into a private collections path.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
BUILD ?= $(CURDIR)/build
VERSION := $(shell sed -n 's/^version: *//p' galaxy.yml)
ARTEFACT := $(BUILD)/confidential-tdx-$(VERSION).tar.gz
COLLECTIONS := $(BUILD)/collections
INSTALLED := $(COLLECTIONS)/ansible_collections/confidential/tdx
# ansible-test keeps its per-test virtual environments and its pip bootstrap
# under ~/.ansible/test; a private HOME keeps them inside build/.
ANSIBLE_TEST_HOME := $(BUILD)/ansible-test-home
PIP_FOR_ANSIBLE_TEST := 24.2

export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export CONFIDENTIAL_TDX_COLLECTIONS := $(COLLECTIONS)
export ANSIBLE_FORCE_COLOR := 0
export PY_COLORS := 0

.PHONY: help test unit demo setup system-deps build install sanity lint docs-lint pytest molecule bench reliability clean

help:
	@echo "make demo   run the collection's main job offline (no Google account needed)"
	@echo "make test   set up everything, then sanity, lint, docs lint, pytest, molecule"
	@echo "make unit   the inner loop: unit and in-process tests on the source tree, with coverage"
	@echo "make bench  run the benchmark suite"
	@echo "make reliability  faults, bad input, fuzzing (longer), secrets, hardening safety: a report"
	@echo "make clean  remove build output (keeps .venv)"

test: setup build install sanity lint docs-lint pytest molecule
	@echo "make test: every stage passed"

setup: system-deps $(VENV)/.installed

system-deps:
	tools/system-deps.sh

$(VENV)/.installed: requirements-dev.txt constraints-dev.txt requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

build: $(VENV)/.installed
	mkdir -p $(BUILD)
	rm -f $(ARTEFACT)
	ansible-galaxy collection build --force --output-path $(BUILD) .

install: build
	rm -rf $(COLLECTIONS)
	ansible-galaxy collection install --force -p $(COLLECTIONS) $(ARTEFACT)

# Sanity runs on the installed artefact, i.e. on exactly what users get, in a
# copy outside this checkout: inside it, ansible-test would find this .git
# and test only files git tracks there, i.e. none of build/ (it then skips
# every target and still passes). The collection needs no ignore file today;
# should one be added (tests/sanity/, each entry justified), it is not
# shipped, so it is copied in beside the artefact.
sanity: install $(ANSIBLE_TEST_HOME)/.ansible/test/cache/get_pip_24_2.py
	root=$$(mktemp -d) && trap 'rm -rf "$$root"' EXIT && \
	mkdir -p $$root/ansible_collections/confidential && \
	cp -a $(INSTALLED) $$root/ansible_collections/confidential/tdx && \
	if [ -d tests/sanity ]; then mkdir -p $$root/ansible_collections/confidential/tdx/tests && \
		cp -r tests/sanity $$root/ansible_collections/confidential/tdx/tests/; fi && \
	cd $$root/ansible_collections/confidential/tdx && \
	HOME=$(ANSIBLE_TEST_HOME) ansible-test sanity --color no --python 3.11 > $(BUILD)/sanity.log 2>&1 \
		|| { cat $(BUILD)/sanity.log; exit 1; }; \
	cat $(BUILD)/sanity.log; \
	! grep -q "All targets skipped" $(BUILD)/sanity.log || { echo "ansible-test sanity found nothing to test" >&2; exit 1; }

$(ANSIBLE_TEST_HOME)/.ansible/test/cache/get_pip_24_2.py: tools/ansible-test/get_pip.py $(VENV)/.installed
	mkdir -p $(@D)
	$(BIN)/pip download --quiet --no-deps --dest $(@D) pip==$(PIP_FOR_ANSIBLE_TEST)
	cp tools/ansible-test/get_pip.py $@

lint: install
	ansible-lint --offline --profile production

docs-lint: install
	cd $(INSTALLED) && antsibull-docs lint-collection-docs --plugin-docs \
		--check-extra-docs-refs --validate-collection-refs all --disallow-unknown-collection-refs .

# Coverage of the collection's code, printed (no threshold gate): what the
# tests run in-process. Modules run by ansible-playbook are separate
# processes and not counted; the in-process tests cover the same logic.
COVERAGE := --cov=plugins --cov-report=term

pytest: install
	pytest -n 2 $(COVERAGE)

# The inner loop, on the source tree (no build): unit tests and the modules'
# in-process tests against the emulator; the playbook-marked end-to-end runs
# are left to make pytest.
UNIT_TESTS := tests/unit tests/integration/gce tests/reliability/test_deadlines.py
unit: $(VENV)/.installed
	env -u CONFIDENTIAL_TDX_COLLECTIONS -u ANSIBLE_COLLECTIONS_PATH \
		pytest -n 2 -m "not playbook" $(COVERAGE) $(UNIT_TESTS)

# Every molecule scenario, against the installed artefact.
molecule: install
	@for scenario in $$(ls molecule 2>/dev/null | sort); do \
		test -f molecule/$$scenario/molecule.yml || continue; \
		echo "== molecule test -s $$scenario"; \
		molecule test -s $$scenario || exit 1; \
	done

demo: setup install
	tools/demo.sh

bench: setup install
	tools/bench.sh

# The reliability tests (also part of `make test`), with the long fuzz runs,
# then the report counted from what they recorded (docs/reliability.md).
RELIABILITY_RESULTS := $(BUILD)/reliability/results.json
reliability: setup install
	rm -f $(RELIABILITY_RESULTS)
	status=0; CONFIDENTIAL_TDX_RELIABILITY_RESULTS=$(RELIABILITY_RESULTS) \
		CONFIDENTIAL_TDX_FUZZ_EXAMPLES=$${CONFIDENTIAL_TDX_FUZZ_EXAMPLES:-5000} \
		CONFIDENTIAL_TDX_ATHERIS_SECONDS=$${CONFIDENTIAL_TDX_ATHERIS_SECONDS:-60} \
		pytest -n 2 tests/reliability || status=$$?; \
	tools/reliability-report $(RELIABILITY_RESULTS) || status=$$?; \
	exit $$status

clean:
	rm -rf $(BUILD) .ansible tests/output .coverage .coverage.*

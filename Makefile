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
# .venv holds either the demo's few packages (requirements-demo.txt) or, once
# a development target has run, the whole toolchain (requirements-dev.txt).
DEMO_INSTALLED := $(VENV)/.demo-installed
DEV_INSTALLED := $(VENV)/.installed
# Every ansible-core the collection claims (meta/runtime.yml), one
# tests/compat/core-<version>.txt each; `make compat` tests each in its own venv.
COMPAT_CORES := $(sort $(patsubst tests/compat/core-%.txt,%,$(wildcard tests/compat/core-*.txt)))
COMPAT_TARGETS := $(addprefix compat-,$(COMPAT_CORES))
COMPAT_INSTALLED := $(foreach core,$(COMPAT_CORES),$(BUILD)/compat/$(core)/venv/.installed)
# ansible-builder and bindep for the execution-environment test, in a venv of their own.
EE_INSTALLED := $(BUILD)/ee/builder-venv/.installed

export PATH := $(BIN):$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export CONFIDENTIAL_TDX_COLLECTIONS := $(COLLECTIONS)
export ANSIBLE_FORCE_COLOR := 0
export PY_COLORS := 0

.PHONY: help test unit demo demo-setup setup system-deps build install sanity lint docs-lint pytest molecule bench reliability compat $(COMPAT_TARGETS) ee clean

help:
	@echo "make demo   run the collection's main job offline (no Google account needed)"
	@echo "make test   set up everything, then sanity, lint, docs lint, pytest, molecule"
	@echo "make unit   the inner loop: unit and in-process tests on the source tree, with coverage"
	@echo "make bench  run the benchmark suite"
	@echo "make reliability  faults, bad input, fuzzing (longer), secrets, hardening safety: a report"
	@echo "make ee     ansible-builder create on tests/ee/execution-environment.yml, then resolve and test it"
	@echo "make compat sanity, unit and key integration tests under ansible-core $(COMPAT_CORES)"
	@echo "make clean  remove build output (keeps .venv)"

# pytest and molecule run at the same time: molecule is mostly the QEMU VM
# of harden-vm, which keeps about one core busy, while pytest often waits on
# hosts, SSH and the emulator; together they fill both cores (docs/testing.md
# gives the time of each). --output-sync keeps each one's output together.
test: setup build install sanity lint docs-lint
	$(MAKE) --no-print-directory -j2 --output-sync=target pytest molecule
	@echo "make test: every stage passed"

setup: system-deps $(DEV_INSTALLED)

system-deps:
	tools/system-deps.sh

$(DEV_INSTALLED): requirements-dev.txt constraints-dev.txt requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The demo's packages only: the runtime requirements, ansible-core and the
# emulator's imports; the Debian packages of the test hosts only.
demo-setup: $(DEMO_INSTALLED)
	tools/system-deps.sh tools/debian-packages-demo.txt

$(DEMO_INSTALLED): requirements-demo.txt constraints-dev.txt requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-demo.txt
	touch $@

# Building and installing the artefact takes ansible-galaxy only.
build: $(DEMO_INSTALLED)
	mkdir -p $(BUILD)
	rm -f $(ARTEFACT)
	ansible-galaxy collection build --force --output-path $(BUILD) .

install: build
	rm -rf $(COLLECTIONS)
	ansible-galaxy collection install --force -p $(COLLECTIONS) $(ARTEFACT)

# Sanity runs on the installed artefact, i.e. on exactly what users get
# (tools/sanity.sh says how and why in a copy outside this checkout).
sanity: install $(DEV_INSTALLED)
	tools/sanity.sh $(BIN) $(INSTALLED) $(ANSIBLE_TEST_HOME) $(BUILD)/sanity.log

lint: install $(DEV_INSTALLED)
	ansible-lint --offline --profile production

docs-lint: install $(DEV_INSTALLED)
	cd $(INSTALLED) && antsibull-docs lint-collection-docs --plugin-docs \
		--check-extra-docs-refs --validate-collection-refs all --disallow-unknown-collection-refs .

# Coverage of the collection's code, printed (no threshold gate): what the
# tests run in-process. Modules run by ansible-playbook are separate
# processes and not counted; the in-process tests cover the same logic.
COVERAGE := --cov=plugins --cov-report=term

# By module (loadscope): a module's fixtures, such as a fleet of test hosts,
# are set up once, in one worker; the test-host modules go first
# (tests/conftest.py). xdist would otherwise hand out the modules with the
# most tests first (its default --loadscope-reorder), which put the hosts'
# modules, few tests of minutes each, last. Two workers: the suite is
# CPU-bound on two cores (four measured no faster: 25:48 against 24:51).
# Every run ends with its slowest steps (--durations), so it shows where its
# time went.
PYTEST_WORKERS ?= 2
pytest: install $(DEV_INSTALLED) $(EE_INSTALLED)
	pytest -n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder $(COVERAGE) --durations=25

# The inner loop, on the source tree (no build), within a minute on two
# cores: unit tests and the modules' in-process tests against the emulator,
# on fake clocks (a module's pauses take no time; tests/fake_clock.py).
# Tests that start another interpreter (tests/processes), run
# ansible-playbook or ansible-inventory (tests/playbooks, and the
# playbook-marked end-to-end runs) or prove a deadline in wall-clock time
# (tests/reliability/test_deadlines_wall_clock.py) are left to make pytest.
UNIT_TESTS := tests/unit tests/inprocess tests/reliability/test_deadlines.py
unit: $(DEV_INSTALLED)
	env -u CONFIDENTIAL_TDX_COLLECTIONS -u ANSIBLE_COLLECTIONS_PATH \
		pytest -n 2 -m "not playbook" $(COVERAGE) --durations=30 $(UNIT_TESTS)

# Every molecule scenario, against the installed artefact. Under load (make
# test runs pytest beside it) a QEMU VM can take longer than Ansible's
# default 10 s to answer a connection or sudo, hence the longer timeout.
molecule: export ANSIBLE_TIMEOUT := 60
molecule: install $(DEV_INSTALLED)
	@for scenario in $$(ls molecule 2>/dev/null | sort); do \
		test -f molecule/$$scenario/molecule.yml || continue; \
		echo "== molecule test -s $$scenario"; \
		molecule test -s $$scenario || exit 1; \
	done

demo: demo-setup install
	tools/demo.sh

# The execution environment's build context and what it resolves to
# (tests/ee; also part of `make pytest`). No container engine is needed.
ee: install $(DEV_INSTALLED) $(EE_INSTALLED)
	pytest -n 0 tests/ee

$(EE_INSTALLED): tests/ee/requirements-builder.txt
	test -x $(@D)/bin/python || $(PYTHON) -m venv $(@D)
	$(@D)/bin/pip install --quiet --disable-pip-version-check -r tests/ee/requirements-builder.txt
	touch $@

# The collection under every ansible-core it claims, each in its own venv
# under build/compat/<core>/ (tools/compat.sh; the integration tests it runs
# are listed in tests/compat/integration-tests.txt).
compat: system-deps $(COMPAT_TARGETS)
	@echo "make compat: ansible-core $(COMPAT_CORES) passed"

$(COMPAT_TARGETS): compat-%: $(BUILD)/compat/%/venv/.installed
	tools/compat.sh test $*

$(COMPAT_INSTALLED): $(BUILD)/compat/%/venv/.installed: tests/compat/core-%.txt tests/compat/requirements.txt \
		requirements.txt constraints-dev.txt
	tools/compat.sh venv $*
	touch $@

bench: setup install
	tools/bench.sh

# The reliability tests (also part of `make test`), with the long fuzz runs,
# and the login tests, whose hardening checks on hosts with Google's guest
# agent and OS Login count in the report; then the report, counted from what
# they recorded (docs/reliability.md).
RELIABILITY_RESULTS := $(BUILD)/reliability/results.json
RELIABILITY_TESTS := tests/reliability tests/hosts/login
reliability: setup install
	rm -f $(RELIABILITY_RESULTS)
	status=0; CONFIDENTIAL_TDX_RELIABILITY_RESULTS=$(RELIABILITY_RESULTS) \
		CONFIDENTIAL_TDX_FUZZ_EXAMPLES=$${CONFIDENTIAL_TDX_FUZZ_EXAMPLES:-5000} \
		CONFIDENTIAL_TDX_ATHERIS_SECONDS=$${CONFIDENTIAL_TDX_ATHERIS_SECONDS:-60} \
		pytest -n 2 --dist loadscope $(RELIABILITY_TESTS) || status=$$?; \
	tools/reliability-report $(RELIABILITY_RESULTS) || status=$$?; \
	exit $$status

clean:
	rm -rf $(BUILD) .ansible tests/output .coverage .coverage.*

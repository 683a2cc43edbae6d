# django-storages: `make demo` runs the example site, `make test` installs and runs everything.
.DEFAULT_GOAL := help
SHELL := /bin/bash

VENV      := .venv
PY        := $(VENV)/bin/python
PIP       := $(PY) -m pip --disable-pip-version-check -q
# Older Django releases we prove support for: <venv>:<python>:<django spec>
COMPAT    := .venv-dj42:3.10:Django~=4.2.0 .venv-dj52:3.11:Django~=5.2.0
# What the compat runs cover: unit tests and the filesystem contract (no servers needed).
COMPAT_TESTS := tests/unit tests/reference tests/backends/filesystem

.PHONY: help install servers demo test lint typecheck audit docs unit compat bench clean

help:  ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || "$$(scripts/find-python 3.12)" -m venv $(VENV)
	$(PIP) install -U pip
	$(PIP) install -e '.[dev,all]'
	touch $@

install: $(VENV)/.installed  ## Create .venv (Python 3.12, newest Django) with every extra

servers: install  ## Install what the test servers need (idempotent)
	scripts/install-test-servers

demo: install  ## Serve the example site on http://127.0.0.1:8000/ (DEMO_STORAGE=s3, azure, sftp...)
	$(PY) example/launch.py --install-server
	PYTHON=$(PY) sh example/run_demo.sh

lint: install  ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install  ## mypy (strict) over the package
	$(VENV)/bin/mypy

audit: install  ## Fail on installed dependencies with known vulnerabilities
	$(PY) scripts/audit-dependencies

docs: install  ## Build the documentation site with warnings as errors
	$(VENV)/bin/mkdocs build --strict -q

unit: install servers  ## The whole pytest suite on .venv, with coverage
	$(VENV)/bin/pytest --cov --cov-report=term:skip-covered -q --durations=15
	$(PY) example/smoke.py

compat:  ## Unit tests + filesystem contract on Django 4.2 (Py 3.10) and 5.2 (Py 3.11)
	@set -e; for spec in $(COMPAT); do \
	  venv=$${spec%%:*}; rest=$${spec#*:}; pyver=$${rest%%:*}; django=$${rest#*:}; \
	  if [ ! -f $$venv/.installed ] || [ pyproject.toml -nt $$venv/.installed ]; then \
	    test -x $$venv/bin/python || { py=$$(scripts/find-python $$pyver) || exit 1; "$$py" -m venv $$venv; }; \
	    $$venv/bin/python -m pip install -q --disable-pip-version-check -U pip; \
	    $$venv/bin/python -m pip install -q --disable-pip-version-check -e '.[testing,all]' "$$django"; \
	    touch $$venv/.installed; \
	  fi; \
	  echo "== $$venv: $$($$venv/bin/python -c 'import sys, django; print("Python", sys.version.split()[0], "Django", django.__version__)')"; \
	  $$venv/bin/pytest -q -p no:cacheprovider $(COMPAT_TESTS); \
	done

# django-storages 1.14.6 and every SDK it (and the raw-client columns) need, in a venv of its own.
BENCH_PACKAGES := 'django-storages[s3]==1.14.6' 'Django~=5.2.0' boto3 azure-storage-blob \
	google-cloud-storage paramiko dropbox apache-libcloud
BENCHES := s3 azure gcs sftp ftp dropbox libcloud database couchdb mogilefs collectstatic copy

.venv-bench/.installed:
	test -x .venv-bench/bin/python || "$$(scripts/find-python 3.12)" -m venv .venv-bench
	.venv-bench/bin/python -m pip install -q --disable-pip-version-check -U pip
	.venv-bench/bin/python -m pip install -q --disable-pip-version-check $(BENCH_PACKAGES)
	# rclone: the column collectstatic is measured against (Debian's package; no pip one).
	command -v rclone >/dev/null || apt-get install -y -q rclone
	touch $@

bench: install servers .venv-bench/.installed  ## Every benchmark, side by side with 1.14.6 and the raw SDKs (~30 min)
	@set -e; for name in $(BENCHES); do echo "== bench/$$name.py"; $(PY) bench/$$name.py; done

bench-%: install servers .venv-bench/.installed  ## One benchmark, e.g. make bench-s3 (results in bench/results/)
	$(PY) bench/$*.py

test: install  ## Install and run everything (lint, types, audit, docs, tests, old Djangos); a summary at the end
	scripts/run-steps lint typecheck audit docs unit compat

clean:  ## Remove virtualenvs, caches and build output
	rm -rf $(VENV) .venv-dj42 .venv-dj52 .venv-bench .test-servers site .pytest_cache .mypy_cache .ruff_cache .coverage

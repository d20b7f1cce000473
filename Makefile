# The only entry points; CI calls them unchanged.
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
DEMO_DB ?= var/demo.db
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: demo test test-unit test-integration test-e2e check fmt migrate bench i18n chromium model fuzz

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed  ## build the demo shop into var/demo.db and serve it on 127.0.0.1:8000
	$(VENV)/bin/kefu demo --db $(DEMO_DB) --host $(HOST) --port $(PORT)

chromium:  ## Debian's chromium (and CJK fonts) for the browser tests; never a downloaded browser
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

test: $(VENV)/.installed chromium  ## the whole suite on SQLite; the integration and browser tiers on PostgreSQL too when KEFU_POSTGRES_URL is set (with the Redis job queue when KEFU_REDIS_URL is set)
	$(PY) -m pytest -q
	@if [ -n "$$KEFU_POSTGRES_URL" ]; then \
	  echo "integration and browser tiers on PostgreSQL$${KEFU_REDIS_URL:+, job queue on Redis}"; \
	  KEFU_TEST_DATABASE_URL="$$KEFU_POSTGRES_URL" KEFU_TEST_QUEUE_URL="$$KEFU_REDIS_URL" \
	    $(PY) -m pytest -q tests/integration tests/e2e; \
	fi

test-unit: $(VENV)/.installed
	$(PY) -m pytest -q tests/unit

test-integration: $(VENV)/.installed
	$(PY) -m pytest -q tests/integration

test-e2e: $(VENV)/.installed chromium
	$(PY) -m pytest -q tests/e2e

FUZZ_SECONDS  ?= 420
FUZZ_EXAMPLES ?= 120
fuzz: $(VENV)/.installed  ## schemathesis over /openapi.json on a small demo shop: no 5xx, answers as documented (FUZZ_SECONDS budget)
	KEFU_FUZZ=1 KEFU_FUZZ_SECONDS=$(FUZZ_SECONDS) KEFU_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
	  $(PY) -m pytest -q -p no:cacheprovider tests/fuzz

check: $(VENV)/.installed  ## ruff, mypy (strict), import contracts
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

fmt: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrate: $(VENV)/.installed  ## apply migrations to KEFU_DATABASE_URL (default sqlite:///var/kefu.db)
	$(VENV)/bin/kefu db upgrade

bench: $(VENV)/.installed  ## the figures of docs/benchmarks.md
	$(VENV)/bin/kefu bench ingest
	$(VENV)/bin/kefu bench inbox
	$(VENV)/bin/kefu bench classify
	$(VENV)/bin/kefu bench kpi
	$(VENV)/bin/kefu bench routing
	$(VENV)/bin/kefu bench suggest
	$(VENV)/bin/kefu bench policy

model: $(VENV)/.installed  ## rebuild the packaged intent model from the packaged corpus (same data, same bytes)
	$(VENV)/bin/kefu model train --output src/kefu/models/intent.joblib

i18n: $(VENV)/.installed  ## extract UI strings and refresh the zh_CN catalog
	$(PY) scripts/i18n.py

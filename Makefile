# Two commands for a newcomer: `make run` (embedded default) and `make test` (the whole suite).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
RUN_STAMP := $(VENV)/.installed-run
HOST ?= 127.0.0.1
PORT ?= 8000
ADMIN_USER ?= admin
ADMIN_PASSWORD ?= admin-retail-2026
# The demo's role logins (retail/demo/data.py STAFF, password retail/demo/customers.py DEMO_PASSWORD).
DEMO_PASSWORD := demo-retail-2026

.PHONY: run test install lint migrate demo clean e2e-browser bench vendor

# The packages go in with uv (pinned here, installed into the venv from PyPI by pip): from its cache
# a first install takes about 6 s with the bytecode compiled, against pip's 14 s (40 s on a busy
# machine). Where uv cannot be had or fails (no network to PyPI, only pip's cache), pip installs
# as before. The same constraints.txt either way.
UV_VERSION := 0.13.9
UV := $(VENV)/bin/uv
define install_packages
	{ { test -x $(UV) || $(PY) -m pip install -q "uv==$(UV_VERSION)"; } \
	  && $(UV) pip install -q --python $(PY) --compile-bytecode -c constraints.txt $(1); } \
	|| { echo "uv unavailable: installing with pip"; $(PY) -m pip install -q --upgrade pip \
	  && $(PY) -m pip install -q -c constraints.txt $(1); }
endef

# Two stamps: `make run` needs the runtime packages only (half the install of a first run);
# `make test` and the other developer targets add the dev extra on top.
$(RUN_STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(call install_packages,-e .)
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	$(call install_packages,-e ".[dev]")
	touch $(STAMP)

install: $(STAMP)

# Embedded default: SQLite, Celery eager, console email/SMS, demo data, http://$(HOST):$(PORT)
run: export DEBUG ?= true
run: export DJANGO_SETTINGS_MODULE = retail.settings
run: $(RUN_STAMP)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo
	$(PY) manage.py ensure_admin --username $(ADMIN_USER) --password $(ADMIN_PASSWORD)
	@echo ""
	@echo "  Retail order system on the embedded default (SQLite, Celery eager, console email/SMS)"
	@echo "  Admin:          http://$(HOST):$(PORT)/admin/   login $(ADMIN_USER) / $(ADMIN_PASSWORD)"
	@echo "  Staff queues:   http://$(HOST):$(PORT)/dashboard/"
	@echo "  Demo role logins at http://$(HOST):$(PORT)/admin/login/?next=/dashboard/, password $(DEMO_PASSWORD):"
	@echo "    demo_sales (sales)  demo_picker (warehouse)  demo_shipper (logistics)"
	@echo "    demo_aftersales (after-sales)  demo_service (customer service)  demo_manager (manager)"
	@echo "  API docs:       http://$(HOST):$(PORT)/api/docs/  (ReDoc: /api/redoc/)"
	@echo "  Order tracking: http://$(HOST):$(PORT)/track/"
	@echo "  Health:         http://$(HOST):$(PORT)/healthz"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

# Full stack: web (gunicorn), a Celery worker and beat from the Procfile (honcho) on the DATABASE_URL
# and REDIS_URL given, after migrate and collectstatic; the web process listens on $(HOST):$(PORT).
.PHONY: run-full
run-full: export DEBUG ?= true
run-full: export DJANGO_SETTINGS_MODULE = retail.settings
run-full: export CELERY_TASK_ALWAYS_EAGER = false
run-full: $(RUN_STAMP)
	@test -n "$$DATABASE_URL" || { echo "run-full needs DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/retail"; exit 2; }
	@test -n "$$REDIS_URL" || { echo "run-full needs REDIS_URL, e.g. redis://127.0.0.1:6379/0"; exit 2; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" HOST=$(HOST) $(VENV)/bin/honcho start -f Procfile -p $(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

# Tests: the layer contracts first (lint-imports, pyproject.toml [tool.importlinter]), then pytest on
# PostgreSQL when DATABASE_URL is set or the local server answers (see retail/settings.py);
# PostgreSQL-only tests skip with a reason otherwise, and fail under REQUIRE_SERVICES=1.
# The suite runs in two phases (tests/conftest.py `_select_phase`), each spread over TEST_WORKERS
# processes (pytest-xdist, whole files per worker; each worker has its own test database).
TEST_WORKERS ?= auto
PYTEST_PARALLEL := $(if $(filter 1,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports
	@failed=0; for phase in plain transactional; do \
	  echo "== tests: $$phase phase"; \
	  TEST_PHASE=$$phase $(VENV)/bin/pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -ne 0 ] && [ $$rc -ne 5 ]; then failed=$$rc; fi; \
	done; exit $$failed

# Re-copy the pinned browser libraries (htmx, ECharts) into retail/static/vendor/; the copies are committed.
vendor:
	bash scripts/vendor_static.sh

# Benchmarks against their baselines, one line each (bench/README.md); never part of `make test`.
# wrk loads the servers (installed from Debian as root when missing; else a Python client does).
bench: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && \
		{ apt-get install -y -q wrk || { apt-get update -q && apt-get install -y -q wrk; }; } >/dev/null; } || \
		echo "wrk is missing (apt-get install wrk as root): the bounded Python client loads instead"
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles

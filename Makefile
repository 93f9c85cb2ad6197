# propsvc — the two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test bench load install messages migrate seed lint lock worker clean

$(VENV)/.installed: requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@touch $@

install: $(VENV)/.installed

# Compile the translations (.po -> .mo). Needs GNU gettext's msgfmt.
messages: install
	@command -v msgfmt >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq && apt-get install -y -qq gettext >/dev/null); } || \
		{ echo "msgfmt not found: install GNU gettext (apt-get install gettext)"; exit 1; }
	DEBUG=true $(PY) manage.py compilemessages --verbosity 0 --ignore .venv

var:
	@mkdir -p var/celery/queue var/celery/processed var/media

migrate: messages var
	DEBUG=true $(PY) manage.py migrate --verbosity 1

seed: migrate
	DEBUG=true $(PY) manage.py seed_demo

# The app with its Celery worker and beat, embedded: SQLite and a file-system broker unless
# DATABASE_URL / REDIS_URL are set. Ctrl-C stops all three.
run: seed
	@echo ""
	@echo "propsvc is starting on http://$(HOST):$(PORT)/"
	@DEBUG=true $(PY) manage.py seed_demo --logins
	@trap 'kill 0' INT TERM EXIT; \
	  DEBUG=true $(VENV)/bin/celery -A propsvc worker -B --loglevel=INFO --concurrency=1 --pool=solo \
	    > var/celery.log 2>&1 & \
	  echo "Celery worker and beat: logging to var/celery.log"; \
	  DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

worker: var
	DEBUG=true $(VENV)/bin/celery -A propsvc worker -B --loglevel=INFO --concurrency=1 --pool=solo

lint: install
	$(VENV)/bin/ruff check .

# The whole suite: ruff, then pytest (PostgreSQL when DATABASE_URL is set, SQLite otherwise).
# E2E=0 skips the real-browser journeys of tests/e2e (they need Chromium); CI always runs them.
ifeq ($(E2E),0)
PYTEST_ARGS += -m "not e2e"
endif

test: messages lint var
	DEBUG=false SECRET_KEY=test-only-not-a-secret $(VENV)/bin/pytest $(PYTEST_ARGS)

# The benchmark (docs/PERFORMANCE.md): its own PostgreSQL database, seeded at BENCH_SIZE by
# `manage.py seed_scale` when it does not hold that size yet; prints the table and writes
# docs/bench-$(BENCH_SIZE).json. The small size's query counts must equal the large run's.
BENCH_SIZE ?= large
BENCH_RUNS ?= 20
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/propsvc_bench_$(BENCH_SIZE)
ifneq ($(BENCH_SIZE),large)
BENCH_ARGS += --compare docs/bench-large.json
endif

bench: messages var
	DEBUG=false SECRET_KEY=bench-only-not-a-secret DATABASE_URL=$(BENCH_DATABASE_URL) \
	  $(PY) -m tests.benchmarks --size $(BENCH_SIZE) --runs $(BENCH_RUNS) \
	  --json docs/bench-$(BENCH_SIZE).json $(BENCH_ARGS)

# The load test (docs/PERFORMANCE.md, "Load test"): Locust's 55 users against gunicorn for
# LOAD_SECONDS, on a copy of the benchmark's database propsvc_bench_$(LOAD_SIZE) (or one seeded at
# LOAD_SIZE); prints the table and writes docs/load-$(LOAD_SIZE).json. A failed request fails it.
LOAD_SIZE ?= large
LOAD_SECONDS ?= 300
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/propsvc_load_$(LOAD_SIZE)

load: messages var
	LOAD_DATABASE_URL=$(LOAD_DATABASE_URL) $(PY) -m tests.load.run --size $(LOAD_SIZE) \
	  --seconds $(LOAD_SECONDS) $(LOAD_ARGS)

# Re-pin requirements.lock after changing pyproject.toml.
lock:
	rm -rf /tmp/propsvc-lock && $(PYTHON) -m venv /tmp/propsvc-lock
	/tmp/propsvc-lock/bin/pip install --quiet --upgrade pip
	/tmp/propsvc-lock/bin/pip install --quiet ".[test]"
	{ echo "# Exact versions installed by make (pip install -r requirements.lock). Regenerate: make lock"; \
	  /tmp/propsvc-lock/bin/pip freeze --exclude propsvc; } > requirements.lock

clean:
	rm -rf $(VENV) var staticfiles

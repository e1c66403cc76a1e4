# Two commands set everything up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
LOCK := requirements.lock
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
WAREHOUSE ?= warehouse/news.duckdb
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false

.PHONY: run test lint eval bench bench-fetch bench-dedupe bench-shards soak clean-warehouse stack system-deps lock lock-upgrade ui

$(VENV)/bin/python:
	python3 -m venv $(VENV)
	# The machine's old pip silently skips lxml[html_clean], which trafilatura needs.
	$(PY) -m pip install --quiet --upgrade pip

# Exact versions from the lock file; a dependency missing from it still installs (then `make lock` adds it).
$(INSTALLED): pyproject.toml $(LOCK) | $(VENV)/bin/python
	$(PY) -m pip install --quiet -c $(LOCK) -e '.[dev]'
	touch $@

# requirements.lock: `make lock` keeps the pinned versions and adds new dependencies; `make lock-upgrade` moves
# everything to the newest versions pyproject.toml allows. Both resolve in a throw-away virtual environment.
lock:
	scripts/lock.sh $(LOCK)

lock-upgrade:
	scripts/lock.sh $(LOCK) --upgrade

# Chromium, docker-compose and PostgreSQL for the tests, installed with apt-get when missing (silent otherwise).
system-deps:
	scripts/system_deps.sh

run: $(INSTALLED)
	$(VENV)/bin/ingest run seeds/ --warehouse $(WAREHOUSE)
	$(VENV)/bin/ingest sql --warehouse $(WAREHOUSE) \
	  "select source_uri, title, author, language, word_count from articles order by ingested_at"

lint: $(INSTALLED)
	$(VENV)/bin/ruff check src flows tests bench
	$(VENV)/bin/mypy

test: $(INSTALLED) system-deps lint
	$(VENV)/bin/pytest -q

# The Prefect server and UI on http://127.0.0.1:4200 in the foreground; `ingest run` reports to it while it runs.
ui: $(INSTALLED)
	$(VENV)/bin/ingest ui

eval: $(INSTALLED)
	$(PY) bench/eval_extraction.py
	$(PY) bench/eval_entities.py
	$(PY) bench/eval_dedupe.py

bench: $(INSTALLED)
	$(PY) bench/throughput.py
	$(PY) bench/ner_throughput.py

# 50 `ingest run`s killed with SIGKILL, then one ordinary run: every table must equal a clean run's (~35 min).
soak: $(INSTALLED)
	$(PY) bench/soak.py --kills 50 --stories 200

# 1,000 pages over 20 loopback hosts at 1 request/s per host: total time against the 50 s politeness floor.
bench-fetch: $(INSTALLED)
	$(PY) bench/fetch_politeness.py

# LAKE=1: bench-dedupe also measures DuckLakes, bench-shards writes a DuckLake per sharded run (a private PostgreSQL
# cluster started by the bench, as the tests start theirs).
LAKE ?= 0
LAKE_FLAG := $(if $(filter 1,$(LAKE)),--lake)

bench-dedupe: $(INSTALLED)
	$(PY) bench/dedupe_scale.py $(LAKE_FLAG)

# One `ingest run` process against --shards 1, 2, 3 through as many Prefect process workers (300 pages, NER off).
bench-shards: $(INSTALLED)
	$(PY) bench/shards.py $(LAKE_FLAG)

# docker-compose.yml's topology without Docker: PostgreSQL, `prefect server start` on it, `ingest serve`, one
# scheduled-style run on the seeds, then WORKERS process workers on a work pool and one sharded run through them,
# clean teardown (scripts/stack.sh; STACK_LAKE=1: the warehouse a DuckLake; STACK_HOLD=1 keeps it up until Ctrl-C).
WORKERS ?= 3
stack: $(INSTALLED)
	VENV=$(abspath $(VENV)) WORKERS=$(WORKERS) scripts/stack.sh

clean-warehouse:
	rm -f $(WAREHOUSE) $(WAREHOUSE).wal

#!/usr/bin/env bash
# docker-compose.yml's topology without Docker: a private PostgreSQL cluster from the system packages, the Prefect
# server on it, `ingest serve`, then one scheduled-style run of the ingest-files deployment on the seeds; then a
# process work pool with WORKERS Prefect workers and one sharded run (`ingest run seeds/ --shards WORKERS`)
# through them. Everything lives in a temporary directory and is torn down at exit (also on failure or Ctrl-C).
#
#   make stack                    # bring up, run once, check, tear down
#   make stack WORKERS=3          # ... with 3 process workers for the sharded run (0: no pool, no sharded run)
#   STACK_LAKE=1 make stack       # ... the warehouse a DuckLake: its catalog a database of the same PostgreSQL
#   STACK_HOLD=1 make stack       # ... and keep the stack up (UI on http://127.0.0.1:$PREFECT_PORT) until Ctrl-C
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PREFECT="$VENV/bin/prefect"
INGEST="$VENV/bin/ingest"
PY="$VENV/bin/python"

log() { printf 'stack: %s\n' "$*"; }
free_port() { "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

PG_PORT="${PG_PORT:-$(free_port)}"
PREFECT_PORT="${PREFECT_PORT:-$(free_port)}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/news-ingest-stack.XXXXXX")"
chmod 755 "$WORK"
PGROOT="$WORK/pg"  # owned by the cluster's user
PIDS=()

# --- PostgreSQL from the system packages -------------------------------------------------------------------
pg_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -z "$dir" ]]; then
    if [[ $EUID -eq 0 ]]; then
      log "installing postgresql (apt-get)" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql > /dev/null
      dir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    else
      echo "stack: PostgreSQL is not installed: sudo apt-get install postgresql" >&2
      exit 1
    fi
  fi
  echo "$dir"
}
PG_BIN="$(pg_bin)"
# initdb refuses to run as root: as root the cluster belongs to the `postgres` system user.
if [[ $EUID -eq 0 ]]; then as_pg() { runuser -u postgres -- "$@"; }; else as_pg() { "$@"; }; fi

teardown() {
  local status=$?
  set +e
  log "tearing down"
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do
    kill -INT -- "-${PIDS[i]}" 2>/dev/null
    for _ in $(seq 1 40); do kill -0 "${PIDS[i]}" 2>/dev/null || break; sleep 0.5; done
    kill -KILL -- "-${PIDS[i]}" 2>/dev/null
    wait "${PIDS[i]}" 2>/dev/null
  done
  if [[ -f "$PGROOT/data/postmaster.pid" ]]; then as_pg "$PG_BIN/pg_ctl" -D "$PGROOT/data" -m fast -w stop > /dev/null; fi
  if [[ "${STACK_KEEP_DIR:-0}" != 1 ]]; then rm -rf "$WORK"; else log "kept $WORK"; fi
  log "teardown complete (exit $status)"
}
trap teardown EXIT
trap 'exit 130' INT TERM

PG_PASSWORD="$("$PY" -c 'import secrets; print(secrets.token_hex(16))')"  # per run, never stored
mkdir -p "$PGROOT/sock"
printf '%s\n' "$PG_PASSWORD" > "$PGROOT/pwfile"
if [[ $EUID -eq 0 ]]; then chown -R postgres "$PGROOT"; fi
log "PostgreSQL ($PG_BIN) on 127.0.0.1:$PG_PORT"
as_pg "$PG_BIN/initdb" -D "$PGROOT/data" -U prefect --pwfile="$PGROOT/pwfile" --auth=scram-sha-256 \
  --encoding=UTF8 --no-instructions > "$WORK/initdb.log"
rm -f "$PGROOT/pwfile"
as_pg "$PG_BIN/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/postgres.log" -w \
  -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $PGROOT/sock" start > /dev/null
PGPASSWORD="$PG_PASSWORD" "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U prefect -d postgres -q \
  -c "create database prefect" > /dev/null
WORKERS="${WORKERS:-0}"
[[ "$WORKERS" =~ ^[0-9]+$ ]] || { log "WORKERS must be a number, not '$WORKERS'"; exit 2; }

# --- Prefect server on PostgreSQL --------------------------------------------------------------------------
export PREFECT_HOME="$WORK/prefect-home" PREFECT_SERVER_ANALYTICS_ENABLED=false
API="http://127.0.0.1:$PREFECT_PORT/api"
log "Prefect server on http://127.0.0.1:$PREFECT_PORT"
PREFECT_API_DATABASE_CONNECTION_URL="postgresql+asyncpg://prefect:$PG_PASSWORD@127.0.0.1:$PG_PORT/prefect" \
PREFECT_UI_API_URL="$API" \
  setsid "$PREFECT" server start --host 127.0.0.1 --port "$PREFECT_PORT" > "$WORK/prefect-server.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 180); do
  if "$PY" -c "import httpx, sys; sys.exit(httpx.get('$API/health', timeout=2).status_code != 200)" 2>/dev/null; then
    break
  fi
  if [[ $i -eq 180 ]]; then log "server did not start"; tail -n 30 "$WORK/prefect-server.log"; exit 1; fi
  sleep 1
done

# --- ingest serve ------------------------------------------------------------------------------------------
export PREFECT_API_URL="$API" INGEST_WAREHOUSE="$WORK/warehouse/news.duckdb" INGEST_INBOX="$WORK/inbox"
export INGEST_EXPORT_DIR="$WORK/warehouse/export"
if [[ "${STACK_LAKE:-0}" == 1 ]]; then
  # The lake's catalog is a database of its own beside Prefect's; its data files a local directory.
  PGPASSWORD="$PG_PASSWORD" "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U prefect -d postgres -q \
    -c "create database news" > /dev/null
  export INGEST_WAREHOUSE="ducklake:postgres:dbname=news host=127.0.0.1 port=$PG_PORT user=prefect"
  export INGEST_LAKE_DATA_PATH="$WORK/warehouse/lake" PGPASSWORD="$PG_PASSWORD"
fi
mkdir -p "$WORK/inbox" && cp "$ROOT"/seeds/*.txt "$WORK/inbox/"
log "ingest serve (warehouse $INGEST_WAREHOUSE, inbox $INGEST_INBOX)"
setsid "$INGEST" serve --inbox-every 3600 > "$WORK/ingest-serve.log" 2>&1 &
PIDS+=($!)
for i in $(seq 1 120); do
  if "$PREFECT" deployment inspect ingest-files/ingest-files > /dev/null 2>&1; then break; fi
  if [[ $i -eq 120 ]]; then log "ingest serve did not register"; tail -n 30 "$WORK/ingest-serve.log"; exit 1; fi
  sleep 1
done
log "deployments: $("$PREFECT" deployment ls 2>/dev/null | grep -oE '[a-z-]+/[a-z-]+' | sort | tr '\n' ' ')"

# --- one scheduled-style run: a Scheduled flow run the served process picks up when it is due -----------------
log "scheduling ingest-files on the seeds"
"$PREFECT" deployment run ingest-files/ingest-files --start-in "5 seconds" --watch > "$WORK/run.log" 2>&1 || {
  log "the run failed"; tail -n 40 "$WORK/run.log"; tail -n 40 "$WORK/ingest-serve.log"; exit 1; }
tail -n 1 "$WORK/run.log"
ARTICLES="$("$INGEST" sql "select count(*) as n from articles" --format csv | tail -n 1 | tr -d "\r")"
log "articles loaded: $ARTICLES"
"$INGEST" status --runs 3
[[ "$ARTICLES" -ge 1 ]] || { log "no article in the warehouse"; exit 1; }

# --- a process work pool, WORKERS workers, one sharded run through them -------------------------------------
if [[ "$WORKERS" -gt 0 ]]; then
  "$PREFECT" work-pool create ingest --type process > /dev/null
  for i in $(seq 1 "$WORKERS"); do
    setsid "$PREFECT" worker start --pool ingest --limit 1 --name "stack-worker-$i" > "$WORK/worker-$i.log" 2>&1 &
    PIDS+=($!)
  done
  log "work pool ingest: $WORKERS process workers"
  log "sharded run: ingest run seeds/ --shards $WORKERS"
  "$INGEST" run "$ROOT/seeds" --shards "$WORKERS" --pool ingest > "$WORK/sharded.log" 2>&1 || {
    log "the sharded run failed"; tail -n 40 "$WORK/sharded.log"; tail -n 20 "$WORK"/worker-*.log; exit 1; }
  grep -E "shard [0-9]+/[0-9]+ \([0-9]+ files\): completed|Finished in state" "$WORK/sharded.log" | sed 's/^.* - //'
  "$INGEST" status --runs $((WORKERS + 2))
fi

if [[ "${STACK_HOLD:-0}" == 1 ]]; then
  log "up: UI http://127.0.0.1:$PREFECT_PORT  (Ctrl-C to stop)"
  while sleep 3600; do :; done
fi

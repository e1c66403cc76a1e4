"""Fetch state in the warehouse: sources, the URL frontier, fetch records, stored validators and host trust.

All writes are bulk (an Arrow table registered, then one insert/update ... select), inside the caller's
transaction when it has one. Frontier rules: a URL is keyed by its canonical form and fetched once; a transient
failure (timeout, connection error, 5xx, 429, robots.txt unreachable) schedules a retry with growing delay, up to
`MAX_ATTEMPTS`; anything else is final until a refetch is asked for.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import duckdb
import pyarrow as pa
from pydantic import ValidationError, field_validator

from ingest.fetch.client import FetchResult
from ingest.fetch.discover import Discovered, SourceKind
from ingest.fetch.validators import HostTrust, StoredValidators
from ingest.models import Record, utc_now
from ingest.urls import canonicalize_url

MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 600  # a failed URL waits 10 min, 20, 40, ... (at most a day) before its next try
RETRY_CAP_SECONDS = 86_400
FrontierState = Literal["queued", "fetched", "retry", "failed"]


class SourcesError(ValueError):
    pass


class Source(Record):
    source_id: str
    kind: SourceKind
    url: str
    schedule: str | None = None
    enabled: bool = False
    rate_per_second: float | None = None

    @field_validator("url")
    @classmethod
    def _absolute_http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("url must be an absolute http(s) URL")
        return value

    @field_validator("rate_per_second")
    @classmethod
    def _positive(cls, value: float | None) -> float | None:
        if value is not None and value <= 0:
            raise ValueError("rate_per_second must be positive")
        return value


class FrontierItem(Record):
    canonical_url: str
    url: str
    source_id: str | None = None


class FetchRecord(Record):
    """A fetch result with what the crawl made of it, ready to be written to `fetches`."""

    result: FetchResult
    source_id: str | None = None
    canonical_url: str | None = None
    document_id: str | None = None
    retry_later: bool = False
    # False for a listing read for one data window only: a later run without a window must not take that body
    # as already seen, or the entries outside the window would never be queued.
    store_validators: bool = True


def read_sources_csv(path: Path) -> list[Source]:
    """The sources seed: `source_id, kind, url, schedule, enabled[, rate_per_second]`; bad rows name their line."""
    sources: list[Source] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            values = {k.strip(): (v or "").strip() for k, v in row.items() if k}
            try:
                sources.append(Source(
                    source_id=values.get("source_id", ""), kind=values.get("kind", ""),  # type: ignore[arg-type]
                    url=values.get("url", ""), schedule=values.get("schedule") or None,
                    enabled=values.get("enabled", "").lower() in ("true", "1", "yes", "y"),
                    rate_per_second=float(values["rate_per_second"]) if values.get("rate_per_second") else None,
                ))
            except (ValidationError, ValueError) as exc:
                raise SourcesError(f"{path}:{line}: {exc}".splitlines()[0] + f" ({_first_error(exc)})") from None
    ids = [s.source_id for s in sources]
    if duplicates := sorted({i for i in ids if ids.count(i) > 1}):
        raise SourcesError(f"{path}: duplicate source_id {', '.join(duplicates)}")
    return sources


def _first_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        error = exc.errors()[0]
        return f"{'.'.join(str(p) for p in error['loc'])}: {error['msg']}"
    return str(exc)


def _register(con: duckdb.DuckDBPyConnection, name: str, rows: Sequence[dict[str, Any]], schema: pa.Schema) -> None:
    con.register(name, pa.Table.from_pylist(list(rows), schema=schema))


def sync_sources(con: duckdb.DuckDBPyConnection, sources: Sequence[Source], load_id: str) -> None:
    """Make `sources` match the seed; a source that left the seed stays, disabled, so its history still joins."""
    schema = pa.schema([("source_id", pa.string()), ("kind", pa.string()), ("url", pa.string()),
                        ("schedule", pa.string()), ("enabled", pa.bool_()), ("rate_per_second", pa.float64())])
    _register(con, "incoming_sources", [s.model_dump() for s in sources], schema)
    try:
        now = utc_now()
        con.execute("update sources set enabled = false, synced_at = ?, load_id = ? "
                    "where enabled and source_id not in (select source_id from incoming_sources)", [now, load_id])
        con.execute(
            "insert or replace into sources select source_id, kind, url, schedule, enabled, rate_per_second, "
            "?::timestamp, ? from incoming_sources i where not exists (select 1 from sources s where "
            "s.source_id = i.source_id and s.kind = i.kind and s.url = i.url and s.schedule is not distinct from "
            "i.schedule and s.enabled = i.enabled and s.rate_per_second is not distinct from i.rate_per_second)",
            [now, load_id])
    finally:
        con.unregister("incoming_sources")


def get_sources(con: duckdb.DuckDBPyConnection, source_ids: Sequence[str] | None = None) -> list[Source]:
    """The named sources (enabled or not: asking by id is asking), or every enabled one."""
    columns = "source_id, kind, url, schedule, enabled, rate_per_second"
    if source_ids is None:
        rows = con.execute(f"select {columns} from sources where enabled order by source_id").fetchall()
    else:
        rows = con.execute(f"select {columns} from sources where source_id in (select unnest(?)) order by source_id",
                           [list(source_ids)]).fetchall()
        missing = sorted(set(source_ids) - {r[0] for r in rows})
        if missing:
            raise SourcesError(f"unknown source {', '.join(missing)}: not in the sources seed")
    keys = columns.split(", ")
    return [Source(**dict(zip(keys, row, strict=True))) for row in rows]


_FRONTIER_SCHEMA = pa.schema([
    ("canonical_url", pa.string()), ("url", pa.string()), ("source_id", pa.string()), ("discovered_via", pa.string()),
    ("title", pa.string()), ("published_at", pa.timestamp("us")),
])


def enqueue(con: duckdb.DuckDBPyConnection, found: Iterable[Discovered], source_id: str | None, load_id: str,
            requeue: bool = False) -> int:
    """Queue URLs not seen before (or, with `requeue`, queue them again); returns how many are newly queued."""
    rows = [{"canonical_url": d.canonical_url, "url": d.url, "source_id": source_id, "discovered_via": d.via,
             "title": d.title, "published_at": d.published_at} for d in found]
    if not rows:
        return 0
    _register(con, "incoming_urls", rows, _FRONTIER_SCHEMA)
    try:
        if requeue:
            con.execute("update frontier set state = 'queued', not_before = null, url = i.url from "
                        "(select distinct on (canonical_url) * from incoming_urls) i "
                        "where frontier.canonical_url = i.canonical_url")
        row = con.execute(
            "insert into frontier select distinct on (canonical_url) canonical_url, url, source_id, discovered_via, "
            "title, published_at, 'queued', null, 0, null, null, null, ?::timestamp, ? from incoming_urls i "
            "where not exists (select 1 from frontier f where f.canonical_url = i.canonical_url)",
            [utc_now(), load_id]).fetchone()
    finally:
        con.unregister("incoming_urls")
    return int(row[0]) if row else 0


def requeue_fetched(con: duckdb.DuckDBPyConnection, source_ids: Sequence[str]) -> int:
    """Ask for a refetch: every URL of these sources is queued again (conditional requests keep it cheap)."""
    row = con.execute("update frontier set state = 'queued', not_before = null "
                      "where source_id in (select unnest(?)) and state <> 'queued'", [list(source_ids)]).fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class Due:
    """URLs to fetch this run, and how many more were due but stay queued for a later run (the per-source cap)."""

    items: list[FrontierItem]
    deferred: int = 0


def due(con: duckdb.DuckDBPyConnection, source_ids: Sequence[str] | None = None,
        canonical_urls: Sequence[str] | None = None, now: datetime | None = None,
        per_source: int | None = None) -> Due:
    """URLs waiting to be fetched: queued, or a retry whose time has come; for some sources or some URLs. With
    `per_source`, at most that many of each source (the longest waiting first): a feed of 100,000 items is
    fetched over many bounded runs instead of one that lasts a day."""
    where = ["(state = 'queued' or (state = 'retry' and not_before <= ?))"]
    params: list[object] = [now or utc_now()]
    if source_ids is not None:
        where.append("source_id in (select unnest(?))")
        params.append(list(source_ids))
    if canonical_urls is not None:
        where.append("canonical_url in (select unnest(?))")
        params.append(list(canonical_urls))
    rows = con.execute(
        "select canonical_url, url, source_id, row_number() over (partition by source_id "
        f"order by discovered_at, canonical_url) as nth from frontier where {' and '.join(where)} "
        "order by discovered_at, canonical_url", params).fetchall()
    kept = [r for r in rows if per_source is None or r[3] <= per_source]
    return Due([FrontierItem(canonical_url=r[0], url=r[1], source_id=r[2]) for r in kept], len(rows) - len(kept))


def stored_validators(con: duckdb.DuckDBPyConnection, urls: Sequence[str]) -> dict[str, StoredValidators]:
    if not urls:
        return {}
    rows = con.execute("select url, etag, last_modified, body_sha256 from fetch_validators "
                       "where url in (select unnest(?))", [list(urls)]).fetchall()
    return {r[0]: StoredValidators(etag=r[1], last_modified=r[2], body_sha256=r[3]) for r in rows}


def load_trust(con: duckdb.DuckDBPyConnection) -> dict[str, HostTrust]:
    rows = con.execute("select host, trusted, strikes, since_check, reason from host_validator_trust").fetchall()
    return {r[0]: HostTrust(trusted=r[1], strikes=r[2], since_check=r[3], reason=r[4] or "") for r in rows}


def save_trust(con: duckdb.DuckDBPyConnection, hosts: dict[str, HostTrust], load_id: str) -> None:
    rows = [{"host": h, "trusted": s.trusted, "strikes": s.strikes, "since_check": s.since_check,
             "reason": s.reason} for h, s in hosts.items()]
    if not rows:
        return
    schema = pa.schema([("host", pa.string()), ("trusted", pa.bool_()), ("strikes", pa.int32()),
                        ("since_check", pa.int32()), ("reason", pa.string())])
    _register(con, "incoming_trust", rows, schema)
    try:
        con.execute("insert or replace into host_validator_trust select host, trusted, strikes, since_check, "
                    "reason, ?::timestamp, ? from incoming_trust", [utc_now(), load_id])
    finally:
        con.unregister("incoming_trust")


_FETCH_SCHEMA = pa.schema([
    ("fetch_id", pa.string()), ("run_id", pa.string()), ("source_id", pa.string()), ("purpose", pa.string()),
    ("url", pa.string()), ("final_url", pa.string()), ("status", pa.int32()), ("outcome", pa.string()),
    ("detail", pa.string()), ("bytes", pa.int64()), ("elapsed_seconds", pa.float64()), ("attempts", pa.int32()),
    ("conditional", pa.bool_()), ("etag", pa.string()), ("last_modified", pa.string()),
    ("body_sha256", pa.string()), ("content_type", pa.string()), ("document_id", pa.string()),
    ("fetched_at", pa.timestamp("us")), ("load_id", pa.string()), ("page_verdict", pa.string()),
    # frontier bookkeeping, not stored in `fetches`
    ("canonical_url", pa.string()), ("state", pa.string()), ("retry_after_seconds", pa.float64()),
    ("store_validators", pa.bool_()),
])


def record_fetches(con: duckdb.DuckDBPyConnection, records: Sequence[FetchRecord], run_id: str | None,
                   load_id: str) -> None:
    """One `fetches` row per record; validators of successful fetches kept; frontier states advanced."""
    if not records:
        return
    rows = [_fetch_row(r, run_id, load_id) for r in records]
    _register(con, "incoming_fetches", rows, _FETCH_SCHEMA)
    try:
        columns = [f.name for f in _FETCH_SCHEMA][:21]
        con.execute(f"insert into fetches ({', '.join(columns)}) select {', '.join(columns)} from incoming_fetches")
        con.execute(
            "insert or replace into fetch_validators select distinct on (url) url, etag, last_modified, body_sha256, "
            "document_id, fetched_at, load_id from incoming_fetches "
            "where store_validators and outcome in ('ok', 'not_modified') and status between 200 and 299 "
            "order by url, fetched_at desc")
        con.execute(
            "update frontier set state = i.state, attempts = frontier.attempts + 1, "
            "not_before = case when i.state = 'retry' then i.fetched_at + to_seconds(greatest("
            f"coalesce(i.retry_after_seconds, 0), "
            f"least({RETRY_CAP_SECONDS}, {RETRY_BASE_SECONDS} * pow(2, frontier.attempts)))) end, "
            "last_outcome = i.outcome, last_fetch_at = i.fetched_at, "
            "document_id = coalesce(i.document_id, frontier.document_id) "
            "from incoming_fetches i where i.canonical_url is not null and frontier.canonical_url = i.canonical_url")
    finally:
        con.unregister("incoming_fetches")


def _fetch_row(record: FetchRecord, run_id: str | None, load_id: str) -> dict[str, object]:
    r = record.result
    state = "fetched" if r.outcome in ("ok", "not_modified") else "retry" if record.retry_later else "failed"
    return {
        "fetch_id": uuid.uuid4().hex, "run_id": run_id, "source_id": record.source_id, "purpose": r.purpose,
        "url": r.url, "final_url": r.final_url, "status": r.status, "outcome": r.outcome, "detail": r.detail,
        "bytes": r.bytes_received, "elapsed_seconds": r.elapsed_seconds, "attempts": r.attempts,
        "conditional": r.conditional, "etag": r.etag, "last_modified": r.last_modified,
        "body_sha256": r.body_sha256, "content_type": r.content_type, "document_id": record.document_id,
        "fetched_at": r.fetched_at, "load_id": load_id, "page_verdict": r.page_verdict,
        "canonical_url": record.canonical_url, "state": state,
        "retry_after_seconds": r.retry_after_seconds, "store_validators": record.store_validators,
    }


def give_up_exhausted(con: duckdb.DuckDBPyConnection) -> int:
    """Retries past `MAX_ATTEMPTS` become failures (a refetch request still brings them back)."""
    row = con.execute("update frontier set state = 'failed', not_before = null "
                      "where state = 'retry' and attempts >= ?", [MAX_ATTEMPTS]).fetchone()
    return int(row[0]) if row else 0


def canonical_or_none(url: str) -> str | None:
    try:
        return canonicalize_url(url)
    except ValueError:
        return None

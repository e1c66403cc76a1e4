"""Fetch state in the warehouse: sources, the URL frontier, fetch records, stored validators and host trust.

All writes are bulk (an Arrow table registered, then one insert/update ... select), inside the caller's
transaction when it has one; the statements are in sql/queries/frontier/. Frontier rules: a URL is keyed by its
canonical form and fetched once; a transient failure (timeout, connection error, 5xx, 429, robots.txt unreachable)
schedules a retry with growing delay, up to `MAX_ATTEMPTS`; anything else is final until a refetch is asked for.
The frontier claim (`claim_due`) and the writes that settle or feed it (`record_round`, `enqueue`,
`sync_sources`, `requeue_fetched`: upserts keyed by URL, host or source, which a lake enforces in no constraint)
are serialised: on a lake each runs under its lake-wide writer lock (`writer_lock.serialising`).
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
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
from ingest.warehouse.connection import transaction
from ingest.warehouse.serialised import serialised
from ingest.warehouse.statements import statement
from ingest.warehouse.writer_lock import serialising

MAX_ATTEMPTS = 5
RETRY_BASE_SECONDS = 600  # a failed URL waits 10 min, 20, 40, ... (at most a day) before its next try
RETRY_CAP_SECONDS = 86_400
CLAIM_LEASE_SECONDS = 3_600  # a claimed URL is no other crawl's for this long, unless its fetch settles it first
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
    """Make `sources` match the seed; a source that left the seed stays, disabled, so its history still joins.
    One transaction: no reader (nor a crash) sees the seed half applied."""
    schema = pa.schema([("source_id", pa.string()), ("kind", pa.string()), ("url", pa.string()),
                        ("schedule", pa.string()), ("enabled", pa.bool_()), ("rate_per_second", pa.float64())])
    _register(con, "incoming_sources", [s.model_dump() for s in sources], schema)
    try:
        stamp = {"now": utc_now(), "load_id": load_id}
        with serialising(con), transaction(con):
            con.execute(statement("frontier/disable_dropped_sources"), stamp)
            con.execute(statement("frontier/upsert_sources"), stamp)
    finally:
        con.unregister("incoming_sources")


def get_sources(con: duckdb.DuckDBPyConnection, source_ids: Sequence[str] | None = None) -> list[Source]:
    """The named sources (enabled or not: asking by id is asking), or every enabled one."""
    cursor = con.execute(statement("frontier/sources"),
                         {"source_ids": None if source_ids is None else list(source_ids)})
    keys = [d[0] for d in cursor.description or []]
    rows = cursor.fetchall()
    if source_ids is not None and (missing := sorted(set(source_ids) - {r[0] for r in rows})):
        raise SourcesError(f"unknown source {', '.join(missing)}: not in the sources seed")
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
        with serialising(con):
            if requeue:
                con.execute(statement("frontier/requeue_found"))
            row = con.execute(statement("frontier/enqueue_new"), {"now": utc_now(), "load_id": load_id}).fetchone()
    finally:
        con.unregister("incoming_urls")
    return int(row[0]) if row else 0


def requeue_fetched(con: duckdb.DuckDBPyConnection, source_ids: Sequence[str]) -> int:
    """Ask for a refetch: every URL of these sources is queued again (conditional requests keep it cheap)."""
    with serialising(con):
        row = con.execute(statement("frontier/requeue_sources"), {"source_ids": list(source_ids)}).fetchone()
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
    rows = con.execute(statement("frontier/due"), {
        "now": now or utc_now(),
        "source_ids": None if source_ids is None else list(source_ids),
        "canonical_urls": None if canonical_urls is None else list(canonical_urls),
    }).fetchall()
    kept = [r for r in rows if per_source is None or r[3] <= per_source]
    return Due([FrontierItem(canonical_url=r[0], url=r[1], source_id=r[2]) for r in kept], len(rows) - len(kept))


def claim_due(con: duckdb.DuckDBPyConnection, source_ids: Sequence[str] | None = None,
              canonical_urls: Sequence[str] | None = None, now: datetime | None = None,
              per_source: int | None = None) -> Due:
    """The frontier claim: which URLs this run takes. Retries past `MAX_ATTEMPTS` are given up first, then `due`
    picks the URLs, in one transaction. This operation is serialised: two runs claiming at once would take the same
    URLs, so the claim (and the fetch rows that settle it, `record_round`) must run one writer at a time. The URLs
    claimed are leased (`not_before` set `CLAIM_LEASE_SECONDS` ahead), so a crawl running beside this one, on any
    machine, claims others: two crawls never fetch the same URL."""
    with serialising(con), transaction(con):
        return _claim(con, source_ids, canonical_urls, now, per_source)


@serialised("frontier claim")
def _claim(con: duckdb.DuckDBPyConnection, source_ids: Sequence[str] | None, canonical_urls: Sequence[str] | None,
           now: datetime | None, per_source: int | None) -> Due:
    give_up_exhausted(con)
    now = now or utc_now()
    claimed = due(con, source_ids, canonical_urls, now, per_source)
    con.execute(statement("frontier/claim_urls"), {"until": now + timedelta(seconds=CLAIM_LEASE_SECONDS),
                                                    "canonical_urls": [i.canonical_url for i in claimed.items]})
    return claimed


def stored_validators(con: duckdb.DuckDBPyConnection, urls: Sequence[str]) -> dict[str, StoredValidators]:
    if not urls:
        return {}
    rows = con.execute(statement("frontier/stored_validators"), {"urls": list(urls)}).fetchall()
    return {r[0]: StoredValidators(etag=r[1], last_modified=r[2], body_sha256=r[3]) for r in rows}


def load_trust(con: duckdb.DuckDBPyConnection) -> dict[str, HostTrust]:
    rows = con.execute(statement("frontier/host_trust")).fetchall()
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
        con.execute(statement("frontier/save_host_trust"), {"now": utc_now(), "load_id": load_id})
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
        con.execute(statement("frontier/insert_fetches"))
        con.execute(statement("frontier/keep_validators"))
        con.execute(statement("frontier/advance_frontier"),
                    {"retry_base_seconds": RETRY_BASE_SECONDS, "retry_cap_seconds": RETRY_CAP_SECONDS})
    finally:
        con.unregister("incoming_fetches")


def record_round(con: duckdb.DuckDBPyConnection, records: Sequence[FetchRecord], trust: dict[str, HostTrust],
                 run_id: str | None, load_id: str) -> None:
    """A round of fetches settled at once: its fetch rows, validators and frontier states (`record_fetches`) and
    the hosts' validator trust (`save_trust`), in one transaction, so a failure leaves none of them behind."""
    with serialising(con), transaction(con):
        record_fetches(con, records, run_id, load_id)
        save_trust(con, trust, load_id)


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
    row = con.execute(statement("frontier/give_up_exhausted"), {"max_attempts": MAX_ATTEMPTS}).fetchone()
    return int(row[0]) if row else 0


def canonical_or_none(url: str) -> str | None:
    try:
        return canonicalize_url(url)
    except ValueError:
        return None

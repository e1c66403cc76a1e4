"""A lake's data files in object storage (`INGEST_LAKE_DATA_PATH=s3://bucket/prefix/`): S3 or any S3-compatible
server (MinIO), reached through DuckDB's `httpfs` extension.

Every lake connection (`ingest.warehouse.lake.connect`, so every command and flow) gets, before the lake is
attached: `httpfs` from its registry package, request timeouts, and a temporary secret scoped to the bucket with
the endpoint and keys of the `INGEST_S3_*` settings. Then one listing that matches nothing checks the endpoint,
bucket and keys, so a wrong key or an unreachable endpoint is one line at connect, not a DuckDB error mid-run.
The secret key is a `SecretStr`: no message, log or `repr` of the settings shows it.
"""

from __future__ import annotations

import duckdb

from ingest.settings import Settings
from ingest.warehouse.connection import WarehouseError
from ingest.warehouse.extensions import load_packaged_extension
from ingest.warehouse.statements import statement

EXTENSION = "httpfs"
AWS_ENDPOINT = "s3.amazonaws.com"  # DuckDB's own default, written out so the secret names every value
# A key no data file of DuckLake's has (they are `ducklake-<uuid>.parquet`): the probe's listing finds nothing.
PROBE_NAME = "ingest-connect-probe"


class ObjectStoreError(WarehouseError):
    """The object store of a lake cannot be used: unreachable, no such bucket, or the keys refused."""


def prefix(settings: Settings) -> str:
    """The lake's `s3://bucket/prefix/` (the settings refuse a lake on object storage without one)."""
    assert isinstance(settings.lake_data_path, str), "not a lake on object storage"
    return settings.lake_data_path


def bucket(settings: Settings) -> str:
    return prefix(settings)[len("s3://"):].split("/", 1)[0]


def prepare(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Give `con` what reading and writing the lake's objects takes (see the module), then check it works."""
    load_packaged_extension(con, EXTENSION)
    con.execute(statement("lake/s3_timeouts").format(seconds=int(settings.s3_timeout_seconds)))
    con.execute(statement("lake/s3_secret").format(
        key_id=_literal(settings.s3_access_key_id),
        secret=_literal(settings.s3_secret_access_key.get_secret_value()),
        endpoint=_literal(settings.s3_endpoint or AWS_ENDPOINT),
        region=_literal(settings.s3_region),
        url_style=_literal(settings.s3_url_style),
        use_ssl="true" if settings.s3_use_ssl else "false",
        scope=_literal(f"s3://{bucket(settings)}"),
    ))
    try:
        con.execute(statement("lake/s3_probe"), {"pattern": prefix(settings) + PROBE_NAME + "*"}).fetchall()
    except duckdb.Error as exc:
        raise explain(exc, settings) from None


def stored_bytes(settings: Settings) -> int:
    """The bytes of every object under the lake's prefix (a listing: no object is read)."""
    con = duckdb.connect()
    try:
        prepare(con, settings)
        if con.execute(statement("lake/s3_probe"), {"pattern": prefix(settings) + "**"}).fetchone() == (0,):
            return 0  # read_blob of no file at all is an error, not zero
        row = con.execute(statement("lake/s3_data_bytes"), {"pattern": prefix(settings) + "**"}).fetchone()
        return int(row[0]) if row else 0
    except duckdb.Error as exc:
        raise explain(exc, settings) from None
    finally:
        con.close()


def explain(exc: duckdb.Error, settings: Settings) -> ObjectStoreError:
    """A DuckDB error from the object store as one line: which store, what went wrong, which setting to check."""
    text = str(exc)
    where = f"object store {prefix(settings)} at {settings.s3_endpoint or AWS_ENDPOINT}"
    lowered = text.lower()
    if "403" in text or "signaturedoesnotmatch" in lowered or "invalidaccesskeyid" in lowered:
        cause = "refused the keys (HTTP 403): check INGEST_S3_ACCESS_KEY_ID and INGEST_S3_SECRET_ACCESS_KEY"
    elif "nosuchbucket" in lowered or "404" in text:
        cause = f"has no bucket {bucket(settings)!r} (HTTP 404): create it, or check INGEST_LAKE_DATA_PATH"
    elif "timeout" in lowered or "timed out" in lowered:
        cause = (f"cannot be reached (no answer within INGEST_S3_TIMEOUT_SECONDS={settings.s3_timeout_seconds}, "
                 f"three tries: {_first_line(text)}): check INGEST_S3_ENDPOINT")
    elif "could not connect" in lowered or "could not resolve" in lowered:
        cause = f"cannot be reached ({_first_line(text)}): check INGEST_S3_ENDPOINT and INGEST_S3_USE_SSL"
    else:
        cause = f"failed: {_first_line(text)}"
    return ObjectStoreError(f"{where} {cause}")


def concerns(exc: duckdb.Error, settings: Settings) -> bool:
    """Whether a DuckDB error is the lake's object store failing: it names the bucket's objects, or is an HTTP error
    of the store's endpoint (a store that stopped answering mid-run fails a write, not the connect-time probe)."""
    if not settings.lake_on_object_store:
        return False
    text = str(exc)
    endpoint = settings.s3_endpoint or AWS_ENDPOINT
    return f"s3://{bucket(settings)}/" in text or ("HTTP" in text and endpoint in text)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "no detail"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"

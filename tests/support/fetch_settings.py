"""Settings for fetching from a loopback server in seconds: fast host rates, short back-offs and deadlines."""

from __future__ import annotations

from pathlib import Path

from ingest.settings import Settings


def fast_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "warehouse": tmp_path / "news.duckdb", "allow_private_hosts": True, "host_rate_per_second": 100.0,
        "retry_backoff_seconds": 0.05, "retry_backoff_max_seconds": 0.2, "fetch_retries": 2,
        "connect_timeout_seconds": 2.0, "read_timeout_seconds": 2.0, "fetch_deadline_seconds": 5.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]

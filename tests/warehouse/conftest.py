"""Fixtures of the warehouse tests (tests/conftest.py says why helpers come as fixtures)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from tests.support.prefect_server import postgres_database


@pytest.fixture(scope="module")
def postgres() -> Iterator[tuple[str, int]]:
    """A private PostgreSQL cluster on a free loopback port: (host, port), user `prefect`, trusted."""
    with postgres_database() as url:
        parsed = urlparse(url)
        assert parsed.hostname is not None and parsed.port is not None
        yield parsed.hostname, parsed.port

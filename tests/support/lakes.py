"""DuckLakes on a private PostgreSQL cluster (`prefect_server.postgres_database()`): one database per lake, the
catalog string `INGEST_WAREHOUSE` takes, and copies of a lake's catalog. Shared by the lake tests and the benches."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from ingest.settings import Settings
from tests.support.prefect_server import postgres_bin

USER = "prefect"  # the cluster's trusted superuser (`postgres_database` runs initdb with -U prefect)


@dataclass(frozen=True)
class Cluster:
    host: str
    port: int

    @classmethod
    def at(cls, database_url: str) -> Cluster:
        """The cluster of a `postgres_database()` URL."""
        parsed = urlparse(database_url)
        assert parsed.hostname is not None and parsed.port is not None
        return cls(parsed.hostname, parsed.port)

    def create_database(self, name: str, template: str | None = None) -> None:
        """An empty database, or a copy of `template` (whose catalog no session may be using)."""
        copy = ["-T", template] if template else []
        self._client("createdb", *copy, name)

    def drop_database(self, name: str) -> None:
        self._client("dropdb", "--if-exists", name)

    def catalog(self, database: str) -> str:
        """The DuckLake catalog string of a lake in `database`. The cluster trusts loopback; the password is there so
        every lake run also shows that a catalog's password is kept out of messages."""
        return f"ducklake:postgres:dbname={database} host={self.host} port={self.port} user={USER} password=not-checked"

    def new_lake(self, database: str, data_path: Path, **settings: object) -> Settings:
        """Settings of a fresh lake: its catalog a new database `database`, its data files under `data_path`."""
        self.create_database(database)
        return Settings(warehouse=Path(self.catalog(database)), lake_data_path=data_path, **settings)

    def _client(self, program: str, *args: str) -> None:
        subprocess.run([str(postgres_bin() / program), "-h", self.host, "-p", str(self.port), "-U", USER, *args],
                       check=True, capture_output=True, timeout=120)

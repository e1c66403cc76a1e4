"""Runs started from the command line report to a Prefect server already running on this machine.

Without PREFECT_API_URL, Prefect starts a temporary server for every run (4-7 s, and the run is only visible
later, once a server is started on the same database). When a server is already listening where `ingest ui`
(or `prefect server start`) puts it, reporting to it is faster and shows the run live.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from pathlib import Path
from urllib.parse import urlsplit

import httpx

# Decided before a flow starts: Prefect reads its settings once, when it is first imported.
PROBE_TIMEOUT_SECONDS = 0.5


def server_is_up(api_url: str, timeout: float = PROBE_TIMEOUT_SECONDS) -> bool:
    """True when a Prefect API answers its health check at `api_url` (…/api)."""
    if not _listening(api_url, timeout):  # the usual answer, found without building an HTTP client (0.3 s of CPU)
        return False
    try:
        return httpx.get(f"{api_url.rstrip('/')}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def _listening(url: str, timeout: float) -> bool:
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        with socket.create_connection((parts.hostname or "127.0.0.1", port), timeout=timeout):
            return True
    except (OSError, ValueError):
        return False


def report_to_local_server(local_api_url: str | None) -> str | None:
    """The Prefect API this process's runs report to: PREFECT_API_URL (environment or profile) when set, else the
    local server at `local_api_url` when it answers, else None (Prefect's temporary server)."""
    from prefect.context import refresh_global_settings_context
    from prefect.settings import get_current_settings

    configured = get_current_settings().api.url
    if configured:
        return str(configured)
    if not local_api_url or not server_is_up(local_api_url):
        return None
    os.environ["PREFECT_API_URL"] = local_api_url
    refresh_global_settings_context()  # the settings Prefect read on import did not have it
    return local_api_url


def server_command(host: str, port: int) -> tuple[str, list[str], dict[str, str]]:
    """`prefect server start` of this environment, analytics off (no telemetry call, no error logged for it)."""
    executable = Path(sys.executable).with_name("prefect")
    program = str(executable) if executable.exists() else (shutil.which("prefect") or "prefect")
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    return program, [program, "server", "start", "--host", host, "--port", str(port)], env

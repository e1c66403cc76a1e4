"""The Prefect API a command reports to, made ready before any flow starts, with one clear line when it cannot be.

- With `PREFECT_API_URL` set, the server is asked for its health first: a dead URL is one line naming it (Prefect
  itself gives a long traceback after several seconds of retries).
- Without it, Prefect starts a temporary server on the `PREFECT_HOME` database. Two of them starting at once on
  the same database both register Prefect's block types and one fails (`UNIQUE constraint failed:
  block_type.slug`), so start-up is serialised with an OS file lock in `PREFECT_HOME`: the kernel releases it
  when its holder exits, however it exits. The server started here is the one Prefect's client then uses (its
  temporary server is one per process).
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Callable

import httpx
from prefect.server.api.server import SubprocessASGIServer
from prefect.settings import get_current_settings

START_LOCK_NAME = "ingest-temporary-server.lock"
# A first start creates and migrates the database: on a busy machine that outlasts Prefect's default 20 s.
STARTUP_TIMEOUT_SECONDS = 120
HEALTH_TIMEOUT_SECONDS = 5.0


class PrefectUnavailable(RuntimeError):
    """No Prefect API to report to; the message says which and what to do."""


def ensure_prefect_api() -> None:
    """Check the configured server, or start the temporary one (one start-up per PREFECT_HOME at a time)."""
    settings = get_current_settings()
    if settings.api.url:
        check_reachable(str(settings.api.url))
    elif settings.server.ephemeral.enabled:
        start_temporary_server()


def check_reachable(api_url: str) -> None:
    try:
        response = httpx.get(f"{api_url.rstrip('/')}/health", timeout=HEALTH_TIMEOUT_SECONDS)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PrefectUnavailable(
            f"cannot reach the Prefect server at PREFECT_API_URL={api_url} ({reason}); start it "
            "(`prefect server start`) or unset PREFECT_API_URL to let `ingest` start a temporary one") from None


def start_temporary_server() -> None:
    home = get_current_settings().home
    home.mkdir(parents=True, exist_ok=True)
    with (home / START_LOCK_NAME).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released on close, or by the kernel if this process dies
        try:
            SubprocessASGIServer().start(timeout=_startup_timeout())
        except (RuntimeError, httpx.HTTPError) as exc:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise PrefectUnavailable(f"the temporary Prefect server did not start ({first[:300]}); "
                                     f"see the server log, or set PREFECT_API_URL to a running server") from None


def _startup_timeout() -> int:
    configured = os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS")
    return int(configured) if configured else STARTUP_TIMEOUT_SECONDS


class _KnownFaultsWithoutTracebacks(logging.Filter):
    """Drops the traceback from console records of faults the command reports in one line itself (a full disk,
    a corrupt warehouse): the Prefect UI's copy of the log keeps it. Tracebacks of anything else stay."""

    def __init__(self, is_known: Callable[[BaseException], bool]) -> None:
        super().__init__()
        self.is_known = is_known

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if error is not None and self.is_known(error):
            record.exc_info, record.exc_text = None, None
        return True


def quiet_console_tracebacks(is_known: Callable[[BaseException], bool]) -> None:
    """Install the filter above on Prefect's console handlers (the API handler, which feeds the UI, runs first)."""
    import prefect.main  # noqa: F401 - sets Prefect's logging up, once: the handlers exist from here on
    from prefect.logging.handlers import PrefectConsoleHandler

    for handler in logging.getLogger().handlers:
        if isinstance(handler, PrefectConsoleHandler) and not any(
                isinstance(f, _KnownFaultsWithoutTracebacks) for f in handler.filters):
            handler.addFilter(_KnownFaultsWithoutTracebacks(is_known))

"""The Prefect API a command reports to, made ready before any flow starts, with one clear line when it cannot be.

- With `PREFECT_API_URL` set, the server is asked for its health first: a dead URL is one line naming it (Prefect
  itself gives a long traceback after several seconds of retries).
- Without it, a temporary server is started on the `PREFECT_HOME` database: the server Prefect itself would start
  (the same uvicorn command, environment and port range as its `SubprocessASGIServer`), started here so that this
  process never imports the server application (about 5 s of CPU spent only to reach the class that starts it)
  and can do its own start-up work while the server starts (`while_starting`). Once it answers, PREFECT_API_URL
  points at it, so Prefect's client uses it; it is stopped when the process exits. Two of them starting at once
  on the same database both register Prefect's block types and one fails (`UNIQUE constraint failed:
  block_type.slug`), so start-up is serialised with an OS file lock in `PREFECT_HOME`: the kernel releases it
  when its holder exits, however it exits.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import logging
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import prefect
from prefect.settings import get_current_settings

START_LOCK_NAME = "ingest-temporary-server.lock"
# A first start creates and migrates the database: on a busy machine that outlasts Prefect's default 20 s.
STARTUP_TIMEOUT_SECONDS = 120
HEALTH_TIMEOUT_SECONDS = 5.0
PORTS = range(8000, 9000)  # Prefect's own range for its temporary server
PORT_IN_USE_EXIT_CODE = 3  # uvicorn's exit when its port was taken between our check and its bind
POLL_SECONDS = 0.1
_temporary_server: TemporaryServer | None = None


class PrefectUnavailable(RuntimeError):
    """No Prefect API to report to; the message says which and what to do."""


def ensure_prefect_api(while_starting: Callable[[], None] | None = None) -> None:
    """Check the configured server, or start the temporary one (one start-up per PREFECT_HOME at a time).
    `while_starting` runs meanwhile (imports, worker start-up): the server starts on the other core."""
    settings = get_current_settings()
    if settings.api.url:
        check_reachable(str(settings.api.url))
    elif settings.server.ephemeral.enabled:
        start_temporary_server(while_starting)
        return
    if while_starting is not None:
        while_starting()


def check_reachable(api_url: str) -> None:
    try:
        response = httpx.get(f"{api_url.rstrip('/')}/health", timeout=HEALTH_TIMEOUT_SECONDS)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PrefectUnavailable(
            f"cannot reach the Prefect server at PREFECT_API_URL={api_url} ({reason}); start it "
            "(`prefect server start`) or unset PREFECT_API_URL to let `ingest` start a temporary one") from None


def start_temporary_server(while_starting: Callable[[], None] | None = None) -> None:
    """Start the temporary server (once per process) and make it the API Prefect's client reports to."""
    global _temporary_server
    home = get_current_settings().home
    home.mkdir(parents=True, exist_ok=True)
    with (home / START_LOCK_NAME).open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released on close, or by the kernel if this process dies
        server = _temporary_server or TemporaryServer()
        try:
            server.launch()
            if while_starting is not None:
                while_starting()
            server.wait_until_healthy(_startup_timeout())
        except (RuntimeError, httpx.HTTPError) as exc:
            server.stop()
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise PrefectUnavailable(f"the temporary Prefect server did not start ({first[:300]}); "
                                     f"see the server log, or set PREFECT_API_URL to a running server") from None
    _temporary_server = server
    _report_to(server.api_url)


def temporary_server_url() -> str | None:
    """The API of the temporary server this process started, if it did (it lives and dies with the process)."""
    return _temporary_server.api_url if _temporary_server is not None else None


def _report_to(api_url: str) -> None:
    from prefect.context import refresh_global_settings_context

    os.environ["PREFECT_API_URL"] = api_url
    refresh_global_settings_context()  # the settings Prefect read on import did not have it


class TemporaryServer:
    """Prefect's temporary server as `prefect.server.api.server.SubprocessASGIServer` runs it, without importing
    that module (which builds the whole server application) into this process."""

    def __init__(self) -> None:
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def launch(self) -> None:
        if self.process is not None:
            return
        self.port = _free_port()
        logging.getLogger("prefect").info(  # Prefect's own words when it starts this server
            "Starting temporary server on http://127.0.0.1:%d\nSee https://www.prefect.io/docs/v3/concepts/server"
            "#how-to-guides for more information on running a dedicated Prefect server.", self.port)
        self.process = subprocess.Popen(self._command(), env=self._environment())
        atexit.register(self.stop)  # after Prefect's own exit handlers (registered later) delivered their events

    def wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client() as client:
            while time.monotonic() < deadline:
                assert self.process is not None
                code = self.process.poll()
                if code == PORT_IN_USE_EXIT_CODE:
                    self.process = None
                    self.launch()
                    continue
                if code is not None:
                    raise RuntimeError(f"the server process exited with code {code}")
                with contextlib.suppress(httpx.TransportError):
                    if client.get(f"{self.api_url}/health").status_code == 200:
                        return
                time.sleep(POLL_SECONDS)
        raise RuntimeError(f"it did not answer within {timeout:g} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        logging.getLogger("prefect").info("Stopping temporary server on http://127.0.0.1:%d", self.port)
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _command(self) -> list[str]:
        return [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(prefect.__file__).parent.parent),
                "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
                "--port", str(self.port), "--log-level", "error", "--lifespan", "on"]

    @staticmethod
    def _environment() -> dict[str, str]:
        server_env = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
        return {**os.environ, **server_env,
                **get_current_settings().to_environment_variables(exclude_unset=True)}


def _free_port() -> int:
    for _ in range(10):
        port = random.choice(PORTS)
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
            try:
                probe.bind(("127.0.0.1", port))
                return port
            except OSError:
                time.sleep(random.uniform(0.1, 0.5))
    raise RuntimeError("no free port for it in 8000-8999")


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

"""The Prefect API a command reports to, made ready before any flow starts, with one clear line when it cannot be.

- With `PREFECT_API_URL` set, the server is asked for its health first: a dead URL is one line naming it (Prefect
  itself gives a long traceback after several seconds of retries).
- Without it, a temporary server on the `PREFECT_HOME` database, started the way Prefect starts its own (uvicorn
  on the API's app factory, UI off, Prefect's ephemeral flags) but not by Prefect's client: importing Prefect's
  server module in this process costs 4-5 s that the server process spends again, and Prefect only starts it when
  the first flow needs it. `TemporaryServer.launch` starts it as soon as a command begins, so its start-up
  overlaps the command's own imports; `ensure_prefect_api` then waits for it and points this process's Prefect
  client at it (`PREFECT_API_URL`); it stops when the process exits, after Prefect's own exit handlers have sent
  their last logs and events to it.
- Two temporary servers starting at once on the same database both register Prefect's block types and one fails
  (`UNIQUE constraint failed: block_type.slug`), so start-up is serialised with an OS file lock in `PREFECT_HOME`:
  the kernel releases it when its holder exits, however it exits.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import fcntl
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import httpx
import prefect
from prefect.settings import get_current_settings

START_LOCK_NAME = "ingest-temporary-server.lock"
# A first start creates and migrates the database: on a busy machine that outlasts Prefect's default 20 s.
STARTUP_TIMEOUT_SECONDS = 120
HEALTH_TIMEOUT_SECONDS = 5.0
SERVER_PORTS = range(8000, 9000)  # where Prefect's own temporary server takes a free port
PORT_TAKEN_EXIT_CODE = 3  # uvicorn's exit status when another process bound the port first
STOP_WAIT_SECONDS = 5.0
PR_SET_PDEATHSIG = 1  # prctl(2): the signal the kernel sends a process when its parent dies
_PRCTL = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None) if sys.platform == "linux" else None


class PrefectUnavailable(RuntimeError):
    """No Prefect API to report to; the message says which and what to do."""


def ensure_prefect_api() -> None:
    """Check the configured server, or wait for this process's temporary one (launching it if not yet done)."""
    settings = get_current_settings()
    if settings.api.url:
        check_reachable(str(settings.api.url))
    elif settings.server.ephemeral.enabled:
        TemporaryServer.of_this_process().report_to(_startup_timeout())


def launch_temporary_server() -> None:
    """Start the temporary server now, without waiting for it, when this process will need one (no configured
    server): `ensure_prefect_api` waits for it later."""
    settings = get_current_settings()
    if not settings.api.url and settings.server.ephemeral.enabled:
        TemporaryServer.of_this_process()


def check_reachable(api_url: str) -> None:
    try:
        response = httpx.get(f"{api_url.rstrip('/')}/health", timeout=HEALTH_TIMEOUT_SECONDS)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PrefectUnavailable(
            f"cannot reach the Prefect server at PREFECT_API_URL={api_url} ({reason}); start it "
            "(`prefect server start`) or unset PREFECT_API_URL to let `ingest` start a temporary one") from None


class TemporaryServer:
    """This process's temporary Prefect server (see the module's note): launched on creation, under the start-up
    lock until it answers, stopped at exit."""

    _current: TemporaryServer | None = None

    @classmethod
    def of_this_process(cls) -> TemporaryServer:
        if cls._current is None:
            cls._current = cls()
        return cls._current

    def __init__(self) -> None:
        home = get_current_settings().home
        home.mkdir(parents=True, exist_ok=True)
        self._lock: IO[str] | None = (home / START_LOCK_NAME).open("a")
        fcntl.flock(self._lock, fcntl.LOCK_EX)  # released once it answers, or by the kernel if this process dies
        self.port = _free_port()
        self.process = self._spawn()
        # Registered before Prefect's client registers its own exit handlers, so it runs after them (last in,
        # first out): the logs and events they flush at exit still find the server.
        atexit.register(self.stop)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _spawn(self) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(prefect.__file__).resolve().parents[1]),
                   "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
                   "--port", str(self.port), "--log-level", "error", "--lifespan", "on"]
        flags = {"PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
                 # Unless the user turned it on: its heartbeat writes to the database the server is still creating
                 # on a first run ("database is locked", a long traceback on the command's stderr), and a server
                 # that lives for one command has no use for it.
                 "PREFECT_SERVER_ANALYTICS_ENABLED": os.environ.get("PREFECT_SERVER_ANALYTICS_ENABLED", "false")}
        # A command killed outright (SIGKILL, or SIGTERM, which skips exit handlers) would leave its server running
        # for ever: on Linux the kernel stops it instead. Only set up while this process has one thread, since
        # code run between fork and exec is unsafe beside other threads (`subprocess`'s own warning).
        dies_with_us = _die_with_parent if _PRCTL is not None and threading.active_count() == 1 else None
        return subprocess.Popen(command, env={**os.environ, **flags}, preexec_fn=dies_with_us)

    def report_to(self, timeout: float) -> None:
        """Wait until the server answers, then send this process's runs to it."""
        if self._lock is not None:
            try:
                self._wait_until_healthy(timeout)
            finally:
                self._lock.close()
                self._lock = None
        if os.environ.get("PREFECT_API_URL") != self.api_url:
            from prefect.context import refresh_global_settings_context

            os.environ["PREFECT_API_URL"] = self.api_url
            os.environ.setdefault("PREFECT_UI_URL", "")  # the server serves no UI: no "View at" link to nowhere
            refresh_global_settings_context()  # the settings Prefect read on import did not have it

    def _wait_until_healthy(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=HEALTH_TIMEOUT_SECONDS) as client:
            while True:
                status = self.process.poll()
                if status == PORT_TAKEN_EXIT_CODE:  # another process took the port after it was found free
                    self.port, self.process = _free_port(), self._spawn()
                elif status is not None:
                    raise PrefectUnavailable(_did_not_start(f"it exited with status {status}; its errors are above"))
                elif _answers(client, f"{self.api_url}/health"):
                    return
                if time.monotonic() > deadline:
                    self.stop()
                    raise PrefectUnavailable(_did_not_start(f"no answer within {timeout:g}s"))
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _die_with_parent() -> None:
    """Runs in the server's process before it execs: SIGTERM when the command's process dies, however it dies."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)


def _answers(client: httpx.Client, health_url: str) -> bool:
    try:
        return client.get(health_url).status_code == 200
    except httpx.HTTPError:
        return False


def _did_not_start(why: str) -> str:
    return (f"the temporary Prefect server did not start ({why}); see the server log, or set PREFECT_API_URL to a "
            "running server")


def _free_port() -> int:
    for _ in range(50):
        port = random.choice(SERVER_PORTS)
        with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise PrefectUnavailable(f"no free port for the temporary Prefect server in {SERVER_PORTS.start}-"
                             f"{SERVER_PORTS.stop - 1}; set PREFECT_API_URL to a running server")


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

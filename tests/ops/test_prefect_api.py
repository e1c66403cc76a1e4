"""The Prefect API a command reports to: a configured server checked against a real loopback HTTP server, the
temporary one started under a file lock, and console tracebacks dropped only for the faults the command reports."""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ingest.ops.prefect_api import PrefectUnavailable, check_reachable, ensure_prefect_api, quiet_console_tracebacks
from tests.support.fetch_site import Reply, Site
from tests.support.prefect_server import wait_until
from tests.support.processes import running


def test_a_healthy_server_passes_the_check(site: Site) -> None:
    site.route("/api/health", Reply(200, b"true", {"Content-Type": "application/json"}))
    check_reachable(site.url("/api/"))
    assert [hit.path for hit in site.hits] == ["/api/health"]


def test_a_server_that_answers_an_error_is_unavailable_in_one_line_naming_it(site: Site) -> None:
    site.route("/api/health", Reply(503, b"starting"))
    with pytest.raises(PrefectUnavailable) as raised:
        check_reachable(site.url("/api"))
    message = str(raised.value)
    assert f"PREFECT_API_URL={site.url('/api')}" in message and "503" in message and "\n" not in message


def test_a_dead_url_is_unavailable_naming_what_to_do(free_port: Callable[[], int]) -> None:
    from prefect.settings import PREFECT_API_URL, temporary_settings

    url = f"http://127.0.0.1:{free_port()}/api"  # nothing listens there
    with temporary_settings(updates={PREFECT_API_URL: url}), \
            pytest.raises(PrefectUnavailable, match="prefect server start") as raised:
        ensure_prefect_api()  # reads the configured URL as a command does
    assert f"PREFECT_API_URL={url}" in str(raised.value)


def _record_of(error: BaseException) -> logging.LogRecord:
    try:
        raise error
    except BaseException:
        return logging.LogRecord("prefect.flow_runs", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())


def test_console_tracebacks_are_dropped_for_known_faults_only() -> None:
    from prefect.logging.handlers import PrefectConsoleHandler

    quiet_console_tracebacks(lambda error: isinstance(error, OSError))
    quiet_console_tracebacks(lambda error: isinstance(error, OSError))  # a second call adds no second filter
    consoles = [h for h in logging.getLogger().handlers if isinstance(h, PrefectConsoleHandler)]
    assert consoles, "Prefect's console handler is not on the root logger"
    for console in consoles:
        assert len([f for f in console.filters if type(f).__name__ == "_KnownFaultsWithoutTracebacks"]) == 1
        known, bug = _record_of(OSError(28, "No space left on device")), _record_of(KeyError("article_id"))
        assert console.filter(known) and console.filter(bug)  # both are still logged
        assert known.exc_info is None and bug.exc_info is not None and bug.exc_info[0] is KeyError


def _own_prefect_home(home: Path) -> dict[str, str]:
    """This environment without any Prefect setting of ours, and a Prefect home of the test's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    return env


def _python(script: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", script], env=_own_prefect_home(home), capture_output=True,
                          text=True, timeout=300)


@pytest.mark.slow
def test_two_commands_starting_the_temporary_server_at_once_both_get_one(tmp_path: Path) -> None:
    """Without the start-up lock, two temporary servers migrating one new database at once: one of them fails."""
    env = _own_prefect_home(tmp_path / "home")
    # The server Prefect's client will use is the one its settings now name: it must be up and healthy.
    script = ("import httpx; from ingest.ops.prefect_api import ensure_prefect_api; ensure_prefect_api(); "
              "from prefect.settings import get_current_settings; url = str(get_current_settings().api.url); "
              "print(url.startswith('http://127.0.0.1:'), httpx.get(url + '/health', timeout=10).status_code)")
    starts = [subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(process.wait(300), *process.communicate()) for process in starts]
    for code, out, err in results:
        assert code == 0, err[-3000:]
        assert out.split() == ["True", "200"], err[-3000:]
    assert (tmp_path / "home" / "ingest-temporary-server.lock").exists()


@pytest.mark.slow
def test_a_launched_temporary_server_serves_flows_and_stops_with_its_process(tmp_path: Path) -> None:
    """Launched early, waited for later: the flow's run is recorded in the server's database, and the server
    process is gone once the command's process has exited (no server left behind)."""
    script = ("from ingest.ops.prefect_api import TemporaryServer, ensure_prefect_api, launch_temporary_server\n"
              "launch_temporary_server()\n"
              "from prefect import flow\n"
              "ensure_prefect_api()\n"
              "print(TemporaryServer.of_this_process().process.pid, flush=True)\n"
              "@flow(name='early-server-check')\n"
              "def check() -> int:\n    return 42\n"
              "print(check())\n")
    done = _python(script, tmp_path / "home")
    assert done.returncode == 0, done.stderr[-3000:]
    server_pid, answer = done.stdout.split()[:2]
    assert answer == "42"
    with pytest.raises(ProcessLookupError):
        os.kill(int(server_pid), 0)  # stopped (and reaped) by the exiting process
    database = sqlite3.connect(tmp_path / "home" / "prefect.db")
    try:
        states = database.execute("select state_name from flow_run where name is not null").fetchall()
    finally:
        database.close()
    assert states == [("Completed",)]



def _server_setting(home: Path, variable: str, value: str | None) -> str | None:
    """`variable` in the environment of the temporary server a command started with `variable=value` (None:
    unset) in its own."""
    env = _own_prefect_home(home)
    env.pop(variable, None)
    if value is not None:
        env[variable] = value
    script = ("import json\n"
              "from ingest.ops.prefect_api import TemporaryServer, ensure_prefect_api\n"
              "ensure_prefect_api()\n"
              "pid = TemporaryServer.of_this_process().process.pid\n"
              "environ = open(f'/proc/{pid}/environ', 'rb').read().split(b'\\0')\n"
              f"print(json.dumps([e.decode() for e in environ if e.startswith(b'{variable}=')]))\n")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return found[0].split("=", 1)[1] if found else None


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="/proc is Linux's")
def test_the_temporary_server_sends_no_telemetry_unless_the_user_turned_it_on(tmp_path: Path) -> None:
    """Its heartbeat raced the database's creation on a first run (a traceback on stderr); a user's own
    setting still wins."""
    assert _server_setting(tmp_path / "unset", "PREFECT_SERVER_ANALYTICS_ENABLED", None) == "false"
    assert _server_setting(tmp_path / "on", "PREFECT_SERVER_ANALYTICS_ENABLED", "true") == "true"


@pytest.mark.slow
@pytest.mark.skipif(sys.platform != "linux", reason="the kernel's parent-death signal is Linux's")
def test_a_command_killed_outright_leaves_no_temporary_server_behind(tmp_path: Path) -> None:
    script = ("import os, signal\n"
              "from ingest.ops.prefect_api import TemporaryServer, ensure_prefect_api, launch_temporary_server\n"
              "launch_temporary_server()\n"
              "ensure_prefect_api()\n"
              "print(TemporaryServer.of_this_process().process.pid, flush=True)\n"
              "os.kill(os.getpid(), signal.SIGKILL)  # no exit handler runs\n")
    done = _python(script, tmp_path / "home")
    assert done.returncode == -signal.SIGKILL, done.stderr[-3000:]
    server_pid = int(done.stdout.split()[0])
    wait_until(lambda: not running(server_pid), 60, "the orphaned temporary server to stop")


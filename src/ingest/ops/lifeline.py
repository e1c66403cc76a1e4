"""Worker processes that end when the command that started them dies, however it dies.

A command killed with SIGKILL runs no clean-up, and a pool's workers do not notice: the NER workers (about 320 MB
each) and the extraction workers sat idle for ever, and so did the multiprocessing fork server the workers come
from, because every one of its children holds the pipe whose closing tells it to stop.

Each worker therefore watches the command's process from a daemon thread and exits the moment it is gone. The
watch uses a pidfd (Linux 5.3+), which becomes readable when that process ends and cannot be fooled by a reused
pid; elsewhere it polls once a second. Not `PR_SET_PDEATHSIG`: it fires when the *thread* that started the worker
ends, and pools are started from Prefect's task threads, and a worker's parent is the fork server.
Once the workers are gone, the fork server ends on its own.
"""

from __future__ import annotations

import os
import select
import threading
import time

EXIT_CODE = 70  # what a worker exits with when the command that started it is gone (EX_SOFTWARE)
POLL_SECONDS = 1.0  # the fallback watch's interval where pidfds do not exist


def exit_with(pid: int) -> None:
    """Run in a worker at start-up (a pool's initializer): exit this process as soon as process `pid` has ended."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        os._exit(EXIT_CODE)  # gone before the watch began
    except (AttributeError, OSError):  # no pidfds (not Linux, or an old kernel)
        watch = threading.Thread(target=_poll_then_exit, args=(pid,), name="exit-with-command", daemon=True)
    else:
        watch = threading.Thread(target=_wait_then_exit, args=(handle,), name="exit-with-command", daemon=True)
    watch.start()


def _wait_then_exit(handle: int) -> None:
    select.select([handle], [], [])  # readable once the process has ended
    os._exit(EXIT_CODE)


def _poll_then_exit(pid: int) -> None:
    while True:
        time.sleep(POLL_SECONDS)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(EXIT_CODE)
        except PermissionError:
            continue  # alive, owned by someone else (a reused pid; the pidfd path is the exact one)

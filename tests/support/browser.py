"""Headless Debian Chromium driven over the DevTools protocol (a websocket: no driver binary, no extra package).

Used to render the Prefect UI, which is a single-page app: `--dump-dom` returns before its API calls finish, so
the page is polled until the expected text is rendered.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

CHROMIUM = "/usr/bin/chromium"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0")


class Page:
    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.next_id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return dict(message.get("result", {}))

    def evaluate(self, expression: str) -> Any:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        return result.get("result", {}).get("value")

    def open(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def text(self) -> str:
        return str(self.evaluate("document.body ? document.body.innerText : ''") or "")

    def wait_for_text(self, *needles: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.text()
            if all(n in text for n in needles):
                return text
            time.sleep(0.5)
        missing = [n for n in needles if n not in text]
        raise TimeoutError(f"{missing} not rendered after {timeout:g}s; page text starts: {text[:500]!r}")

    def click_text(self, label: str) -> bool:
        """Click the innermost element whose whole text is `label` (a tab, a link)."""
        script = ("(() => { const all = [...document.querySelectorAll('a, button, [role=tab], li, span, div')]"
                  f".filter(e => e.textContent.trim() === {json.dumps(label)});"
                  " const el = all[all.length - 1]; if (!el) return false; el.click(); return true })()")
        return bool(self.evaluate(script))

    def screenshot(self, path: Path) -> None:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        path.write_bytes(base64.b64decode(data))


@contextmanager
def chromium_page() -> Iterator[Page]:
    """One headless Chromium with a fresh profile; always terminated, profile removed."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    process = subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", "about:blank"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port = _devtools_port(process, Path(profile))
        targets = httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=10).json()
        address = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        with connect(address, max_size=64 * 1024 * 1024, open_timeout=30) as socket:
            page = Page(socket)
            page.call("Page.enable")
            yield page
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        shutil.rmtree(profile, ignore_errors=True)


def _devtools_port(process: subprocess.Popen[bytes], profile: Path) -> int:
    """Chromium writes the port it picked to DevToolsActivePort in its profile directory."""
    marker = profile / "DevToolsActivePort"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if marker.exists() and (lines := marker.read_text().split()):
            return int(lines[0])
        time.sleep(0.1)
    raise RuntimeError(f"chromium did not start (exit code {process.poll()})")

"""A real threaded HTTP server on loopback for the fetch tests, and a tripwire against any non-loopback traffic.

Routes map a path (with its query) to a `Reply` or to a function of the `Hit` that returns one; every request is
logged with its arrival time (server side), headers and path. A reply can stream its body in chunks with a pause
between them (a trickling server) or write raw bytes, headers included (a server slow to even answer).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass(frozen=True)
class Hit:
    path: str
    headers: dict[str, str]
    at: float  # time.monotonic() when the request line arrived


@dataclass
class Reply:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    headers: dict[str, str] = field(default_factory=dict)
    pause: float = 0.0  # seconds between streamed chunks
    raw: Iterable[bytes] | None = None  # written as is, byte strings one by one, `pause` between them


Route = Reply | Callable[[Hit], Reply]


def html_page(title: str, paragraphs: int = 12, extra_head: str = "") -> bytes:
    text = " ".join(f"{title} sentence number {i} tells readers something new about the matter at hand."
                    for i in range(8))
    body = "".join(f"<p>{text}</p>" for _ in range(paragraphs))
    return (f"<!doctype html><html><head><title>{title}</title>{extra_head}</head>"
            f"<body><article><h1>{title}</h1>{body}</article></body></html>").encode()


class Site:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.hits: list[Hit] = []
        self._lock = threading.Lock()
        self.server = _QuietServer((host, 0), _handler_for(self))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, reply: Route) -> None:
        self.routes[path] = reply

    def hits_for(self, path: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path == path]

    def pages_hit(self) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.path != "/robots.txt"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _reply_for(self, hit: Hit) -> Reply:
        with self._lock:
            self.hits.append(hit)
        route = self.routes.get(hit.path)
        if route is None:
            return Reply(404, b"not here")
        return route(hit) if callable(route) else route


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up mid-request is what half of these tests do


def _handler_for(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            hit = Hit(self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic())
            reply = site._reply_for(hit)
            try:
                self._send(reply)
            except OSError:  # the client hung up (the fetcher gave up on a slow or huge body): expected
                self.close_connection = True

        def _send(self, reply: Reply) -> None:
            if reply.raw is not None:
                for piece in reply.raw:
                    self.wfile.write(piece)
                    self.wfile.flush()
                    time.sleep(reply.pause)
                self.close_connection = True
                return
            self.send_response(reply.status)
            headers = {"Content-Type": "text/html", **reply.headers}
            streamed = not isinstance(reply.body, bytes)
            if not streamed:
                headers.setdefault("Content-Length", str(len(reply.body)))  # type: ignore[arg-type]
            elif not any(k.lower() == "content-length" for k in headers):
                headers["Connection"] = "close"
                self.close_connection = True
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            if not streamed:
                self.wfile.write(reply.body)  # type: ignore[arg-type]
                return
            for chunk in reply.body:
                self.wfile.write(chunk)
                self.wfile.flush()
                if reply.pause:
                    time.sleep(reply.pause)

    return Handler


def forbid_non_loopback(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Make any connection attempt to a non-loopback address fail the test loudly, before a packet leaves.
    Returns the list of refused addresses (empty when the code under test behaved)."""
    refused: list[object] = []
    real_connect = socket.socket.connect

    def connect(sock: socket.socket, address: object) -> None:
        if isinstance(address, tuple):
            host = str(address[0]).split("%", 1)[0]
            if not ipaddress.ip_address(host).is_loopback:
                refused.append(address)
                raise AssertionError(f"the test tried to connect to {address}: only loopback is allowed")
        real_connect(sock, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", connect)
    return refused

"""Where the fetcher may connect: only public http(s) hosts, checked at connect time on the address actually used.

A feed or a redirect can point anywhere (`http://169.254.169.254/`, `http://10.0.0.1/admin`, a name that resolves
into the private network). Checking a URL's host and then letting the HTTP library resolve it again leaves a gap
(DNS rebinding), so the check lives inside the connection: the host is resolved once, every address is checked,
and the socket is opened to the checked address while TLS still verifies the host name.

The same connection also enforces the per-response deadline, because only it holds the socket: a server that
trickles its headers or body a byte at a time is cut off when the deadline passes, whatever the read timeout.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as urllib3_connection

from ingest.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
ALLOWED_SCHEMES = ("http", "https")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Never reachable usefully, whatever the private-host setting says (0.0.0.0 even means "this host" on Linux).
_ALWAYS_REFUSED = ("multicast", "unspecified")


class UnsafeUrl(ValueError):
    """A URL or address the fetcher refuses; `reason` is a short code for the fetch record."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


@dataclass(frozen=True)
class AddressPolicy:
    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> AddressPolicy:
        networks = tuple(ipaddress.ip_network(n, strict=False) for n in settings.allowed_private_networks)
        return cls(allow_private=settings.allow_private_hosts, allowed_networks=networks)

    def refusal(self, address: IPAddress) -> str | None:
        """Why a connection to `address` is refused, or None when it is allowed."""
        problem = address_problem(address)
        if problem is None or problem.startswith(_ALWAYS_REFUSED):
            return problem
        candidates = (address, _embedded(address))
        if self.allow_private or any(a in net for net in self.allowed_networks for a in candidates):
            return None
        return problem


def _embedded(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address carries (IPv4-mapped, 6to4, NAT64, Teredo client), else itself."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if address.teredo is not None:
            return address.teredo[1]
    return address


def address_problem(address: IPAddress) -> str | None:
    """The class of a non-public address (`loopback`, `private`, ...), or None for a public unicast address."""
    inner = _embedded(address)
    for candidate in dict.fromkeys((inner, address)):
        for name in ("unspecified", "multicast", "loopback", "link_local", "private", "reserved"):
            if getattr(candidate, f"is_{name}"):
                return name if candidate is address else f"{name} (embedded in {address})"
        if not candidate.is_global:
            return "not_global"
    return None


def check_url(url: str, policy: AddressPolicy) -> tuple[str, int]:
    """Scheme and host checks that need no DNS; returns (host, port). Addresses are checked when connecting."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("malformed_url", f"cannot parse {url!r}: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeUrl("scheme", f"only http and https are fetched, not {scheme or 'a relative URL'!r}")
    host = parts.hostname
    if not host:
        raise UnsafeUrl("no_host", f"{url!r} names no host")
    if parts.username or parts.password:
        raise UnsafeUrl("credentials", "URLs carrying credentials are not fetched")
    literal = _as_address(host)
    if literal is not None and (problem := policy.refusal(literal)):
        raise UnsafeUrl(problem, f"{host} is a {problem} address")
    return host, port or (443 if scheme == "https" else 80)


def _as_address(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


def resolve_checked(host: str, port: int, policy: AddressPolicy) -> list[str]:
    """Every address `host` resolves to, refusing the host if any of them is not allowed."""
    infos = socket.getaddrinfo(host.strip("[]"), port, urllib3_connection.allowed_gai_family(), socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    for text in addresses:
        address = _as_address(text)
        problem = "unparseable" if address is None else policy.refusal(address)
        if problem:
            raise UnsafeUrl(problem, f"{host} resolves to {text}, a {problem} address")
    return addresses


# --- the per-response deadline --------------------------------------------------------------------------------

_deadline = threading.local()


@contextmanager
def response_deadline(seconds: float) -> Iterator[float]:
    """Within this block, every request this thread sends is cut off `seconds` from now (yields the deadline)."""
    _deadline.at = time.monotonic() + seconds
    _deadline.timers = []
    try:
        yield _deadline.at
    finally:
        for timer in _deadline.timers:
            timer.cancel()
        _deadline.at = None
        _deadline.timers = []


def _arm_deadline(connection: HTTPConnection) -> None:
    at = getattr(_deadline, "at", None)
    if at is None:
        return
    timer = threading.Timer(max(0.0, at - time.monotonic()), _abort, args=(connection,))
    timer.daemon = True
    timer.start()
    _deadline.timers.append(timer)


def _abort(connection: HTTPConnection) -> None:
    sock = connection.sock
    if sock is not None:
        with suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)  # wakes the reading thread; the response then fails or ends short


# --- connections that only open sockets to checked addresses ---------------------------------------------------

class _GuardMixin:
    policy: ClassVar[AddressPolicy] = AddressPolicy()
    host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any
    _dns_host: str

    def _new_conn(self) -> socket.socket:
        try:
            addresses = resolve_checked(self._dns_host, self.port, self.policy)
        except socket.gaierror as exc:
            raise NameResolutionError(self.host, self, exc) from exc  # type: ignore[arg-type]
        error: OSError | None = None
        for address in addresses:
            try:
                return urllib3_connection.create_connection(
                    (address, self.port), self.timeout, source_address=self.source_address,
                    socket_options=self.socket_options)
            except TimeoutError as exc:
                raise ConnectTimeoutError(self, f"connecting to {self.host} ({address}) timed out") from exc
            except OSError as exc:
                error = exc
        raise NewConnectionError(self, f"Failed to establish a new connection: {error}")  # type: ignore[arg-type]

    def request(self, *args: Any, **kwargs: Any) -> None:
        _arm_deadline(self)  # type: ignore[arg-type]
        super().request(*args, **kwargs)  # type: ignore[misc]


class GuardedHTTPConnection(_GuardMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardMixin, HTTPSConnection):
    pass


@lru_cache(maxsize=16)
def _pool_classes(policy: AddressPolicy) -> dict[str, type[HTTPConnectionPool]]:
    http_conn = type("PolicyHTTPConnection", (GuardedHTTPConnection,), {"policy": policy})
    https_conn = type("PolicyHTTPSConnection", (GuardedHTTPSConnection,), {"policy": policy})
    return {
        "http": type("GuardedHTTPConnectionPool", (HTTPConnectionPool,), {"ConnectionCls": http_conn}),
        "https": type("GuardedHTTPSConnectionPool", (HTTPSConnectionPool,), {"ConnectionCls": https_conn}),
    }


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections refuse addresses the policy does not allow, and never use proxies."""

    def __init__(self, policy: AddressPolicy, **kwargs: Any) -> None:
        self.policy = policy
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self.policy)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        raise UnsafeUrl("proxy", "fetching through a proxy would bypass the address checks")

"""Fetch only what changed: conditional requests from stored validators, and hosts whose validators lie.

A host is trusted until it shows that its validators do not describe its content:
- the same strong ETag served for different content (a check request, sent unconditionally every Nth time,
  finds the body changed under the ETag we hold): its 304s cannot be believed, so it is distrusted at once;
- a new ETag (or Last-Modified) on every request while the body stays byte-identical: the validators are noise,
  so after `strikes` such answers the host is distrusted.
A distrusted host gets plain GETs; the body hash then decides whether anything changed.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ingest.models import Record


class StoredValidators(Record):
    """What the last successful fetch of a URL left behind."""

    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None


@dataclass
class HostTrust:
    trusted: bool = True
    strikes: int = 0
    since_check: int = 0
    reason: str = ""


class ValidatorTrust:
    """Per-host trust in ETag/Last-Modified; thread-safe, loaded from and saved to `host_validator_trust`."""

    def __init__(self, strikes: int, verify_every: int, hosts: dict[str, HostTrust] | None = None) -> None:
        self.strikes_limit, self.verify_every = strikes, verify_every
        self._hosts: dict[str, HostTrust] = dict(hosts or {})
        self._lock = threading.Lock()

    def state(self, host: str) -> HostTrust:
        with self._lock:
            current = self._hosts.get(host, HostTrust())
            return HostTrust(current.trusted, current.strikes, current.since_check, current.reason)

    def snapshot(self) -> dict[str, HostTrust]:
        with self._lock:
            return {h: HostTrust(s.trusted, s.strikes, s.since_check, s.reason) for h, s in self._hosts.items()}

    def request_headers(self, host: str, stored: StoredValidators | None) -> dict[str, str]:
        """Conditional headers for this request, or none (no validators, host distrusted, or a check request)."""
        if stored is None or not (stored.etag or stored.last_modified):
            return {}
        with self._lock:
            state = self._hosts.setdefault(host, HostTrust())
            if not state.trusted:
                return {}
            if state.since_check + 1 >= self.verify_every:
                state.since_check = 0
                return {}
            state.since_check += 1
        headers = {}
        if stored.etag:
            headers["If-None-Match"] = stored.etag
        if stored.last_modified:
            headers["If-Modified-Since"] = stored.last_modified
        return headers

    def observe(self, host: str, stored: StoredValidators | None, status: int | None, etag: str | None,
                last_modified: str | None, body_sha256: str | None) -> None:
        """Learn from a 200 answer for a URL whose previous content we know."""
        if stored is None or stored.body_sha256 is None or status != 200 or body_sha256 is None:
            return
        same_body = body_sha256 == stored.body_sha256
        with self._lock:
            state = self._hosts.setdefault(host, HostTrust())
            if not state.trusted:
                return
            if not same_body and etag and stored.etag == etag and not etag.startswith("W/"):
                self._distrust(state, "the same ETag was served for changed content, so its 304s are unreliable")
            elif same_body and ((etag and stored.etag and etag != stored.etag) or
                                (last_modified and stored.last_modified and last_modified != stored.last_modified)):
                state.strikes += 1
                if state.strikes >= self.strikes_limit:
                    self._distrust(state, f"validators changed {state.strikes} times while the content did not")

    @staticmethod
    def _distrust(state: HostTrust, reason: str) -> None:
        state.trusted, state.reason = False, reason

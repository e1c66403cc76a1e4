"""Address policy: which addresses are refused, and that a refused host is never connected to.

Addresses other than loopback appear here only as values to classify: nothing connects to them (the tripwire
fixture fails the test if anything tries).
"""

from __future__ import annotations

import ipaddress

import pytest
import requests

from ingest.fetch.netsafety import (
    AddressPolicy,
    GuardedAdapter,
    UnsafeUrl,
    address_problem,
    check_url,
    resolve_checked,
)
from tests.support.fetch_site import Reply, Site

pytestmark = pytest.mark.usefixtures("loopback_only")  # fixtures in tests/conftest.py


@pytest.mark.parametrize(("address", "problem"), [
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"),
    ("127.0.0.1", "loopback"), ("127.8.9.10", "loopback"), ("169.254.169.254", "link_local"),
    ("224.0.0.251", "multicast"), ("0.0.0.0", "unspecified"), ("100.64.0.1", "not_global"),
    ("240.0.0.1", "private"), ("::1", "loopback"), ("fe80::1", "link_local"), ("fd12:3456::1", "private"),
    ("ff02::1", "multicast"), ("::", "unspecified"),
    ("::ffff:10.0.0.1", "private (embedded"), ("::ffff:127.0.0.1", "loopback (embedded"),
    ("::ffff:169.254.169.254", "link_local (embedded"), ("2002:a00:1::1", "private (embedded"),
    ("64:ff9b::a9fe:a9fe", "link_local (embedded"),
])
def test_non_public_addresses_are_classified(address: str, problem: str) -> None:
    found = address_problem(ipaddress.ip_address(address))
    assert found is not None and found.startswith(problem)


@pytest.mark.parametrize("address", ["93.184.215.14", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(ipaddress.ip_address(address)) is None


def test_the_private_host_setting_and_the_allow_list() -> None:
    loopback, private = ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("10.0.0.5")
    assert AddressPolicy().refusal(loopback) == "loopback"
    assert AddressPolicy(allow_private=True).refusal(private) is None
    only_mirror = AddressPolicy(allowed_networks=(ipaddress.ip_network("10.0.0.0/29"),))
    assert only_mirror.refusal(private) is None and only_mirror.refusal(loopback) == "loopback"
    assert only_mirror.refusal(ipaddress.ip_address("::ffff:10.0.0.5")) is None
    # even allowed private hosts never make multicast or the unspecified address reachable
    assert AddressPolicy(allow_private=True).refusal(ipaddress.ip_address("0.0.0.0")) == "unspecified"


@pytest.mark.parametrize(("url", "reason"), [
    ("file:///etc/passwd", "scheme"), ("ftp://example.com/x", "scheme"), ("gopher://example.com/", "scheme"),
    ("/relative/path", "scheme"), ("http:///nohost", "no_host"), ("http://user:pw@example.com/", "credentials"),
    ("http://169.254.169.254/latest", "link_local"), ("http://[::ffff:7f00:1]/", "loopback (embedded"),
    ("http://example.com:99999/", "malformed_url"),
])
def test_urls_refused_without_any_lookup(url: str, reason: str) -> None:
    with pytest.raises(UnsafeUrl) as caught:
        check_url(url, AddressPolicy())
    assert caught.value.reason.startswith(reason)


def test_a_public_looking_name_is_checked_on_what_it_resolves_to() -> None:
    with pytest.raises(UnsafeUrl) as caught:
        resolve_checked("localhost", 80, AddressPolicy())
    assert caught.value.reason == "loopback"
    assert all(ipaddress.ip_address(a).is_loopback
               for a in resolve_checked("localhost", 80, AddressPolicy(allow_private=True)))


def test_the_guarded_session_refuses_before_connecting(site: Site) -> None:
    site.route("/", Reply(200, b"hello"))
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", GuardedAdapter(AddressPolicy()))
    for url in (site.url("/"), f"http://localhost:{site.port}/"):
        with pytest.raises(UnsafeUrl):
            session.get(url, timeout=2)
    assert site.hits == []  # refused at resolution: the server never saw a connection, let alone a request

    session.mount("http://", GuardedAdapter(AddressPolicy(allow_private=True)))
    assert session.get(site.url("/"), timeout=2).content == b"hello"


def test_the_adapter_never_uses_a_proxy() -> None:
    session = requests.Session()
    session.mount("http://", GuardedAdapter(AddressPolicy(allow_private=True)))
    with pytest.raises(UnsafeUrl):
        session.get("http://127.0.0.1:9/", proxies={"http": "http://127.0.0.1:3128"}, timeout=2)

"""Trust in a host's validators, on its own: conditional headers, the periodic check request, and distrust when
the validators stop describing the content (the fetcher round trips are in test_client.py)."""

from __future__ import annotations

import threading

from ingest.fetch.validators import HostTrust, StoredValidators, ValidatorTrust

HOST = "news.example"
STORED = StoredValidators(etag='"v1"', last_modified="Mon, 06 May 2024 08:00:00 GMT", body_sha256="a" * 64)


def test_a_trusted_host_gets_both_conditional_headers() -> None:
    trust = ValidatorTrust(strikes=3, verify_every=10)
    assert trust.request_headers(HOST, STORED) == {"If-None-Match": '"v1"',
                                                   "If-Modified-Since": "Mon, 06 May 2024 08:00:00 GMT"}
    assert trust.request_headers(HOST, StoredValidators(etag='"v1"')) == {"If-None-Match": '"v1"'}


def test_no_stored_validators_means_a_plain_get() -> None:
    trust = ValidatorTrust(strikes=3, verify_every=10)
    assert trust.request_headers(HOST, None) == {}
    assert trust.request_headers(HOST, StoredValidators(body_sha256="a" * 64)) == {}


def test_every_nth_request_is_an_unconditional_check() -> None:
    trust = ValidatorTrust(strikes=3, verify_every=4)
    sent = [bool(trust.request_headers(HOST, STORED)) for _ in range(8)]
    assert sent == [True, True, True, False, True, True, True, False]


def test_the_same_strong_etag_on_changed_content_distrusts_the_host_at_once() -> None:
    trust = ValidatorTrust(strikes=3, verify_every=10)
    trust.observe(HOST, STORED, 200, '"v1"', None, "b" * 64)
    state = trust.state(HOST)
    assert not state.trusted and "same ETag" in state.reason
    assert trust.request_headers(HOST, STORED) == {}  # plain GETs from now on; the body hash decides
    assert trust.state("other.example").trusted  # trust is per host


def test_a_weak_etag_on_changed_content_is_not_a_lie() -> None:
    trust = ValidatorTrust(strikes=3, verify_every=10)
    weak = StoredValidators(etag='W/"v1"', body_sha256="a" * 64)
    trust.observe(HOST, weak, 200, 'W/"v1"', None, "b" * 64)
    assert trust.state(HOST) == HostTrust(trusted=True)


def test_new_validators_on_the_same_body_strike_until_the_limit() -> None:
    trust = ValidatorTrust(strikes=3, verify_every=10)
    for number in range(1, 3):
        trust.observe(HOST, STORED, 200, f'"v1-{number}"', None, "a" * 64)
        assert trust.state(HOST).trusted and trust.state(HOST).strikes == number
    trust.observe(HOST, STORED, 200, None, "Tue, 07 May 2024 08:00:00 GMT", "a" * 64)
    state = trust.state(HOST)
    assert not state.trusted and state.strikes == 3 and "changed 3 times" in state.reason


def test_answers_that_teach_nothing_change_nothing() -> None:
    trust = ValidatorTrust(strikes=1, verify_every=10)
    trust.observe(HOST, STORED, 304, '"v2"', None, None)  # not a 200
    trust.observe(HOST, StoredValidators(etag='"v1"'), 200, '"v2"', None, "a" * 64)  # no previous body known
    trust.observe(HOST, STORED, 200, '"v1"', None, "a" * 64)  # same validators, same body: all is well
    assert trust.state(HOST) == HostTrust(trusted=True)


def test_state_and_snapshot_are_copies_and_saved_state_is_restored() -> None:
    trust = ValidatorTrust(strikes=2, verify_every=10, hosts={HOST: HostTrust(trusted=True, strikes=1)})
    copy = trust.state(HOST)
    copy.trusted = False
    assert trust.state(HOST).trusted
    trust.observe(HOST, STORED, 200, '"v9"', None, "a" * 64)  # the restored strike plus this one: the limit
    assert not trust.snapshot()[HOST].trusted


def test_concurrent_requests_count_check_requests_exactly() -> None:
    trust = ValidatorTrust(strikes=3, verify_every=5)
    plain: list[int] = []

    def fetch_many() -> None:
        plain.append(sum(not trust.request_headers(HOST, STORED) for _ in range(250)))

    threads = [threading.Thread(target=fetch_many) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(plain) == 1000 // 5  # one check request in five, however the threads interleave

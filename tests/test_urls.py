"""URL canonicalisation: tracking, AMP and mobile variants of one page share a key; different pages do not."""

from __future__ import annotations

import pytest

from ingest.urls import canonical_url_for, canonicalize_url, host_of

STORY = "https://example.com/news/2025/storm-hits-coast"


@pytest.mark.parametrize("variant", [
    "https://example.com/news/2025/storm-hits-coast",
    "HTTP://WWW.Example.COM/news/2025/storm-hits-coast/",
    "https://www.example.com:443/news/2025/storm-hits-coast#comments",
    "https://example.com/news/2025/storm-hits-coast?utm_source=twitter&utm_medium=social&utm_campaign=x",
    "https://example.com/news/2025/storm-hits-coast?fbclid=IwAR0abc&gclid=Cj0K&mc_cid=9f&mc_eid=1a&_ga=2.1",
    "https://example.com/news/2025/storm-hits-coast/amp/",
    "https://example.com/news/2025/storm-hits-coast?amp=1",
    "https://example.com/amp/news/2025/storm-hits-coast",
    "https://amp.example.com/news/2025/storm-hits-coast",
    "https://m.example.com/news/2025/storm-hits-coast",
    "https://example-com.cdn.ampproject.org/c/s/example.com/news/2025/storm-hits-coast",
    "https://www.google.com/amp/s/www.example.com/news/2025/storm-hits-coast/amp",
])
def test_variants_of_one_page_share_a_canonical_url(variant: str) -> None:
    assert canonicalize_url(variant) == STORY


def test_amp_html_suffix_maps_to_the_html_page() -> None:
    assert canonicalize_url("https://example.com/a/story.amp.html") == "https://example.com/a/story.html"


def test_remaining_parameters_are_kept_and_sorted() -> None:
    assert canonicalize_url("https://example.com/article.php?page=2&id=77&utm_source=x") == \
        "https://example.com/article.php?id=77&page=2"


@pytest.mark.parametrize(("a", "b"), [
    ("https://example.com/article.php?id=77", "https://example.com/article.php?id=78"),
    ("https://example.com/game?gameid=1&source=feed", "https://example.com/game?gameid=2&source=feed"),
    ("https://example.com/News/Story", "https://example.com/news/story"),  # paths are case-sensitive
    ("https://example.com/a", "https://example.org/a"),
    ("https://example.com:8080/a", "https://example.com/a"),
])
def test_different_pages_keep_different_keys(a: str, b: str) -> None:
    assert canonicalize_url(a) != canonicalize_url(b)


@pytest.mark.parametrize("bad", ["mailto:desk@example.com", "/relative/path", "ftp://example.com/file", ""])
def test_non_http_urls_are_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        canonicalize_url(bad)


def test_declared_canonical_wins_then_og_url_then_the_given_url() -> None:
    given = "https://partner.example/news/storm?utm_source=rss"
    assert canonical_url_for(given, STORY, "https://other.example/x") == STORY
    assert canonical_url_for(given, None, STORY + "/amp") == STORY
    assert canonical_url_for(given, None, None) == "https://partner.example/news/storm"
    assert canonical_url_for(None, None, None) is None


def test_relative_and_broken_declarations_are_resolved_or_ignored() -> None:
    given = "https://example.com/news/2025/storm-hits-coast?utm_source=x"
    assert canonical_url_for(given, "/news/2025/storm-hits-coast/", None) == STORY
    assert canonical_url_for(given, "javascript:void(0)", None) == STORY


def test_a_deep_page_declaring_the_home_page_keeps_its_own_url() -> None:
    """A template bug on some sites: every article's rel=canonical is the home page. Trusting it would make
    every article of the site a version of one page."""
    assert canonical_url_for(STORY, "https://example.com/", None) == STORY
    assert canonical_url_for("https://example.com/", "https://example.com/", None) == "https://example.com/"


def test_host_of_drops_www() -> None:
    assert host_of("https://www.example.com/a") == "example.com"
    assert host_of(None) is None

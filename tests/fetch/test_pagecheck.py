"""The page check on bytes: verdicts are flags; the text's length decides between a teaser and a full text."""

from __future__ import annotations

from ingest.fetch.pagecheck import page_problem

NOT_FREE = b'<script type="application/ld+json">{"@type": "NewsArticle", "IsAccessibleForFree": "False"}</script>'
PROSE = b"<p>" + b"The harbour reopened on Tuesday after the repairs to the quay were finished. " * 30 + b"</p>"


def test_a_declared_paywall_is_a_teaser_or_a_full_text_by_its_length() -> None:
    page = b"<html><head>" + NOT_FREE + b"</head><body><article>" + PROSE + b"</article></body></html>"
    assert page_problem({}, page)[0] == "paywall_declared"  # type: ignore[index]
    assert page_problem({}, page, text_words=60) == ("paywalled",
                                                     "isAccessibleForFree: false and only 60 extracted words")
    assert page_problem({}, page.replace(PROSE, b"<p>Two lines.</p>")) == (
        "paywalled", "isAccessibleForFree: false and only 2 words of paragraphs")


def test_paywall_markup_flags_only_a_teaser_and_a_free_page_is_no_problem() -> None:
    teaser = b'<html><body><p>The first lines.</p><div class="Paywall-Box">Subscribe</div></body></html>'
    assert page_problem({}, teaser)[0] == "paywalled"  # type: ignore[index]
    assert page_problem({}, teaser.replace(b"<p>The first lines.</p>", PROSE)) is None
    assert page_problem({}, b"<html><body>" + PROSE + b"<script src='/a.js'></script></body></html>") is None


def test_a_bot_wall_and_a_shell_are_recognised_case_insensitively() -> None:
    wall = b"<html><head><title>Just a Moment...</title></head><body>Checking your browser</body></html>"
    assert page_problem({}, wall)[0] == "blocked"  # type: ignore[index]
    assert page_problem({"cf-mitigated": "challenge"}, PROSE)[0] == "blocked"  # type: ignore[index]
    shell = b'<html><body><div id="root"></div><SCRIPT src="/app.js"></SCRIPT></body></html>'
    assert page_problem({}, shell)[0] == "js_required"  # type: ignore[index]
    assert page_problem({}, shell, text_words=300) is None  # an extracted article is no empty shell

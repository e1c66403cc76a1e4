"""Publication dates: the original publication before any revision, plausibility, time and zone, the source."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import lxml.html

from ingest.extract.page_dates import Published, day_in, find_published, parse_timestamp, plausible
from ingest.extract.page_metadata import json_ld_entities, meta_tags, read_page_metadata
from tests.support.pages import PARAGRAPHS

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _page(head: str = "", article: str = "") -> lxml.html.HtmlElement:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return lxml.html.fromstring(f"<html><head>{head}</head><body><nav>Home</nav><article><h1>Tram vote</h1>"
                                f"{article}{body}</article><footer>Copyright 2019</footer></body></html>")


def _ld(**fields: object) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **fields})}</script>'


def _published(tree: lxml.html.HtmlElement, url: str | None = None) -> Published | None:
    entities = json_ld_entities(tree)
    article: dict[str, Any] = next((e for e in entities if e.get("@type") == "NewsArticle"), {})
    scope = next(tree.iter("article"))
    return find_published(tree, article, entities, meta_tags(tree), url, scope, now=NOW)


def test_the_declared_publication_wins_over_a_later_modification() -> None:
    head = (_ld(datePublished="2019-04-02T09:15:00+02:00", dateModified="2025-10-01T08:00:00+00:00")
            + '<meta property="article:modified_time" content="2025-10-01T08:00:00+00:00">')
    found = _published(_page(head, "<p>Updated on 1 October 2025</p>"))
    assert found is not None and found.day == date(2019, 4, 2) and found.source == "jsonld:datePublished"
    assert found.time == datetime(2019, 4, 2, 9, 15, tzinfo=timezone(timedelta(hours=2)))


def test_a_published_meta_tag_comes_before_generic_dates_and_keeps_its_zone() -> None:
    head = ('<meta name="date" content="2016-07-01">'
            '<meta property="article:published_time" content="2024-10-08T23:30:00-05:00">')
    found = _published(_page(head))
    assert found is not None and found.source == "meta:article:published_time"
    assert found.day == date(2024, 10, 8)  # the day in the page's own zone, not in UTC (the 9th)
    assert found.time is not None and found.time.astimezone(UTC) == datetime(2024, 10, 9, 4, 30, tzinfo=UTC)


def test_implausible_dates_are_passed_over() -> None:
    head = _ld(datePublished="2031-01-01") + '<meta property="article:published_time" content="1970-01-01T00:00:00Z">'
    found = _published(_page(head), url="https://news.example.com/2024/03/05/tram-vote")
    assert found is not None and (found.day, found.source) == (date(2024, 3, 5), "htmldate")


def test_a_day_stated_in_the_article_text_is_found_but_a_bare_year_is_not() -> None:
    further_down = "<p>The vote was close.</p>" * 14  # out of the byline's reach under the headline
    stated = _published(_page(article=f"{further_down}<p>Jane Roe reported this on 14 March 2024 for the desk.</p>"))
    assert stated is not None and (stated.day, stated.source) == (date(2024, 3, 14), "htmldate:article_text")
    assert _published(_page(article="<p>Best tram rides of 2024</p>")) is None


def test_a_day_without_a_time_or_a_time_without_a_zone_gives_no_instant() -> None:
    assert parse_timestamp("2024-03-05") == (date(2024, 3, 5), None)
    assert parse_timestamp("2024-03-05T10:00:00") == (date(2024, 3, 5), None)
    assert parse_timestamp("2024/03/05 10:00") == (date(2024, 3, 5), None)
    assert parse_timestamp("Tue, 05 Mar 2024 10:00:00 GMT") == (date(2024, 3, 5),
                                                                 datetime(2024, 3, 5, 10, tzinfo=UTC))
    assert parse_timestamp("last week") is None and parse_timestamp("2024-02-30") is None


def test_plausibility_bounds() -> None:
    assert plausible(date(1995, 1, 1), NOW) and plausible(date(2026, 12, 1), NOW)  # a day of clock slack
    assert not plausible(date(1994, 12, 31), NOW) and not plausible(date(2026, 12, 2), NOW)


def test_page_metadata_carries_the_date_and_its_source() -> None:
    page = read_page_metadata(_page(_ld(datePublished="2024-03-05T10:00:00Z")), "https://news.example.com/x")
    assert page.published is not None and page.published.source == "jsonld:datePublished"
    assert page.published.time == datetime(2024, 3, 5, 10, tzinfo=UTC)


def test_a_utc_timestamp_one_day_after_the_url_date_gives_the_url_day_and_keeps_the_instant() -> None:
    head = '<meta property="article:published_time" content="2025-12-19T02:41:41+00:00">'
    found = _published(_page(head), url="https://blog.example.org/2025/12/18/night-trams/")
    assert found is not None and found.day == date(2025, 12, 18)
    assert found.time == datetime(2025, 12, 19, 2, 41, 41, tzinfo=UTC)
    far = _published(_page(head), url="https://blog.example.org/2025/12/10/night-trams/")
    assert far is not None and far.day == date(2025, 12, 19)  # not a zone shift: the declared day stands
    plain = _published(_page(head), url="https://blog.example.org/night-trams/")
    assert plain is not None and plain.day == date(2025, 12, 19)


def test_a_written_out_day_counts_in_a_meta_tag_but_not_in_json_ld() -> None:
    found = _published(_page('<meta name="published" content="July 17, 2025">'))
    assert found is not None and (found.day, found.source) == (date(2025, 7, 17), "meta:published")
    assert parse_timestamp("17 Jul 2025") is None  # the strict reader stays strict
    from_ld = _published(_page(_ld(datePublished="Jun 24, 2025"), "<p>Posted on <time>2024-08-25</time></p>"))
    assert from_ld is None or from_ld.day != date(2025, 6, 24)


def test_a_page_without_an_article_element_is_searched_whole_for_a_stated_day() -> None:
    html = ("<html><body><div class='post'><h2>Tram vote</h2><p>Posted on March 3, 2025 by the desk.</p>"
            + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div></body></html>")
    tree = lxml.html.fromstring(html)
    found = find_published(tree, {}, [], {}, None, tree, now=NOW)
    assert found is not None and (found.day, found.source) == (date(2025, 3, 3), "htmldate:page_text")


def test_a_day_written_in_the_byline_under_the_headline_when_nothing_else_states_one() -> None:
    html = ("<html><body><div><h1>Tram vote</h1><p>Updated 2 January 2026</p>"
            "<p><span>Last reviewed</span> <span>5 January 2026</span></p><p>by Ana Lima, 20 December 2025</p>"
            "</div><p>The council met at noon.</p></body></html>")
    tree = lxml.html.fromstring(html)
    text_without_dates = tree.find(".//body/p")  # htmldate's text search, given only this, finds nothing
    found = find_published(tree, {}, [], {}, None, text_without_dates, now=NOW)
    assert found is not None and (found.day, found.source) == (date(2025, 12, 20), "byline")


def test_the_byline_day_under_the_headline_comes_before_htmldates_reading_of_the_page() -> None:
    html = ("<html><body><article><h1>Tram vote</h1><p>by Ana Lima, 9 March 2026</p><p>The council met at noon.</p>"
            "</article><footer><p>Offer ends <time datetime='2026-09-03'>3 September</time></p></footer>"
            "</body></html>")
    tree = lxml.html.fromstring(html)
    found = find_published(tree, {}, [], {}, None, next(tree.iter("article")), now=NOW)
    assert found is not None and (found.day, found.source) == (date(2026, 3, 9), "byline")
    declared = find_published(tree, {}, [], {"article:published_time": "2026-03-08T22:00:00+00:00"}, None,
                              next(tree.iter("article")), now=NOW)
    assert declared is not None and declared.source == "meta:article:published_time"  # declared comes first


def test_a_dateline_just_above_the_headline_when_none_is_under_it() -> None:
    html = ("<html><body><article><p class='kicker'>Transport</p><p>March 9, 2026</p><h1>Tram vote</h1>"
            "<p>The council met at noon.</p></article></body></html>")
    tree = lxml.html.fromstring(html)
    found = find_published(tree, {}, [], {}, None, tree.find(".//article/p[3]"), now=NOW)
    assert found is not None and (found.day, found.source) == (date(2026, 3, 9), "byline")


def test_an_iso_day_in_the_byline_counts_but_not_a_number_that_merely_looks_like_one() -> None:
    html = ("<html><body><article><h1>Tram vote</h1><p>Ref 12025-01-01-7</p><p>Ana Lima · 2025-12-19</p>"
            "<p>The council met at noon.</p></article></body></html>")
    tree = lxml.html.fromstring(html)
    found = find_published(tree, {}, [], {}, None, tree.find(".//article/p[3]"), now=NOW)
    assert found is not None and (found.day, found.source) == (date(2025, 12, 19), "byline")


def test_htmldates_reading_that_is_the_declared_revision_is_no_publication() -> None:
    # The page declares only when it was modified; htmldate falls back to that day. A stated byline day still counts.
    head = '<meta property="article:modified_time" content="2026-02-24T15:17:17+00:00">'
    revised_only = _published(_page(head), url="https://news.example.com/best-trams/")
    assert revised_only is None
    bylined = _published(_page(head, "<p>by Ana Lima, 8 November 2018</p>"))
    assert bylined is not None and (bylined.day, bylined.source) == (date(2018, 11, 8), "byline")
    # Without the declared revision the same meta-less page still gets the day of its <time>.
    timed = _published(_page(article="<p>Posted <time datetime='2024-03-05'>5 March</time></p>"))
    assert timed is not None and timed.day == date(2024, 3, 5)


def test_a_page_that_declares_only_a_revision_is_not_searched_for_a_day_in_its_text() -> None:
    further_down = "<p>The vote was close.</p>" * 14  # out of the byline's reach under the headline
    article = f"{further_down}<p>Jane Roe reported this on 14 March 2024 for the desk.</p>"
    head = _ld(dateModified="2025-12-18T10:00:00+00:00")
    assert _published(_page(head, article)) is None
    stated = _published(_page(article=article))  # the same text without a declared revision
    assert stated is not None and stated.day == date(2024, 3, 14)


def _byline_day(byline: str) -> Published | None:
    html = (f"<html><body><article><h1>Tram vote</h1><p>{byline}</p><p>The council met at noon.</p></article>"
            "</body></html>")
    tree = lxml.html.fromstring(html)
    return find_published(tree, {}, [], {}, None, tree.find(".//article/p[2]"), now=NOW)


def _under_headline(block: str) -> Published | None:
    html = f"<html><body><main><h1>Jan's workshop</h1>{block}<p>More below.</p></main></body></html>"
    tree = lxml.html.fromstring(html)
    return find_published(tree, {}, [], {}, None, tree.find(".//main"), now=NOW, declares_article=False)


def test_a_list_of_dated_items_under_the_headline_is_no_byline_but_a_byline_set_out_as_a_list_is() -> None:
    posts = ("<ul><li><a href='/joints/'>First wooden finger joint</a> <span>Sunday, 31 March 2019</span></li>"
             "<li><a href='/saw/'>Bought a saw</a> <span>Friday, 15 March 2019</span></li></ul>")
    assert _under_headline(posts) is None  # a blog's front page: each post's day, none of them the page's
    byline = ("<ul class='meta'><li>by <a href='/jan/'>Jan</a></li><li>Published 3 May 2019</li>"
              "<li>Updated 1 March 2025</li></ul>")
    found = _under_headline(byline)
    assert found is not None and (found.day, found.source) == (date(2019, 5, 3), "byline")


def test_a_day_htmldate_finds_that_the_page_labels_an_update_anywhere_is_no_publication() -> None:
    def found(stamp: str) -> Published | None:
        further_down = "<p>Brush twice a day.</p>" * 14  # out of the byline's reach under the headline
        html = (f"<html><body><main><h1>Oral health</h1>{further_down}</main>"
                f"<footer><div>{stamp}<time datetime='2025-04-14T12:00:00Z'>April 2025</time></div></footer>"
                "</body></html>")
        tree = lxml.html.fromstring(html)
        return find_published(tree, {}, [], {}, None, tree.find(".//main"), now=NOW, declares_article=False)

    plain = found("Filed ")
    assert plain is not None and (plain.day, plain.source) == (date(2025, 4, 14), "htmldate")
    assert found("Date Last Reviewed: ") is None  # the page's maintenance stamp, far from the headline
    same_day = found("Created 14 April 2025. Edited ")  # a wiki's page, edited the day it was made
    assert same_day is not None and same_day.day == date(2025, 4, 14)
    assert found("Corona-Update ") is not None  # a menu link's compound word labels no day


def test_a_dateline_after_a_menu_link_ending_in_update_is_read() -> None:
    tree = lxml.html.fromstring("<html><body><nav><a>Liveticker</a><a>Corona-Update</a></nav><header><small>"
                                "31.01.2022 2. HBL</small><h1>Neuer Cheftrainer</h1></header><p>Der Verein meldet."
                                "</p></body></html>")
    found = find_published(tree, {}, [], {}, None, tree, now=NOW, declares_article=False)
    assert found is not None and (found.day, found.source) == (date(2022, 1, 31), "byline")


def test_a_day_in_digits_is_read_only_when_the_order_is_unambiguous() -> None:
    assert day_in("Updated: 10/31/2024") == date(2024, 10, 31)
    assert day_in("Publié le 31/10/2024") == date(2024, 10, 31)
    assert day_in("Updated: 6/2/2025") is None  # June or February only by the site's convention
    assert day_in("Updated: 10/31/2024") is not None and day_in("version 1/31/20245") is None


def test_a_bare_web_page_stamp_the_page_never_shows_is_no_publication() -> None:
    def found(text: str, *others: dict[str, Any], author: object = None) -> Published | None:
        page = {"@type": "WebPage", "datePublished": "2021-11-04T10:00:00+00:00", "author": author}
        head = f'<script type="application/ld+json">{json.dumps(page)}</script>'  # htmldate reads it too
        tree = lxml.html.fromstring(f"<html><head>{head}</head><body><main><h1>Graphic design courses</h1>"
                                    f"<p>{text}</p>{''.join(f'<p>{p}</p>' for p in PARAGRAPHS)}</main></body></html>")
        return find_published(tree, page, [page, *others], {}, None, tree.find(".//main"), now=NOW,
                              declares_article=False)

    assert found("Enrol in any of our courses.") is None  # a service page's creation day, shown nowhere
    shown = found("Our catalogue for the year, as of 4 November 2021, lists twelve courses.")
    assert shown is not None and (shown.day, shown.source) == (date(2021, 11, 4), "jsonld:datePublished")
    person = found("Enrol in any of our courses.", {"@type": "Person", "name": "Ana Lima"})
    assert person is not None and person.day == date(2021, 11, 4)
    named = found("Enrol in any of our courses.", author={"@type": "Person", "name": "Ana Lima"})
    assert named is not None and named.day == date(2021, 11, 4)
    assert found("Enrol in any of our courses.", author={"@type": "Organization", "name": "Tech U"}) is None


def test_a_byline_that_names_both_days_gives_the_publication_not_the_revision() -> None:
    for line in ("Published 3 May 2019 · Updated 1 March 2025", "Last update: 1 March 2025, first published 3 May 2019",
                 "3 May 2019 (revised 1 March 2025)"):
        found = _byline_day(line)
        assert found is not None and (found.day, found.source) == (date(2019, 5, 3), "byline"), line
    for line in ("Last update: 1 March 2025", "Fact-checked 1 March 2025", "Aktualisiert: 1 March 2025"):
        found = _byline_day(line)  # no publication: the shown revision only as the last resort, and said so
        assert found is not None and (found.day, found.source) == (date(2025, 3, 1), "byline:revision"), line


def test_the_first_of_a_month_from_the_text_search_counts_only_when_the_text_writes_it() -> None:
    further_down = "<p>The vote was close.</p>" * 14  # out of the byline's reach under the headline
    stated = _published(_page(article=f"{further_down}<p>Jane Roe reported this on 1 March 2024 for the desk.</p>"))
    assert stated is not None and (stated.day, stated.source) == (date(2024, 3, 1), "htmldate:article_text")
    month_only = _published(_page(article=f"{further_down}<p>Jane Roe reported this in March 2024.</p>"))
    assert month_only is None


def test_a_day_the_text_search_reads_only_in_a_link_address_is_the_linked_story_not_the_publication() -> None:
    further_down = "<p>The vote was close.</p>" * 14  # out of the byline's reach under the headline
    link = '<p>See <a href="https://other.example.com/2013/04/24/how-trams-changed-cities">how trams changed</a>.</p>'
    assert _published(_page(article=f"{further_down}{link}")) is None
    written = _published(_page(article=f"{further_down}<p>Filed on 24 April 2013 by the desk.</p>{link}"))
    assert written is not None and (written.day, written.source) == (date(2013, 4, 24), "htmldate:article_text")


def test_a_byline_day_the_markup_calls_a_revision_is_passed_over_but_not_wordpress_published_updated() -> None:
    marked = _byline_day("<span class='icon-clock'></span><time itemprop='dateModified'>1 March 2025</time>")
    assert marked is None
    by_class = _byline_day("<span class='post-updated'><b>1 March 2025</b></span></p><p>by Ana Lima, 3 May 2019")
    assert by_class is not None and (by_class.day, by_class.source) == (date(2019, 5, 3), "byline")
    both = _byline_day("<time class='entry-date published updated'>3 May 2019</time>")
    assert both is not None and (both.day, both.source) == (date(2019, 5, 3), "byline")


def test_the_text_search_runs_only_on_a_page_that_declares_itself_an_article() -> None:
    further_down = "<p>The vote was close.</p>" * 14  # out of the byline's reach under the headline
    text = f"{further_down}<p>Prices were last checked on 14 March 2024 by the desk.</p>"
    url = "https://trams.example.com/guide/"
    landing = read_page_metadata(_page('<meta property="og:type" content="website">', text), url)
    assert landing.published is None  # a landing page's day deep in its text is no publication
    for declaration in ('<meta property="og:type" content="article">', _ld(headline="Tram vote")):
        article = read_page_metadata(_page(declaration, text), url)
        assert article.published is not None
        assert (article.published.day, article.published.source) == (date(2024, 3, 14), "htmldate:article_text")


def test_a_day_deep_in_a_sentence_under_the_headline_is_no_byline_but_the_dateline_above_it_is() -> None:
    html = ("<html><body><div><p>Back to blog</p><p>Dec 12, 2025</p><h1>Why trams for the night</h1>"
            "<p>The library behind the new timetable, long awaited by riders and planners alike, reached its stable "
            "release on 30 October 2025 after two years of testing.</p></div></body></html>")
    tree = lxml.html.fromstring(html)
    text_without_dates = tree.find(".//body/div/p")
    found = find_published(tree, {}, [], {}, None, text_without_dates, now=NOW)
    assert found is not None and (found.day, found.source) == (date(2025, 12, 12), "byline")


def test_a_revision_label_set_apart_from_its_day_by_a_connective_or_a_second_copy_still_labels_it() -> None:
    for byline in ("<span>Last Updated</span> <span>on</span> <span>Feb 27, 2026</span>",
                   "<span>Updated</span> <time>1 March 2025</time> <time>1 March 2025</time>"):
        found = _byline_day(byline)
        assert found is not None and found.source == "byline:revision", byline
    published = _byline_day("<span>Published</span> <span>on</span> <span>Feb 27, 2026</span>")
    assert published is not None and (published.day, published.source) == (date(2026, 2, 27), "byline")


def test_a_time_element_the_markup_calls_changed_is_a_revision_for_htmldate_too() -> None:
    # Drupal renders the revision as `field--name-changed`: neither the byline nor htmldate's reading may take it.
    changed = ('<div class="field field--name-changed"><time datetime="2026-02-12T14:36:23-05:00" '
               'class="datetime">February 12, 2026</time></div>')
    assert _published(_page(article=changed)) is None
    created = changed.replace("name-changed", "name-created")
    found = _published(_page(article=created))
    assert found is not None and found.day == date(2026, 2, 12)


def test_a_byline_day_weeks_before_the_declared_publication_is_the_original_one() -> None:
    # The system re-stamped datePublished when the story moved; the page still shows when it first ran.
    head = _ld(datePublished="2024-08-07T10:00:00+00:00")
    republished = _published(_page(head, "<p>By Ana Lima</p><p>December 30, 2013</p>"))
    assert republished is not None and (republished.day, republished.source) == (date(2013, 12, 30), "byline")
    # A day apart is the zone of a UTC stamp against the local day: the declaration stands.
    zoned = _published(_page(_ld(datePublished="2024-07-05T00:04:00+00:00"), "<p>July 4, 2024</p>"))
    assert zoned is not None and (zoned.day, zoned.source) == (date(2024, 7, 5), "jsonld:datePublished")
    # A later byline day is an unlabelled revision: the declared publication stands.
    later = _published(_page(head, "<p>By Ana Lima</p><p>March 11, 2026</p>"))
    assert later is not None and later.source == "jsonld:datePublished"


def test_a_time_element_under_the_headline_gives_its_machine_day_and_a_dotted_day_reads_day_first() -> None:
    timed = _byline_day('<time datetime="2017-03-01T12:00:00Z">03/01/2017</time> by Agatha Caleo')
    assert timed is not None and (timed.day, timed.source) == (date(2017, 3, 1), "byline")
    dotted = _byline_day("17.05.2021")
    assert dotted is not None and dotted.day == date(2021, 5, 17)
    assert _byline_day("31.02.2021") is None  # no such day


def test_a_page_that_states_no_publication_gives_the_update_its_byline_shows_as_a_last_resort() -> None:
    head = _ld(dateModified="2025-07-09T11:50:26+00:00")  # declared only as a revision
    shown = _published(_page(head, "<p>By Genevieve Carlton</p><p>Updated on</p><p>July 9, 2025</p>"))
    assert shown is not None and (shown.day, shown.source) == (date(2025, 7, 9), "byline:revision")
    assert _published(_page(head)) is None  # declared but not shown: still no date


def test_the_byline_is_read_under_the_headline_that_matches_the_declared_title_not_a_logo_h1() -> None:
    html = ("<html><head><meta property='og:title' content='The Best Trails in Houston for Biking'></head><body>"
            "<header><div><h1 class='global-logo'><a href='/'>Houstonia Magazine</a></h1></div></header>"
            "<div><a href='/eat'>Eat &amp; Drink</a> <a href='/arts'>Arts</a></div>" * 8 +
            "<article><h1>The Best Trails in Houston for Biking</h1><p>By Daniel Renfrow</p><p>April 12, 2024</p>"
            "<p>Cycling is increasingly becoming a way to see the city.</p></article></body></html>")
    tree = lxml.html.fromstring(html)
    found = find_published(tree, {}, [], meta_tags(tree), None, next(tree.iter("article")), now=NOW)
    assert found is not None and (found.day, found.source) == (date(2024, 4, 12), "byline")


def test_a_review_or_a_revision_declared_by_any_json_ld_entity_is_no_publication() -> None:
    further_down = "<p>The vote was close.</p>" * 14  # out of the byline's reach under the headline
    article = f"{further_down}<p>Checked <time datetime='2025-09-28'>28 September 2025</time></p>"
    assert _published(_page(article=article)) is not None  # htmldate reads the <time> when nothing says revision
    for declared in ({"@type": "WebPage", "dateModified": "2025-09-28T06:58:21-04:00"},
                     {"@type": "MedicalWebPage", "lastReviewed": "2025-09-28T06:58:21-04:00"}):
        head = f'<script type="application/ld+json">{json.dumps(declared)}</script>' + _ld(headline="Tram vote")
        assert _published(_page(head, article)) is None, declared


def test_a_blog_whose_h1_are_its_name_and_its_sections_reads_the_byline_under_the_site_name() -> None:
    """No <h1> shares a word with the declared title (the post's title is an <h2>): the headline found for the
    title is no anchor for the byline, and the first <h1> outside the menu (the blog's name above the post) is."""
    sections = "".join(f"<h1>Day {day}</h1><p>{PARAGRAPHS[day % len(PARAGRAPHS)]}</p>" for day in range(7, 11))
    html = ("<html><head><meta property='og:title' content='Puzzle solutions, week two'>"
            "<meta property='og:site_name' content='Ana Lima Notebook'></head><body>"
            "<nav><h1>Menu</h1>" + "".join(f"<a href='/{n}'>Topic {n}</a>" for n in range(12)) + "</nav>"
            "<div><h1>Ana Lima Notebook</h1></div>"
            "<div><h2>Puzzle solutions, week two</h2><p>20 December 2025</p>"
            f"{''.join(f'<p>{p}</p>' for p in PARAGRAPHS[:4])}{sections}</div></body></html>")
    found = read_page_metadata(lxml.html.fromstring(html), "https://notebook.example/2025/12/week-two").published
    assert found is not None and (found.day, found.source) == (date(2025, 12, 20), "byline")


def test_microdata_last_reviewed_is_a_revision_not_a_publication() -> None:
    further_down = "<p>The vote was close.</p>" * 14  # out of the byline's reach under the headline
    article = f"{further_down}<p>Checked <time datetime='2025-09-28'>28 September 2025</time></p>"
    reviewed = _page("<meta itemprop='lastReviewed' content='2025-09-28T08:00:00Z'>", article)
    assert _published(reviewed) is None
    assert _published(_page(article=article)) is not None  # the same page without the review mark


def _no_h1_page(title: str, shown: str) -> lxml.html.HtmlElement:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return lxml.html.fromstring(
        f"<html><head><title>{title} | Tram Times</title></head><body><nav>Home</nav>"
        "<aside><p>Popular</p><p>Other story, 2 January 2019</p></aside>"
        f"<div class='hero'><div class='heading'>{shown}</div><p>Ana Lima</p><p>Feb 16, 2026</p></div>"
        f"{body}</body></html>")


def test_a_page_without_h1_reads_the_byline_day_under_the_element_that_shows_its_title() -> None:
    tree = _no_h1_page("Council approves tram extension", "Council approves tram extension")
    found = read_page_metadata(tree, None).published
    assert found is not None and (found.day, found.source) == (date(2026, 2, 16), "byline")
    short = read_page_metadata(_no_h1_page("Tram vote", "Tram vote"), None).published  # < 12 characters: no anchor
    assert short is None or short.source != "byline"


def test_a_day_the_page_says_it_was_originally_published_on_wins_over_a_later_declared_one() -> None:
    head = _ld(datePublished="2022-09-30T10:00:00+10:00")
    note = "<p>This article was originally published on 26 Sep 2019 at 4:12pm but has been regularly updated.</p>"
    more = "".join(f"<p>{p}</p>" for p in PARAGRAPHS * 4)
    tree = _page(head, more + note)  # after the story, far from any byline
    found = _published(tree)
    assert found is not None and (found.day, found.source) == (date(2019, 9, 26), "text:originally_published")
    # The day may sit in a child of the label's element, and counts when nothing else states a day, on a page that
    # does not declare itself an article (whose text is not searched for a day).
    tree = _page("", more + '<p class="note">Originally published <span>November 9, 2022</span></p>')
    found = find_published(tree, {}, [], {}, None, next(tree.iter("article")), now=NOW, declares_article=False)
    assert found is not None and (found.day, found.source) == (date(2022, 11, 9), "text:originally_published")


def test_an_originally_published_day_that_is_later_ambiguous_or_only_a_month_leaves_the_declared_one() -> None:
    head = _ld(datePublished="2019-04-02")
    more = "".join(f"<p>{p}</p>" for p in PARAGRAPHS * 4)  # the notes after the story, far from any byline
    for note in ("<p>Originally published on 3 May 2021.</p>",  # later: the declaration is the original
                 "<p>Originally posted February 2017. Edited April 2024.</p>",  # a month is no day
                 "<ul><li>First published on 3 March 2018 in The Age</li>"  # two pieces, two days
                 "<li>First published on 9 July 2017 in The Herald</li></ul>",
                 "<script>var t = 'originally published on 1 January 2010';</script>",  # not visible
                 "<p>The report, first published on 3 March 2018, found ten stops unsafe.</p>"):  # a cited work's
        found = _published(_page(head, more + note))
        assert found is not None and (found.day, found.source) == (date(2019, 4, 2), "jsonld:datePublished"), note

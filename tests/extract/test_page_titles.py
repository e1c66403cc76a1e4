"""The headline: the <h1> or the declared title without the site name; a title a publisher mis-decoded, repaired."""

from __future__ import annotations

import lxml.html
import pytest

from ingest.extract.page_metadata import read_page_metadata
from ingest.extract.page_titles import hidden_by_class, in_chrome, repaired, text_lines


def test_a_title_whose_utf8_was_read_as_latin1_is_decoded_back() -> None:
    broken = "A DIY Investor\u00e2\u0080\u0099s Guide to Retirement Calculators"
    assert repaired(broken) == "A DIY Investor\u2019s Guide to Retirement Calculators"
    assert repaired("Caf\u00c3\u00a9 guide") == "Caf\u00e9 guide"


def test_a_correct_or_mixed_title_is_left_alone() -> None:
    assert repaired("Zürich Ärger über Straßenbahnen") == "Zürich Ärger über Straßenbahnen"
    assert repaired("Café \u00c3\u00a9tude") == "Café \u00c3\u00a9tude"  # no clean decoding: kept as written


def test_the_page_title_is_repaired_whether_it_comes_from_the_h1_or_the_declaration() -> None:
    broken = "A DIY Investor\u00e2\u0080\u0099s Guide to Retirement Calculators"
    html = (f"<html><head><meta property='og:title' content='{broken} | White Coat Investor'></head>"
            f"<body><article><h1>{broken}</h1><p>Text.</p></article></body></html>")
    page = read_page_metadata(lxml.html.fromstring(html), "https://www.whitecoatinvestor.com/calculators/")
    assert page.title == "A DIY Investor\u2019s Guide to Retirement Calculators"


def _title(h1: str, og_title: str) -> str | None:
    html = (f"<html><head><meta property='og:title' content=\"{og_title} | AAFT\"></head>"
            f"<body><article><h1>{h1}</h1><p>Text.</p></article></body></html>")
    return read_page_metadata(lxml.html.fromstring(html), "https://aaft.edu.in/blog/x").title


def test_a_heading_whose_characters_a_conversion_turned_into_question_marks_gives_the_declared_title() -> None:
    assert _title("What Are The Basics Of Event Planning? Beginner? Guide",
                  "What Are The Basics Of Event Planning: Beginner's Guide") == \
        "What Are The Basics Of Event Planning: Beginner's Guide"
    assert _title("Caf\ufffd guide to Delhi", "Café guide to Delhi") == "Café guide to Delhi"
    # A real question in the heading stays the heading's, the declared variant wording notwithstanding.
    assert _title("Why do trams win? A look at the numbers", "Why trams win: the numbers") == \
        "Why do trams win? A look at the numbers"


def _page_title(head: str, body: str, url: str = "https://www.example.com/guides/x") -> str | None:
    html = f"<html><head>{head}</head><body>{body}<p>Text.</p></body></html>"
    return read_page_metadata(lxml.html.fromstring(html), url).title


def test_a_headline_that_starts_with_a_word_of_the_host_is_not_taken_for_the_site_name() -> None:
    url = "https://gardening.cals.cornell.edu/guidance/gww/"
    head = "<title>Gardening in a Warming World | Cornell Garden-Based Learning</title>"
    assert _page_title(head, "<article><h1>Gardening in a Warming World</h1></article>", url) == \
        "Gardening in a Warming World"
    # A headline naming the site is still the page's <h1>, not a logo.
    head = ("<meta property='og:site_name' content='SELF'>"
            "<meta property='og:title' content='The Best Oral Care Products for a Healthier Smile'>")
    h1 = "The 2024 SELF Healthy Beauty Awards: The Best Oral Care Products for a Healthier Smile"
    assert _page_title(head, f"<article><h1>{h1}</h1></article>", "https://www.self.com/story/x") == h1


def test_a_short_title_part_holding_the_site_key_is_still_the_site_name() -> None:
    head = "<title>Tax changes and your guide to filing in 2026 - Intuit TurboTax Blog</title>"
    assert _page_title(head, "<div>No heading here.</div>", "https://blog.turbotax.intuit.com/x/") == \
        "Tax changes and your guide to filing in 2026"
    head = "<title>Night trams return to the centre | Example</title>"
    assert _page_title(head, "<header><h1>Example News</h1></header>", "https://example.com/x") == \
        "Night trams return to the centre"


def test_a_heading_that_holds_the_declared_title_beside_other_parts_gives_the_declared_title() -> None:
    head = "<meta property='og:title' content='Tax 101: Understanding the basics'>"
    dek = "<h1><div><p>Tax 101: Understanding the basics</p><h4>A guide to the taxes Americans pay</h4></div></h1>"
    assert _page_title(head, dek) == "Tax 101: Understanding the basics"
    head = "<meta property='og:title' content='Stanford Grads Find Their Degrees No Longer Guarantee Jobs'>"
    source = ("<h1><span><a href='/s'>Stanford Grads Find Their Degrees No Longer Guarantee Jobs</a> "
              "<span><a href='https://latimes.com/x'>(latimes.com)</a></span></span> <span><a>87</a></span></h1>")
    assert _page_title(head, source) == "Stanford Grads Find Their Degrees No Longer Guarantee Jobs"
    head = "<meta property='og:title' content='Top Strategies to Optimize Blockchain Security'>"
    byline = ("<h1>Top Strategies to Optimize Blockchain Security<div></div>"
              "<h3>Posted on July 1, 2024 by infuy</h3></h1>")
    assert _page_title(head, byline) == "Top Strategies to Optimize Blockchain Security"


def test_a_heading_that_only_extends_the_declared_title_in_its_own_words_stays_the_title() -> None:
    head = "<meta property='og:title' content='Best High School Tutors in 2025'>"
    assert _page_title(head, "<h1>Best High School Tutors in 2025, Reviewed by a Student</h1>") == \
        "Best High School Tutors in 2025, Reviewed by a Student"


def test_a_declared_title_that_adds_a_count_or_a_year_to_the_heading_wins() -> None:
    head = "<meta property='og:title' content='8 Recent Trends in Photography'>"
    assert _page_title(head, "<h1>Recent Trends in Photography</h1>") == "8 Recent Trends in Photography"
    head = "<meta property='og:title' content='15 Best Online Tutoring Platforms 2025'>"
    assert _page_title(head, "<h1>15 Best Online Tutoring Platforms</h1>") == "15 Best Online Tutoring Platforms 2025"
    # Added words, not only numbers: the heading stays.
    head = "<meta property='og:title' content='15 Critical Cybersecurity Tips for Small Businesses'>"
    assert _page_title(head, "<h1>Cybersecurity Tips for Small Businesses</h1>") == \
        "Cybersecurity Tips for Small Businesses"


def test_a_heading_in_an_article_that_an_unclosed_menu_swallowed_is_the_headline() -> None:
    head = "<meta property='og:title' content='Best 5 Website Builders for 2026: My Tried and Tested Picks'>"
    body = ("<nav class='main-navigation'><ul><li><a href='/a'>Builders</a></li></ul>"
            "<article><header><h1>Best Website Builders for 2026: Our Top 5</h1></header></article></nav>")
    assert _page_title(head, body) == "Best Website Builders for 2026: Our Top 5"
    # A heading in a menu that holds no article stays the menu's.
    menu = "<nav><h1>Website builders we reviewed this year</h1></nav>"
    assert _page_title(head, menu) == "Best 5 Website Builders for 2026: My Tried and Tested Picks"


def test_a_heading_that_links_to_the_home_page_is_the_site_name() -> None:
    head = "<title>Enchufla Figuren - Salsa-Figuren - Rueda in Berlin</title>"
    logo = "<h1><a href='/'><span>Salsa-Figuren - Rueda in Berlin</span></a></h1>"
    assert _page_title(head, logo, "http://rueda.wikidot.com/enchufla") == "Enchufla Figuren - Salsa-Figuren"
    linked = "<h1><a href='/enchufla'>Enchufla Figuren in der Rueda</a></h1>"
    assert _page_title(head, linked, "http://rueda.wikidot.com/enchufla") == "Enchufla Figuren in der Rueda"


def test_a_style_inside_a_heading_is_not_part_of_its_text() -> None:
    head = "<title>Sesiona IV Pleno del Comité Central | Cubadebate</title>"
    body = ("<h1><style>.alogo{display: block;width: 330px;}</style> <a class='alogo' href='/'>Cubadebate</a></h1>"
            "<article><h2>Sesiona IV Pleno</h2></article>")
    assert _page_title(head, body, "http://www.cubadebate.cu/x") == "Sesiona IV Pleno del Comité Central"


def test_a_short_heading_is_a_section_label_counting_a_word_like_m_and_a_once() -> None:
    head = "<meta property='og:title' content='Cybersecurity Sector Update–Fall 2025'>"
    assert _page_title(head, "<h1>M&amp;A Updates</h1>") == "Cybersecurity Sector Update–Fall 2025"


def test_a_host_name_before_the_headline_is_the_site_name() -> None:
    assert _page_title("<title>davidbau.com Vibe Coding</title>", "<div>Text.</div>",
                       "https://davidbau.com/archives/2025/12/16/vibe_coding.html") == "Vibe Coding"
    # Another site's host in the headline stays.
    assert _page_title("<title>Amazon.com raises its prices</title>", "<div>Text.</div>",
                       "https://davidbau.com/x") == "Amazon.com raises its prices"


def test_the_declared_title_a_heading_holds_loses_what_it_adds_after_a_bar() -> None:
    head = "<meta property='og:title' content='Letters: Coddling criminals | Undermining road | Tax dollars'>"
    body = ("<h1><div class='entry-section'><a href='/opinion/letters/'>Letters to the Editor | </a></div>"
            "<span>Letters: Coddling criminals | Undermining road | Tax dollars</span></h1>")
    assert _page_title(head, body) == "Letters: Coddling criminals"


def test_a_heading_breaks_into_lines_at_br_and_blocks_not_at_the_source_line_breaks() -> None:
    spread = lxml.html.fragment_fromstring("<h1>\n <span>Interne Unterlagen</span>\n <span>Daten gehackt</span>\n</h1>")
    assert text_lines(spread) == ["Interne Unterlagen Daten gehackt"]
    stacked = lxml.html.fragment_fromstring("<h1><small>Einheit der Woche</small><br/>Lagen-Pyramide <div>Dek</div>"
                                            "</h1>")
    assert text_lines(stacked) == ["Einheit der Woche", "Lagen-Pyramide", "Dek"]


def test_a_heading_in_capitals_gives_the_declared_title_in_its_own_case() -> None:
    head = "<meta property='og:title' content='Best Drip Coffee Maker 2026: Buying Tips From Coffee Pros'>"
    assert _page_title(head, "<h1>BEST DRIP COFFEE MAKER IN 2026: BUYING TIPS FROM COFFEE PROS</h1>") == \
        "Best Drip Coffee Maker 2026: Buying Tips From Coffee Pros"
    head = "<meta property='og:title' content='EU AI ACT TAKES EFFECT'>"  # declared in capitals too: the <h1>
    assert _page_title(head, "<h1>EU AI ACT TAKES EFFECT TODAY</h1>") == "EU AI ACT TAKES EFFECT TODAY"


def test_a_long_heading_that_names_the_site_and_shares_nothing_with_the_declared_title_is_no_headline() -> None:
    head = ("<meta property='og:site_name' content='SiliconANGLE'>"
            "<meta property='og:title' content='How Google Cloud runs AI inference at production scale'>")
    promo = "<div class='promo'><h1>A message from John Furrier, co-founder of SiliconANGLE:</h1></div>"
    assert _page_title(head, promo, "https://siliconangle.com/x") == \
        "How Google Cloud runs AI inference at production scale"


@pytest.mark.parametrize(("head", "body", "url", "expected"), [
    # a declared title written as a sentence gives way to another declared title that says something else
    ("<meta property='og:title' content='Here are the six types of HR outsourcing.'>"
     "<title>6 Types of HR Outsourcing You Need to Know About</title>", "<div>Text.</div>",
     "https://www.example.com/guides/x",
     "6 Types of HR Outsourcing You Need to Know About"),
    # and that teaser repeated in the <h1> is no headline either
    ("<meta property='og:title' content='Make the most of your stay with these 10 travel hacks .'>"
     "<title>The Best Hotel Life Hacks and Travel Tips | Ovolo Hotels</title>",
     "<h1>Make the most of your stay with these 10 travel hacks .</h1>", "https://ovolohotels.com/blog/x",
     "The Best Hotel Life Hacks and Travel Tips"),
    # a headline ending in a full stop stays when no other title says something else
    ("<title>Laufen im Winter: Von bäh zu yeah in 12 Monaten. › Nordish by Nature</title>",
     "<h1>Laufen im Winter: Von bäh zu yeah in 12 Monaten.</h1>", "http://www.heiko-adams.de/x/",
     "Laufen im Winter: Von bäh zu yeah in 12 Monaten."),
    ("<meta property='og:title' content='Colder Temperatures Forecast for Wed. after Cold Wave Alert Tues.'>"
     "<title>Colder Temperatures Forecast for Wed. after Cold Wave Alert Tues. l KBS WORLD</title>",
     "<div>Text.</div>", "https://world.kbs.co.kr/x",
     "Colder Temperatures Forecast for Wed. after Cold Wave Alert Tues."),
])
def test_a_declared_title_written_as_a_sentence_gives_way_only_to_a_title_that_says_something_else(
        head: str, body: str, url: str, expected: str) -> None:
    assert _page_title(head, body, url) == expected


def test_a_heading_linking_nowhere_is_no_home_link() -> None:
    head = "<title>Enchufla Figuren | Rueda in Berlin</title>"
    for href in ("#", "", "#top"):
        body = f"<h1><a href='{href}'>Enchufla Figuren in der Rueda</a></h1>"
        assert _page_title(head, body, "http://rueda.wikidot.com/enchufla") == "Enchufla Figuren in der Rueda"
    body = "<h1><a href='http://rueda.wikidot.com'>Enchufla Figuren in der Rueda</a></h1>"
    assert _page_title(head, body, "http://rueda.wikidot.com/enchufla") == "Enchufla Figuren"


def test_a_one_word_declared_title_is_not_taken_for_the_headline_a_heading_holds() -> None:
    head = "<title>News | Example</title>"
    body = "<h1><span>News</span> Night trams return to the city centre</h1>"
    assert _page_title(head, body, "https://example.com/x") == "News Night trams return to the city centre"


@pytest.mark.parametrize(("classes", "hidden"), [
    ("sr-only", True), ("entry-title screen-reader-text", True), ("hidden", True), ("Visually-Hidden", True),
    ("flex overflow-hidden rounded", False), ("text-lg md:hidden", False), ("hidden md:block", False),
    ("hidden-xs", False), ("", False)])
def test_a_class_hides_an_element_only_as_a_whole_class_shown_on_a_wide_screen(classes: str, hidden: bool) -> None:
    element = lxml.html.fromstring(f'<div><p class="{classes}">Jane Roe</p></div>').find("p")
    assert hidden_by_class(element) is hidden
    assert in_chrome(element) is hidden

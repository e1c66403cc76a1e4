"""What a page declares: every text field is unescaped before it is split, so an `&amp;` survives as `&`."""

from __future__ import annotations

import json

import lxml.html

from ingest.extract.html import extract
from ingest.extract.page_metadata import byline_name, read_page_metadata, searched_byline
from ingest.models import ExtractedArticle, RawDocument
from tests.support.pages import PARAGRAPHS, article_html


def _ld(**fields: object) -> str:
    return f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **fields})}</script>'


def test_an_escaped_ampersand_in_json_ld_is_one_name_not_a_split() -> None:
    head = _ld(headline="Tram &amp; bus", author=[{"@type": "Person", "name": "Maria &amp; Katerina"},
                                                   {"@type": "Person", "name": "Jos&#233; P&#233;rez"}],
               publisher={"@type": "Organization", "name": "Smith &amp; Sons News"},
               description="Trams &amp; buses &#8211; what changes", keywords="R&amp;D, AT&amp;T, transport")
    page = read_page_metadata(lxml.html.fromstring(article_html(title="Tram", extra_head=head)), None)
    assert page.authors == ("Maria & Katerina", "José Pérez")
    assert page.site_name == "Smith & Sons News"
    assert page.description == "Trams & buses – what changes"
    assert page.tags == ("R&D", "AT&T", "transport")


def test_an_author_string_with_entities_and_separators_splits_after_unescaping() -> None:
    head = _ld(author="Maria &amp; Katerina; Ola Nordmann")
    page = read_page_metadata(lxml.html.fromstring(article_html(extra_head=head)), None)
    assert page.authors == ("Maria & Katerina", "Ola Nordmann")


def test_twice_escaped_meta_content_is_decoded() -> None:
    head = ('<meta name="author" content="Maria &amp;amp; Katerina">'
            '<meta property="og:site_name" content="Smith &amp;amp; Sons">'
            '<meta property="og:title" content="Tram &amp;amp; bus plans">')
    html = article_html(title="Tram", extra_head=head).replace("<h1>Tram</h1>", "")
    page = read_page_metadata(lxml.html.fromstring(html), None)
    assert page.authors == ("Maria & Katerina",)
    assert (page.site_name, page.title) == ("Smith & Sons", "Tram & bus plans")


def test_a_container_declared_author_is_unescaped_before_it_is_split() -> None:
    document = RawDocument(source_uri="test://page.html", media_type="text/html",
                           content=article_html().encode(), declared_author="Maria &amp; Katerina; Ola Nordmann")
    result = extract(document)
    assert isinstance(result, ExtractedArticle)
    assert result.authors == ("Maria", "Katerina", "Ola Nordmann")  # '&' separates names in a plain string


def test_a_byline_found_in_the_page_loses_the_date_role_and_lead_around_the_name() -> None:
    assert byline_name("Luke Kim December 3, 2025") == "Luke Kim"
    assert byline_name("Cazzy Magennis Last Updated August 1") == "Cazzy Magennis"
    assert byline_name("Recipe by PJ Hamel") == "PJ Hamel"
    assert byline_name("Linda Rosencrance Contributing Writer") == "Linda Rosencrance"
    assert byline_name("Haley Hoekstra • March 4") == "Haley Hoekstra"
    assert byline_name("June Carter") == "June Carter"  # a month that opens a name is the name
    assert [byline_name(s) for s in ("Updated January", "Dec", "Written By", "CEO", "page.head.extra.author")] == \
        [None] * 5


def test_the_byline_search_result_is_cleaned_when_nothing_is_declared() -> None:
    html = article_html(title="Tram vote").replace(
        "<h1>Tram vote</h1>", "<h1>Tram vote</h1><span class='author'>Luke Kim December 3, 2025</span>")
    page = read_page_metadata(lxml.html.fromstring(html), None)
    assert page.authors == ("Luke Kim",)


def test_a_title_element_escaped_twice_is_decoded() -> None:
    html = "<html><head><title>Tools: Python, SQL &amp;#x26; AI</title></head><body><p>Text.</p></body></html>"
    assert read_page_metadata(lxml.html.fromstring(html), None).title == "Tools: Python, SQL & AI"


def _page(body: str, head: str = "", title: str = "Night trams return to the city centre") -> str:
    return (f"<html><head><title>{title}</title>{head}</head><body><nav><a href='/'>Home</a></nav>"
            f"<article>{body}<p>The council voted on Tuesday to run trams all night at weekends.</p></article>"
            "<footer><span>By</span><span>Web Master</span></footer></body></html>")


def _read(html: str) -> tuple[str | None, tuple[str, ...]]:
    page = read_page_metadata(lxml.html.fromstring(html), "https://news.example.org/trams")
    return page.title, page.authors


def test_what_a_title_adds_after_a_bar_is_no_part_of_the_headline() -> None:
    head = '<meta property="og:title" content="Night trams return | Opinion | Example News">'
    assert _read(_page("<p>Text</p>", head))[0] == "Night trams return"
    heading = "<h1>Night trams return to the centre | Transport</h1>"
    assert _read(_page(heading, head))[0] == "Night trams return to the centre"
    dashed = '<meta property="og:title" content="Night trams return - a first look">'
    assert _read(_page("<p>Text</p>", dashed))[0] == "Night trams return - a first look"  # a dash stays


def test_a_heading_that_puts_a_kicker_before_the_declared_title_gives_the_declared_title() -> None:
    head = '<meta property="og:title" content="Night trams return to the centre">'
    assert _read(_page("<h1>Blog: Night trams return to the centre</h1>", head))[0] == \
        "Night trams return to the centre"
    longer = "<h1>Night trams return to the centre, starting in May</h1>"  # a longer headline is the headline
    assert _read(_page(longer, head))[0] == "Night trams return to the centre, starting in May"


def test_an_author_from_the_link_preview_labels() -> None:
    head = ('<meta name="twitter:label1" content="Written by"><meta name="twitter:data1" content="Ana Lima">'
            '<meta name="twitter:label2" content="Est. reading time"><meta name="twitter:data2" content="3 minutes">')
    assert _read(_page("<h1>Night trams</h1>", head))[1] == ("Ana Lima",)


def test_an_author_from_microdata_in_the_article_but_not_an_updater() -> None:
    body = ('<h1>Night trams</h1><div itemprop="author" itemscope><span itemprop="name">Sam O&#39;Brien</span></div>'
            '<div itemprop="author">Updated by Jo Park</div>'
            '<div itemprop="author">By <span itemprop="name">Tom May</span></div>')  # a declared name keeps 'May'
    assert _read(_page(body))[1] == ("Sam O'Brien", "Tom May")


def test_an_author_after_a_byline_label_that_stands_alone() -> None:
    assert _read(_page("<h1>Night trams</h1><div><span>By</span><span>Daryl Austin</span></div>"))[1] == \
        ("Daryl Austin",)
    assert _read(_page("<h1>Night trams</h1><p>Written by</p><p>Edzel Tabing</p>"))[1] == ("Edzel Tabing",)
    assert _read(_page("<h1>Night trams</h1><span> By <a href='/p/sg'>Sofia Gonzalez</a></span>"))[1] == \
        ("Sofia Gonzalez",)
    # Not a name after the label, and no label at all near the heading: no author (the footer's is too far).
    assert _read(_page("<h1>Night trams</h1><span>By</span><span>5 great tips for riders</span>"))[1] == ()
    assert _read(_page("<h1>Night trams</h1>" + "<p>Filler.</p>" * 70))[1] == ()


def test_an_author_in_a_one_line_byline_after_the_headline() -> None:
    assert _read(_page("<h1>Night trams</h1><p>by: Ziyi Xu, Dec 17, 2025</p>"))[1] == ("Ziyi Xu",)
    assert _read(_page("<h1>Night trams</h1><p>By <strong>Md Aynal Haque</strong> | Dhaka</p>"))[1] == \
        ("Md Aynal Haque",)
    # A block that holds a byline and more is not one line: its text runs the name into the next one.
    block = "<h1>Night trams</h1><div>Written by <p>Ana Lima</p><p>Jo Park</p></div>"
    assert _read(_page(block))[1] == ("Ana Lima",)


def test_the_site_named_as_author_gives_way_to_a_byline_but_stands_without_one() -> None:
    head = '<meta property="og:site_name" content="Example News"><meta name="author" content="Example News">'
    assert _read(_page("<h1>Night trams</h1><p>By Brian Truitt</p>", head))[1] == ("Brian Truitt",)
    assert _read(_page("<h1>Night trams</h1>", head))[1] == ("Example News",)


def test_a_byline_search_keeps_the_name_and_further_full_names_but_not_the_job_around_them() -> None:
    assert searched_byline("Justin C Meserole; Trial Attorney; Morgan") == ["Justin C Meserole"]
    assert searched_byline("Brett Cruz; Privacy; Digital Security") == ["Brett Cruz"]
    assert searched_byline("Jane Doe; John Roe") == ["Jane Doe", "John Roe"]
    assert byline_name("Shelby Loos Reviewed by Molly Price") == "Shelby Loos"
    assert byline_name("Reviewed by Molly Price") == "Molly Price"  # the lead alone is no other role
    assert byline_name("Matt Check Head Winemaker") == "Matt Check"


def test_a_short_section_heading_gives_way_to_a_much_longer_declared_title() -> None:
    head = '<meta property="og:title" content="Private VPN service recommendations with no sponsors or ads">'
    assert _read(_page("<h1>VPN Services</h1>", head))[0] == \
        "Private VPN service recommendations with no sponsors or ads"
    assert _read(_page("<h1>Night trams return tonight</h1>", head))[0] == "Night trams return tonight"  # a headline


def test_an_author_box_further_down_the_article_counts_only_with_written_by() -> None:
    filler = "<p>The council voted on Tuesday.</p>" * 70
    box = _page(f"<h1>Night trams</h1>{filler}<div><p>Written by Moses Kim and Kate Shokurova</p></div>")
    assert _read(box)[1] == ("Moses Kim and Kate Shokurova",)
    assert _read(_page(f"<h1>Night trams</h1>{filler}<p>By Ana Lima</p>"))[1] == ()  # a far 'By' may be anything


def test_an_author_from_a_link_to_the_authors_page_that_spells_the_name() -> None:
    byline = "<h1>Night trams</h1><div class='info'><a href='/authors/chris-toy'>Chris Toy</a><div>•</div></div>"
    assert _read(_page(byline))[1] == ("Chris Toy",)
    # A link whose address names someone else, or no author page, is no byline.
    assert _read(_page("<h1>Night trams</h1><a href='/authors/jo-park'>Chris Toy</a>"))[1] == ()
    assert _read(_page("<h1>Night trams</h1><a href='/tags/chris-toy'>Chris Toy</a>"))[1] == ()


def test_an_author_from_an_author_name_class_beside_the_article_but_not_its_label_or_a_menu() -> None:
    def page(card: str) -> str:  # the card sits outside the <article>, where the byline search does not look
        return ("<html><body><article><h1>Night trams</h1><p>The council voted on Tuesday to run trams all night "
                f"at weekends.</p></article>{card}</body></html>")
    assert _read(page("<div class='video-post_author-name'>Joakim Edin</div>"))[1] == ("Joakim Edin",)
    assert _read(page("<div class='author-name'>Written By</div>"))[1] == ()
    assert _read(page("<nav><span class='author-name'>Joakim Edin</span></nav>"))[1] == ()
    assert _read(page("<div class='authors'>Joakim Edin</div>"))[1] == ()


def test_an_author_card_gives_its_first_line_when_that_is_a_name() -> None:
    def page(card: str) -> str:
        return ("<html><body><article><h1>Night trams</h1><p>The council voted on Tuesday to run trams all night "
                f"at weekends.</p></article>{card}</body></html>")
    card = ("<div class='blog_author-text'><div class='text-size-small'>Lauren Vetter</div>"
            "<div>Marketing lead at Example</div></div>")
    assert _read(page(card))[1] == ("Lauren Vetter",)
    assert _read(page("<div class='author-info'><h4>About the author</h4><p>Lauren Vetter</p></div>"))[1] == ()
    assert _read(page("<aside><div class='author-box'>Lauren Vetter</div></aside>"))[1] == ()


def test_a_site_role_declared_as_the_author_is_no_name() -> None:
    for role in ("Webmaster", "administrator"):
        assert _read(_page("<h1>Night trams</h1>", f'<meta name="author" content="{role}">'))[1] == (), role
    assert _read(_page("<h1>Night trams</h1>", '<meta name="author" content="Anonymous">'))[1] == ("Anonymous",)


def test_a_contributors_label_after_the_headline_names_the_author() -> None:
    body = "<h1>Night trams</h1><div class='tags'><div><strong>Contributors:</strong> Janet Loughrey</div></div>"
    assert _read(_page(body))[1] == ("Janet Loughrey",)


def test_an_author_box_further_down_the_article_needs_its_label_with_a_colon() -> None:
    filler = "<p>Filler.</p>" * 70  # out of the byline's reach under the headline
    boxed = _page(f"<h1>Night trams</h1>{filler}<div><h3>Author:</h3><p>Lisa D. Ellis</p></div>")
    assert _read(boxed)[1] == ("Lisa D. Ellis",)
    # 'Author Spotlight' is a section heading, not a label with a name after it.
    spotlight = _page(f"<h1>Night trams</h1>{filler}<div><h3>Author Spotlight</h3><p>Meet Our Writers</p></div>")
    assert _read(spotlight)[1] == ()


def test_without_a_headline_element_the_byline_near_the_start_of_the_article_counts() -> None:
    body = "<h2>Night trams</h2><div><span>By</span> <a href='/staff/md'>Md Aynal Haque</a></div><p>Text.</p>"
    assert _read(_page(body))[1] == ("Md Aynal Haque",)


def test_a_declared_author_loses_the_publication_appended_after_a_comma() -> None:
    head = ('<meta property="og:site_name" content="The Commercial Appeal">'
            + _ld(author={"@type": "Person", "name": "Manoj Jain and Jagpreet Chhatwal, The Commercial Appeal"}))
    assert _read(_page("<h1>Night trams</h1>", head))[1] == ("Manoj Jain and Jagpreet Chhatwal",)
    # A comma before a credential or a job is no publication: the name stays as declared.
    credential = _ld(author={"@type": "Person", "name": "Tracy Parker, Dietitian"})
    assert _read(_page("<h1>Night trams</h1>", credential))[1] == ("Tracy Parker, Dietitian",)


def test_a_declared_list_of_full_names_gives_each_person_once_but_a_credential_role_or_surname_first_stays() -> None:
    listed = ('<meta name="author" content="Craig Randall, Alli Miles, and Eszter Horanyi">'
              '<meta property="article:author" content="Craig Randall">')
    assert _read(_page("<h1>Night trams</h1>", listed))[1] == ("Craig Randall", "Alli Miles", "Eszter Horanyi")
    for one_name in ("Jillian Kubala, MS, RD", "Mike Marshall, Shipping Expert", "Anna Lee, Art Director",
                     "Kaufman, Jeff T.", "Jane Doe, Austin American-Statesman"):
        head = f'<meta name="author" content="{one_name}">'
        assert _read(_page("<h1>Night trams</h1>", head))[1] == (one_name,), one_name
    # Without another declared name among its parts, a list stays whole: the page does not say it is one.
    alone = '<meta name="author" content="Chen Zhao, Daryl Fairweather">'
    assert _read(_page("<h1>Night trams</h1>", alone))[1] == ("Chen Zhao, Daryl Fairweather",)


def test_a_written_by_box_after_the_headline_counts_on_a_page_without_an_article_element() -> None:
    filler = "<p>Filler.</p>" * 70  # out of the byline's reach under the headline
    html = ("<html><head><title>Night trams</title></head><body><aside><div>Written by</div><div>Side Person</div>"
            f"</aside><div><h1>Night trams</h1>{filler}<div><div>Written by</div><div>Jack Shepherd</div></div>"
            "</div></body></html>")
    assert _read(html)[1] == ("Jack Shepherd",)


def test_byline_furniture_around_a_searched_name_goes_avatar_initials_descriptions_and_degrees() -> None:
    assert byline_name("CM Craig McCarthy") == "Craig McCarthy"  # the avatar drawn from the initials
    assert byline_name("PJ Hamel") == "PJ Hamel"  # initials that are the name stay
    assert byline_name("Liz Kenny Former McKinsey") == "Liz Kenny"
    assert byline_name("Cara Dumaplin RN") == "Cara Dumaplin"
    assert searched_byline("Cara Dumaplin RN; Certified Pediatric Sleep Consultant") == ["Cara Dumaplin"]
    assert byline_name("Rafael Md Ali") == "Rafael Md Ali"  # a degree's letters written as a name are the name


def test_a_declared_name_left_empty_before_the_publication_is_no_author() -> None:
    head = _ld(author={"@type": "Person", "name": ", USA TODAY"})
    html = article_html(title="Ten movies to stream", extra_head=head).replace(
        "<h1>Ten movies to stream</h1>", "<h1>Ten movies to stream</h1><span class='author'>Brian Truitt</span>")
    page = read_page_metadata(lxml.html.fromstring(html), "https://eu.usatoday.com/story/movies")
    assert page.authors == ("Brian Truitt",)


def test_of_several_declared_authors_those_written_as_a_name_stay() -> None:
    head = _ld(author=[{"@type": "Person", "name": "By Arlene Marturano"},
                       {"@type": "Person", "name": "South Carolina Garden-based Learning Network on Facebook"}])
    page = read_page_metadata(lxml.html.fromstring(article_html(extra_head=head)), None)
    assert page.authors == ("Arlene Marturano",)
    alone = _ld(author={"@type": "Person", "name": "the gardening desk"})  # the only one stays, name or not
    assert read_page_metadata(lxml.html.fromstring(article_html(extra_head=alone)), None).authors == \
        ("the gardening desk",)


def test_co_authors_linked_in_the_byline_of_the_one_author_found_but_not_other_roles() -> None:
    byline = ("<div class='byline'><strong>Written by</strong><br>"
              "<a href='/authors/adrien-ramirez'>Adrien Ramirez</a>, 4+ years covering hardware<br>"
              "<a href='/authors/joanna-nelius'>Joanna Nelius</a>, senior editor<br>"
              "Fact-checked by <a href='/authors/paul-rankin'>Paul Rankin</a> "
              "Tested by <a href='/authors/katie-bandurski'>Katie Bandurski</a> and "
              "<a href='/authors/mary-henn'>Mary Henn</a></div>")
    html = article_html(title="Best laptops", extra_head=_ld(author={"@type": "Person", "name": "Adrien Ramirez"}))
    html = html.replace("<h1>Best laptops</h1>", f"<h1>Best laptops</h1>{byline}")
    page = read_page_metadata(lxml.html.fromstring(html), "https://www.reviewed.com/laptops/best")
    assert page.authors == ("Adrien Ramirez", "Joanna Nelius")


def test_a_page_without_h1_reads_the_byline_under_the_element_that_shows_its_title() -> None:
    """A block of other stories before the title carries their bylines: the page's is the one under its title."""
    def page(title: str) -> lxml.html.HtmlElement:
        body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        return lxml.html.fromstring(
            f"<html><head><meta property='og:title' content='{title}'></head><body>"
            "<div class='teasers'><p>Buses run late again</p><p>By Jon Doe</p></div>"
            f"<div class='heading'>{title}</div><p>By Ana Lima</p>{body}</body></html>")
    assert read_page_metadata(page("Council approves tram extension"), None).authors == ("Ana Lima",)
    assert read_page_metadata(page("Tram vote"), None).authors == ("Jon Doe",)  # < 12 characters: no anchor


def _blog_post(after_body: str, under_title: str = "") -> lxml.html.HtmlElement:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return lxml.html.fromstring(f"<html><body><div class='post'><h1>Council approves tram extension</h1>"
                                f"{under_title}{body}{after_body}</div></body></html>")


def test_an_author_box_that_says_article_by_or_posted_by_gives_the_author() -> None:
    further_down = "<p>The vote was close.</p>" * 60  # out of the byline's reach under the headline
    for box in ("<p>Article by Ana Lima</p>", "<div class='signature'><span>Posted by Ana Lima</span></div>"):
        assert read_page_metadata(_blog_post(further_down + box), None).authors == ("Ana Lima",), box


def test_a_posted_by_line_loses_the_time_of_the_post() -> None:
    assert byline_name("Posted by Jane Doe at 10:42 AM") == "Jane Doe"
    assert byline_name("Jane Doe at December 16") == "Jane Doe"
    assert byline_name("Jane Doe at Large") == "Jane Doe at Large"  # no time after 'at': part of the name
    line = "<p><span class='posted'>Posted by Jane Doe at December 16, 2025 11:15 AM<br></span></p>"
    assert read_page_metadata(_blog_post(line), None).authors == ("Jane Doe",)


def test_a_name_in_the_comment_thread_is_never_the_byline() -> None:
    for thread in ("<div class='comments-area'><p><span>Posted by: John Roe at 5:48 PM</span></p></div>",
                   "<div id='disqus_thread'><p>Written by Mary Major</p></div>",
                   "<ol class='commentlist'><li><span itemprop='author'>John Roe</span> said</li></ol>"):
        assert read_page_metadata(_blog_post(thread), None).authors == (), thread
    signed = _blog_post("<div class='comments-area'><p>Posted by: John Roe</p></div>", "<p>Posted by Ana Lima</p>")
    assert read_page_metadata(signed, None).authors == ("Ana Lima",)


def test_a_full_name_next_to_the_byline_day_under_the_headline_is_the_author() -> None:
    for byline in ("<p>Ana Lima</p><p>Feb 16, 2026</p>", "<p><span>2025-12-17</span> · <a title='x'>Ana Lima</a></p>",
                   "<p>16 February 2026</p><p>6 min read</p><p>Ana Lima</p>",
                   "<ul class='meta'><li>Ana Lima</li><li>Feb 16, 2026</li></ul>"):
        assert read_page_metadata(_blog_post("", byline), None).authors == ("Ana Lima",), byline


def test_a_section_a_place_or_a_far_name_by_the_byline_day_is_no_author() -> None:
    for byline in ("<p><a href='/category/nonessential-thoughts/'>Nonessential Thoughts</a></p><p>Feb 16, 2026</p>",
                   "<p>Feb 16, 2026</p><button>Garden Design</button>",
                   "<p>Strategy &amp; Market</p><p>Feb 16, 2026</p>",
                   "<p>Atlanta, United States</p><p>Feb 16, 2026</p>", "<p>Updated January</p><p>Feb 16, 2026</p>",
                   "<p>Ana Lima</p><p>Photo desk</p><p>Tram news</p><p>Feb 16, 2026</p>",
                   "<p>Feb 16, 2026</p><p>In this article:</p><ul><li><a>General Tips</a></li></ul>",
                   "<h3>Related Topics</h3><p>16.02.2026</p>", "<p>16.02.2026</p><p>Zitat von</p>",
                   "<p>Intro</p>" * 6 + "<p>Ana Lima</p><p>Feb 16, 2026</p>"):
        assert read_page_metadata(_blog_post("", byline), None).authors == (), byline


def _personal_site(title: str, site_name: str = "", footer: str = "", under_title: str = "",
                   lang: str = "") -> lxml.html.HtmlElement:
    head = f"<title>{title}</title>" + (f'<meta property="og:site_name" content="{site_name}">' if site_name else "")
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = f"<html lang='{lang}'>" if lang else "<html>"
    return lxml.html.fromstring(f"{html}<head>{head}</head><body><article><h1>Self-hosting a database</h1>"
                                f"{under_title}{body}</article><footer>{footer}</footer></body></html>")


def test_a_personal_site_without_a_byline_is_written_by_the_person_it_is_named_after() -> None:
    for page, url in ((_personal_site("Self-hosting | Pierce Freeman"), "https://pierce.dev/notes/db"),
                      (_personal_site("Self-hosting", site_name="Pierce Freeman's blog"), "https://pierce.dev/n"),
                      (_personal_site("Self-hosting", footer="© 2019–2025 Pierce Freeman. All rights reserved."),
                       "https://www.example.org/~pfreeman/db.html")):
        assert read_page_metadata(page, url).authors == ("Pierce Freeman",), url


def test_a_site_name_that_reads_like_a_name_is_no_owner_unless_the_address_and_the_page_agree() -> None:
    hardware = "<p>We sell hardware and tools.</p>"
    for page, url in ((_personal_site("Self-hosting | Pierce Freeman"), "https://example.org/notes/db"),
                      (_personal_site("Tools | Austin Hardware", under_title=hardware), "https://austinhardware.com/a"),
                      (_personal_site("Self-hosting | The Writing Center"), "https://writingcenter.edu/a"),
                      (_personal_site("Self-hosting | Pierce Freeman"), None)):
        assert read_page_metadata(page, url).authors == (), url


def test_no_owner_is_read_from_a_place_an_organisation_or_a_page_whose_nouns_are_all_capitalised() -> None:
    for page, url in ((_personal_site("Fiction | Royal Road"), "https://www.royalroad.com/fiction/1"),
                      (_personal_site("Ads | The Jodel Venture"), "https://advertising.jodel.com/"),
                      (_personal_site("Self-hosting", footer="© 2024 Mila Hacke_Berlin"), "https://mila.example/a"),
                      (_personal_site("Lehrberufe | Siegfried Marcus Berufsschule", lang="de-DE"),
                       "https://www.siegfried-marcus-berufsschule.at/kft/"),
                      (_personal_site("Self-hosting | Pierce Freeman", lang="de"), "https://pierce.dev/notes/db")):
        assert read_page_metadata(page, url).authors == (), url
    assert read_page_metadata(_personal_site("Self-hosting | Pierce Freeman", lang="en-GB"),
                              "https://pierce.dev/notes/db").authors == ("Pierce Freeman",)


def test_a_byline_wins_over_the_owner_of_the_site() -> None:
    page = _personal_site("Self-hosting | Pierce Freeman", under_title="<p>By Ana Lima</p>")
    assert read_page_metadata(page, "https://pierce.dev/notes/db").authors == ("Ana Lima",)


def test_a_byline_day_and_name_just_above_the_headline_name_the_author() -> None:
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    for meta in ("<span>Dec 17, 2025</span><span>Julian K. Arni</span>",
                 "<div><span>Published August 7, 2023</span> <span>by Ana Lima</span></div>"):
        page = lxml.html.fromstring(f"<html><body><div class='post'>{meta}<h1>Council approves tram extension</h1>"
                                    f"{body}</div></body></html>")
        assert read_page_metadata(page, None).authors in (("Julian K. Arni",), ("Ana Lima",)), meta
    for meta in ("<p><a href='/topics/garden-design'>Garden Design</a></p><p>Dec 17, 2025</p>",
                 "<p>Aktuelle Meldung</p><p>17.12.2025</p>", "<p>17.12.2025</p><p>Olympische Winterspiele</p>",
                 "<p>Ana Lima</p><p>Dec 17, 2025</p><p>Read more</p><p>More news</p><p>Other</p><p>Tram</p>"):
        page = lxml.html.fromstring(f"<html><body><div class='post'>{meta}<h1>Council approves tram extension</h1>"
                                    f"{body}</div></body></html>")
        assert read_page_metadata(page, None).authors == (), meta


def test_every_citation_author_of_a_scholarly_page_counts_as_written() -> None:
    head = ('<meta name="DC.Creator" content="Jennifer Huberty">' + "".join(
        f'<meta name="{key}" content="{name}">' for key, name in (
            ("citation_author", "Jennifer Huberty"), ("citation_author", "Kaufman, Jeff T."),
            ("citation_authors", "Jeni Green"), ("citation_author", "null"))))
    page = read_page_metadata(lxml.html.fromstring(article_html(extra_head=head)), None)
    assert page.authors == ("Jennifer Huberty", "Kaufman, Jeff T.", "Jeni Green")


def test_a_declared_author_the_page_never_shows_gives_way_to_the_byline_under_the_headline() -> None:
    html = article_html(extra_head=_ld(author={"@type": "Person", "name": "KatieS"}))
    with_byline = html.replace("</h1>", "</h1><p>By Aoife O'Riordan</p>", 1)
    assert read_page_metadata(lxml.html.fromstring(with_byline), None).authors == ("Aoife O'Riordan",)
    assert read_page_metadata(lxml.html.fromstring(html), None).authors == ("KatieS",)  # no byline: it stands
    shown_too = with_byline.replace("<footer>", "<footer>Posted by katies ", 1)
    assert read_page_metadata(lxml.html.fromstring(shown_too), None).authors == ("KatieS",)


def test_a_name_before_the_in_of_its_section_by_the_byline_day_is_the_author() -> None:
    byline = "<p>Dec 26, 2025 <span>•</span> Ana Lima   in <a href='/blog/transport'>Transport</a></p>"
    assert read_page_metadata(_blog_post("", byline), None).authors == ("Ana Lima",)
    signed_in = "<p>Dec 26, 2025 <span>•</span> Signed in <a href='/account'>Account</a></p>"
    assert read_page_metadata(_blog_post("", signed_in), None).authors == ()


def test_an_author_card_names_the_author_its_profile_link_spells() -> None:
    card = ("<div class='card'><div><p>Ana Lima</p><p>Tech Writer</p></div>"
            "<a href='/blog/authors/ana-lima'>Articles by this author</a></div>")
    assert read_page_metadata(_blog_post(card), None).authors == ("Ana Lima",)
    other = ("<div class='card'><div><p>Rui Costa</p><p>Tech Writer</p></div>"
             "<a href='/blog/authors/ana-lima'>Articles by this author</a></div>")
    assert read_page_metadata(_blog_post(other), None).authors == ()

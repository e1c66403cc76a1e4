"""Small article pages built in the tests, so fixtures stay local and readable."""

from __future__ import annotations

from tests.support.stories import TRAM

PARAGRAPHS = TRAM  # the tram story of tests.support.stories, as one page


def article_html(title: str = "Council approves tram extension", paragraphs: tuple[str, ...] = PARAGRAPHS,
                 charset_meta: str | None = "utf-8", extra_head: str = "") -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html><head>{meta}<title>{title}</title>{extra_head}</head><body>"
            f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
            f"<article><h1>{title}</h1>{body}</article><footer>Contact us</footer></body></html>")

"""Small article pages built in the tests, so fixtures stay local and readable."""

from __future__ import annotations

PARAGRAPHS = (
    "The city council voted on Tuesday to expand the tram network across the river, ending a decade of debate "
    "about how to connect the northern districts with the old town centre.",
    "Supporters said the new line would cut commuting times by a third, while opponents warned that the cost "
    "estimates had already doubled since the plan was first presented to residents in the spring.",
    "Construction is expected to begin next year and to last at least four years, according to the transport "
    "department, which will publish a detailed timetable for each phase of the work in the coming months.",
)


def article_html(title: str = "Council approves tram extension", paragraphs: tuple[str, ...] = PARAGRAPHS,
                 charset_meta: str | None = "utf-8", extra_head: str = "") -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html><head>{meta}<title>{title}</title>{extra_head}</head><body>"
            f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
            f"<article><h1>{title}</h1>{body}</article><footer>Contact us</footer></body></html>")

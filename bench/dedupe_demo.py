"""Write a small syndication demo: four stories, their copies across sites, AMP and tracking URLs, a roundup.

    .venv/bin/python bench/dedupe_demo.py OUT_DIR
    ingest run OUT_DIR --warehouse demo.duckdb
    ingest sql --warehouse demo.duckdb "select * from stories order by copies desc limit 10"

Pages are JSONL lines of {"url", "published", "html"}, as a crawler export gives them; the story texts are
the tests' own.
"""

from __future__ import annotations

import html
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `tests.` imports when run as a script

from tests.support.stories import BRIEF_A, FLOOD, SCHOOL, TRAM  # noqa: E402

# The story texts are the tests' own (tests/support/stories.py): one copy of each, whoever writes pages from it.
(BRIEF,) = BRIEF_A  # a one-paragraph story


def page(title: str, paragraphs: tuple[str, ...] | list[str], site: str, canonical: str | None = None) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    link = f"<link rel='canonical' href='{canonical}'>" if canonical else ""
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>{link}</head>"
            f"<body><nav><a href='/'>{site}</a></nav><article><h1>{html.escape(title)}</h1>{body}</article>"
            f"<footer>© 2025 {site}</footer></body></html>")


def demo_pages() -> list[dict[str, str]]:
    flood = "https://valleygazette.example/news/flood-warning"
    tram = "https://citynews.example/politics/tram-vote"
    intro = "(Riverton Courier) — This report comes from our partner newsroom."
    pages = [
        (flood, "2025-03-02", page("Families told to leave as river rises", FLOOD, "Valley Gazette", canonical=flood)),
        (flood + "/amp", "2025-03-02", page("Families told to leave as river rises", FLOOD, "Valley Gazette",
                                            canonical=flood)),
        (flood + "?utm_source=twitter&fbclid=IwAR0", "2025-03-02",
         page("Families told to leave as river rises", FLOOD, "Valley Gazette")),
        ("https://rivertoncourier.example/wire/river-rises", "2025-03-03",
         page("UPDATE: Families told to leave as river rises", [intro, *FLOOD[:3]], "Riverton Courier")),
        ("https://wire.example/a/88123", "2025-03-03", page("Valley residents evacuated", FLOOD, "Wire")),
        (tram, "2025-03-04", page("Council approves tram extension", TRAM, "City News", canonical=tram)),
        ("https://mirror.example/tram-vote", "2025-03-05",
         page("Opinion | Council approves tram extension", TRAM, "Mirror")),
        ("https://citynews.example/traffic/ring-road", "2025-03-03",
         page("Ring road closed after lorry sheds load", (BRIEF,), "City News")),
        ("https://digest.example/morning", "2025-03-04", page("Morning briefing", (
            "Here are the stories people in the region were reading this morning, gathered by our editors.", BRIEF,
            *SCHOOL[:1]), "Digest")),
        ("https://valleygazette.example/news/school-merger", "2025-03-04",
         page("Parents oppose school merger", SCHOOL, "Valley Gazette")),
    ]
    return [{"url": url, "published": published, "html": body} for url, published, body in pages]


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    target = out / "syndication-demo.jsonl"
    target.write_text("".join(json.dumps(line) + "\n" for line in demo_pages()), encoding="utf-8")
    print(f"wrote {len(demo_pages())} pages to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

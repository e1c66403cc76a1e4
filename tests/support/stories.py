"""Story texts and the pages that carry them: a flood warning with its syndicated copy, a tram vote, a school
merger, a museum reopening and short briefs, for the dedupe and reprocess tests. Plain data, imported at module
level by the test modules that build their inputs from it (the one exception to "helpers come as fixtures")."""

from __future__ import annotations

import html
import json
from pathlib import Path

FLOOD = (
    "Residents of the lower valley were told to leave their homes on Sunday night after the river rose faster "
    "than forecast, reaching the top of the flood wall near the old mill before midnight.",
    "Emergency crews went door to door in the three streets closest to the water, and the council opened the "
    "sports hall on Station Road as a shelter for families who had nowhere else to stay.",
    "The weather service said another forty millimetres of rain could fall by Tuesday, and warned that the "
    "reservoir upstream was already releasing water to protect its own dam.",
    "Shop owners on the high street spent the evening stacking sandbags, many of them for the second time "
    "since the floods of last winter, which left damage that is still being repaired.",
)
TRAM = (
    "The city council voted on Tuesday to expand the tram network across the river, ending a decade of debate "
    "about how to connect the northern districts with the old town centre.",
    "Supporters said the new line would cut commuting times by a third, while opponents warned that the cost "
    "estimates had already doubled since the plan was first presented to residents in the spring.",
    "Construction is expected to begin next year and to last at least four years, according to the transport "
    "department, which will publish a detailed timetable for each phase of the work in the coming months.",
)
SCHOOL = (
    "Parents packed the school board meeting on Thursday to oppose a plan that would merge two primary schools "
    "on the east side and close the smaller building by the end of next year.",
    "The board says falling enrolment has left both schools half empty and that the merger would free money "
    "for teachers, but families worry about longer walks and larger classes for young children.",
    "A final vote is planned for next month after a second consultation evening at the community centre.",
)
MUSEUM = (
    "The natural history museum reopened its dinosaur hall on Saturday after three years of renovation, with a "
    "restored skeleton that had been taken apart bone by bone and cleaned by volunteers.",
    "Curators said the new displays use the museum's own fossil collection, much of which had been kept in "
    "storage since the building was damaged by a storm, and add rooms designed for school visits.",
    "Entry to the hall remains free, although visitors are asked to book a time slot online during the first "
    "month because of the crowds expected over the holidays.",
)
BRIEF_A = ("Police closed the northbound lanes of the ring road for four hours on Monday morning after a lorry "
           "shed its load of timber near junction seven, causing long queues into the city centre.",)
BRIEF_B = ("The regional library service will extend its opening hours on weekday evenings from next month, "
           "after a survey found that most readers could not visit before six o'clock because of work.",)
ROUNDUP_FILLER = (
    "Here are the stories people in the region were reading this morning, gathered by our editors.",
    "That is all for today's briefing. We will be back tomorrow morning with more news from around the region, "
    "including the latest on the council budget talks and the weekend weather forecast for the coast.",
)
DISCLAIMER = ("Valley Gazette articles are provided for general information only. The Gazette is an independent "
              "publication and may update stories as new information becomes available to our newsroom.")


def page(title: str, paragraphs: tuple[str, ...] | list[str], *, site: str = "Valley Gazette", style: int = 0,
         canonical: str | None = None, sidebar: tuple[str, ...] = ("Weather", "Sport results")) -> str:
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    related = "".join(f"<li><a href='/s/{i}'>{html.escape(s)}</a></li>" for i, s in enumerate(sidebar))
    link = f"<link rel='canonical' href='{canonical}'>" if canonical else ""
    article = (f"<article><h1>{html.escape(title)}</h1>{body}</article><aside><ul>{related}</ul></aside>"
               if style == 0 else
               f"<div class='story'><h2>{html.escape(title)}</h2><div class='text'>{body}</div></div>"
               f"<div class='rail'><ul>{related}</ul></div>")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>{link}</head>"
            f"<body><nav><a href='/'>{site}</a> <a href='/news'>News</a></nav>{article}"
            f"<footer>© 2025 {site}. Contact us.</footer></body></html>")


def write(path: Path, *pages: tuple[str, str]) -> Path:
    """A JSONL input of (url, html) pages, as a crawler export would give them."""
    path.write_text("".join(json.dumps({"url": url, "html": body}) + "\n" for url, body in pages), encoding="utf-8")
    return path


FLOOD_URL = "https://valleygazette.example/news/flood-warning"
FLOOD_COPY = ("https://wire.example/a/88123?utm_source=feed&utm_medium=rss",
              page("UPDATE: Families told to leave as river rises",
                   ["(Riverton Courier) — This report comes from our partner newsroom.", *FLOOD[:3]],
                   site="Wire Service", style=1, sidebar=("Markets", "Most read")))

"""A seeded news corpus with what makes the later stages matter: syndicated copies of stories (exact and lightly
edited, so dedupe links and stories must be complete), republished versions, and people, places and organisations
by name (so enrichment must be)."""

from __future__ import annotations

import random
from pathlib import Path

PEOPLE = ("Angela Merkel", "Emmanuel Macron", "Joe Biden", "Narendra Modi", "Jacinda Ardern", "Olaf Scholz")
PLACES = ("Paris", "Berlin", "Texas", "Kenya", "Brazil", "Canada", "Japan", "London")
ORGS = ("the United Nations", "Microsoft", "the World Bank", "NATO", "the European Union")
WORDS = ("council", "river", "budget", "school", "market", "bridge", "election", "farmers", "hospital", "storm",
         "museum", "court", "village", "energy", "teachers", "police", "harvest", "airport", "workers", "theatre")


def _sentence(pick: random.Random) -> str:
    filler = " ".join(pick.choice(WORDS) for _ in range(pick.randint(8, 14)))
    return (f"{pick.choice(PEOPLE)} met officials of {pick.choice(ORGS)} in {pick.choice(PLACES)} "
            f"to discuss the {filler}.")


def _page(title: str, paragraphs: list[str], url: str) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}</title>"
            f"<link rel='canonical' href='{url}'>"
            "<meta property='article:published_time' content='2024-05-03T08:00:00Z'></head>"
            f"<body><article><h1>{title}</h1>{body}</article></body></html>")


def write_corpus(directory: Path, stories: int, seed: int) -> list[Path]:
    """`stories` original articles; about a third syndicated once or twice (an exact copy on another site, or an
    edited copy with a new last paragraph), a few republished at the same URL with changed text."""
    pick = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    pages: dict[str, str] = {}
    for number in range(stories):
        paragraphs = [" ".join(_sentence(pick) for _ in range(3)) for _ in range(4)]
        title = f"Story {number}: {pick.choice(PLACES)} {pick.choice(WORDS)}"
        url = f"https://news{number % 3}.example/story-{number}"
        pages[f"s{number:04d}-a.html"] = _page(title, paragraphs, url)
        roll = pick.random()
        if roll < 0.15:
            pages[f"s{number:04d}-b.html"] = _page(title, paragraphs, f"https://wire.example/{number}")
        elif roll < 0.3:
            edited = [*paragraphs[:-1], " ".join(_sentence(pick) for _ in range(3))]
            pages[f"s{number:04d}-c.html"] = _page(title + " (update)", edited, f"https://daily.example/{number}")
        elif roll < 0.36:
            changed = [*paragraphs, " ".join(_sentence(pick) for _ in range(2))]
            pages[f"s{number:04d}-v.html"] = _page(title, changed, url)  # a new version at the same URL
    paths = []
    for name, html in sorted(pages.items()):
        path = directory / name
        path.write_text(html, encoding="utf-8")
        paths.append(path)
    return paths

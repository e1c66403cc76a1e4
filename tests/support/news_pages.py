"""Generated news pages for the operations tests: each with its own text, so no two are near-duplicates."""

from __future__ import annotations

import random
from pathlib import Path

WORDS = ("council", "river", "budget", "school", "market", "bridge", "election", "farmers", "hospital", "storm",
         "museum", "court", "village", "energy", "teachers", "police", "harvest", "airport", "workers", "theatre",
         "forest", "coast", "mayor", "festival", "traffic", "students", "doctors", "factory", "garden", "tourists")
TOPICS = ("harbour", "orchard", "railway", "library", "glacier", "festival", "vineyard", "observatory", "bakery",
          "stadium", "ferry", "museum", "canal", "quarry", "lighthouse", "brewery", "aquarium", "monastery")


def article_page(topic: str, author: str | None = "Ana Lima", day: int = 3, sentences: int = 8) -> str:
    """A plain news page whose words are drawn from a generator seeded by the topic."""
    pick = random.Random(topic)
    text = [f"The {topic} " + " ".join(pick.choice(WORDS) for _ in range(18)) + "." for _ in range(sentences)]
    meta = f'<meta name="author" content="{author}">' if author else ""
    meta += f'<meta property="article:published_time" content="2024-05-{day:02d}T08:00:00Z">'
    body = "".join(f"<p>{s}</p>" for s in text)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>News about the {topic}</title>{meta}</head>"
            f"<body><article><h1>News about the {topic}</h1>{body}</article></body></html>")


def write_articles(directory: Path, topics: tuple[str, ...], author: str | None = "Ana Lima",
                   day: int = 3) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for topic in topics:
        path = directory / f"{topic}.html"
        path.write_text(article_page(topic, author, day), encoding="utf-8")
        paths.append(path)
    return paths

"""Duplicate detection on a labelled syndication set built from the WCXB development texts.

    .venv/bin/python bench/eval_dedupe.py [--articles N] [--seed S] [--batch-size B] [--keep DIR]

For N ground-truth articles it writes the pages a syndication network produces (below), shuffles them, runs
them through the real pipeline (extract, clean, load, dedupe; batch by batch into a temporary DuckDB) and reads
the stories back. Each page is labelled with the article it copies; hard negatives get labels of their own.

Positives (same label as the original): the publisher's page; a partner's copy in another template (half
declaring the original as rel=canonical, with tracking parameters); a refetch through a tracking-parameter URL
with different sidebars; the AMP page; a copy with a prefixed headline ("UPDATE:", "Opinion |") repeated in
the body; a reworded headline with a one-line local intro; the last paragraphs cut; a typo; one paragraph
replaced; and for short articles a roundup quoting the whole article among other items.
Hard negatives: the other articles of the same (synthetic) site and template, and a follow-up story on the
same site that reuses one or two of the original's paragraphs among mostly new ones.

Prints pairwise precision and recall of the duplicate links, cluster purity, recall per variant and, side by
side, what canonical-URL matching and exact-text matching alone would have found.
"""

from __future__ import annotations

import argparse
import html
import json
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from ingest.dedupe.fingerprints import fingerprint, tokens
from ingest.pipeline import run_batches
from ingest.settings import Settings
from ingest.urls import canonicalize_url
from ingest.warehouse import connection as warehouse

WCXB_DEV = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "wcxb-dev"
SITE_SIZE = 5  # articles per synthetic site sharing one template
PREFIXES = ("UPDATE: ", "Opinion | ", "BREAKING: ", "Analysis | ", "WATCH: ", "UPDATED: ")
INTROS = (
    "({city} Courier) — Readers in {city} asked us about this, so we are sharing the full report below.",
    "Editor's note: this story was first published by our news partners and is shared with {city} readers.",
    "{city}, {state} (WXYZ) — The following report comes from our partner newsroom.",
)
# Some sites end every article with the same paragraph, which extraction rightly keeps as body text.
DISCLAIMER = ("The information in this article from {site} is provided for general informational purposes only "
              "and does not constitute professional advice; readers should consult a qualified adviser before "
              "acting on it. {site} may receive compensation from some of the companies mentioned, which does not "
              "influence our editorial coverage or the conclusions our reporters reach.")
SITES_WITH_DISCLAIMER = {f"site{i}.example" for i in range(2, 1000, 3)}
CITIES = (("Springfield", "Ill."), ("Riverton", "Wyo."), ("Fairview", "Ore."), ("Greenville", "S.C."))


@dataclass(frozen=True)
class Source:
    page_id: str
    url: str
    title: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Page:
    label: str  # pages with the same label are copies of one story
    kind: str
    url: str
    html: str


def load_sources(root: Path) -> list[Source]:
    sources = []
    seen_urls: set[str] = set()
    for path in sorted((root / "ground-truth").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        truth = data["ground_truth"]
        url_key = canonicalize_url(data["url"])
        if url_key in seen_urls:  # the set holds a few pages crawled twice: one story, not two
            continue
        seen_urls.add(url_key)
        paragraphs = tuple(p.strip() for p in truth["main_content"].split("\n\n") if p.strip())
        if truth.get("title") and sum(len(p.split()) for p in paragraphs) >= 60:
            sources.append(Source(path.stem, data["url"], truth["title"].strip(), paragraphs))
    return sources


class ParagraphPool:
    """Unrelated paragraphs, each handed out once, so filler never links two stories by accident. Paragraphs
    that also occur in a base article or elsewhere in the pool (pages repeat blocks; a few pages in the set are
    near-copies of each other) are left out."""

    def __init__(self, sources: Iterable[Source], bases: Iterable[Source]) -> None:
        seen = {self.key(p) for base in bases for p in base.paragraphs}
        counts = Counter(self.key(p) for source in sources for p in source.paragraphs)
        self.articles = [[p for p in s.paragraphs if len(p.split()) >= 15 and counts[self.key(p)] == 1
                          and self.key(p) not in seen] for s in sources]
        self.articles = [a for a in self.articles if a]

    @staticmethod
    def key(paragraph: str) -> str:
        return " ".join(tokens(paragraph))

    def take(self, count: int) -> list[str]:
        taken: list[str] = []
        while len(taken) < count and self.articles:
            article = self.articles[-1]
            taken.append(article.pop(0))
            if not article:
                self.articles.pop()
        if len(taken) < count:
            raise SystemExit("paragraph pool exhausted: use fewer --articles")
        return taken


def template_page(site: str, style: int, url: str, title: str, paragraphs: Iterable[str], *,
                  canonical: str | None = None, headline_in_body: bool = True, sidebar: Iterable[str] = ()) -> str:
    """A news page in one of three templates: navigation, headline, byline, body, related links, footer."""
    escape = html.escape
    if site in SITES_WITH_DISCLAIMER:
        paragraphs = [*paragraphs, DISCLAIMER.format(site=site)]
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    related = "".join(f'<li><a href="/story/{i}">{escape(t)}</a></li>' for i, t in enumerate(sidebar))
    head = f'<link rel="canonical" href="{escape(canonical)}">' if canonical else ""
    heading = f"<h1>{escape(title)}</h1>" if headline_in_body else ""
    nav = f'<nav><a href="/">{site}</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>'
    footer = (f"<footer><p>© 2025 {site}. All rights reserved.</p><p>Sign up for our newsletter</p>"
              "<a href='/privacy'>Privacy</a></footer>")
    if style == 0:
        main = (f"<main><article>{heading}<p class='byline'>By Staff Reporter</p>{body}</article>"
                f"<aside><h3>Most read</h3><ul>{related}</ul></aside></main>")
    elif style == 1:
        main = (f"<div class='wrap'><div class='story'>{heading}<div class='meta'>{site} wire</div>"
                f"<div class='story-body'>{body}</div></div><div class='rail'><ul>{related}</ul></div></div>")
    else:
        main = (f"<article>{heading}<section>{body}</section></article>"
                f"<section class='more'><ul>{related}</ul></section>")
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)} | {site}</title>{head}"
            f"</head><body><header>{nav}</header>{main}{footer}</body></html>")


def amp_url(url: str) -> str:
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path}/amp"


def make_pages(sources: list[Source], count: int, seed: int) -> list[Page]:
    rng = random.Random(seed)
    shuffled = sources[:]
    rng.shuffle(shuffled)
    bases, pool = shuffled[:count], ParagraphPool(shuffled[count:], shuffled[:count])
    pages: list[Page] = []
    for index, base in enumerate(bases):
        site_index = index // SITE_SIZE
        siblings = [b.title for b in bases[site_index * SITE_SIZE:(site_index + 1) * SITE_SIZE]]
        pages.extend(story_pages(base, f"site{site_index}.example", site_index % 3, siblings, pool, rng))
    rng.shuffle(pages)
    return pages


def story_pages(base: Source, site: str, style: int, siblings: list[str], pool: ParagraphPool,
                rng: random.Random) -> list[Page]:
    label, paras, title, url = base.page_id, list(base.paragraphs), base.title, base.url
    partner = f"partner{rng.randrange(40)}.example"
    slug = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1] or base.page_id
    partner_url = f"https://{partner}/news/{slug}-{base.page_id}"
    city, state = rng.choice(CITIES)
    pages = [
        Page(label, "original", url, template_page(site, style, url, title, paras, canonical=url, sidebar=siblings)),
        Page(label, "syndicated", f"{partner_url}?utm_source=feed&utm_medium=rss",
             template_page(partner, (style + 1) % 3, partner_url, title, paras,
                           canonical=url if rng.random() < 0.5 else partner_url, sidebar=["Partner picks"])),
        Page(label, "tracking_url", f"{url}?utm_source=twitter&utm_medium=social&fbclid=IwAR{rng.randrange(10**8)}",
             template_page(site, style, url, title, paras, sidebar=list(reversed(siblings)))),
        Page(label, "amp", amp_url(url), template_page(site, 2, amp_url(url), title, paras, canonical=url)),
        Page(label, "prefixed_headline", f"https://wire{rng.randrange(9)}.example/a/{base.page_id}",
             template_page("Wire", 1, "", rng.choice(PREFIXES) + title, paras)),
        Page(label, "local_intro", f"https://local{rng.randrange(30)}.example/n/{base.page_id}",
             template_page(f"{city} Courier", 0, "", f"Here's what to know: {title}",
                           [rng.choice(INTROS).format(city=city, state=state), *paras])),
        Page(label, "truncated", f"https://brief{rng.randrange(9)}.example/{base.page_id}",
             template_page("Briefs", 2, "", title, paras[:max(1, round(len(paras) * 0.6))])),
        Page(label, "typo", f"https://partner{rng.randrange(40)}.example/typo/{base.page_id}",
             template_page("Partner", 1, "", title, with_typo(paras, rng))),
        Page(label, "paragraph_changed", f"https://partner{rng.randrange(40)}.example/ed/{base.page_id}",
             template_page("Partner", 0, "", title, with_paragraph_replaced(paras, pool, rng))),
    ]
    if sum(len(p.split()) for p in paras) <= 400:
        roundup = [*pool.take(3), *paras, *pool.take(3)]
        pages.append(Page(label, "quoted_in_roundup", f"https://digest.example/{base.page_id}",
                          template_page("Digest", 0, "", "Morning briefing: the stories to read today", roundup)))
    pages.append(follow_up(base, site, style, siblings, pool, rng))
    return pages


def with_typo(paragraphs: list[str], rng: random.Random) -> list[str]:
    for _ in range(50):
        index = rng.randrange(len(paragraphs))
        words = paragraphs[index].split(" ")
        position = rng.randrange(len(words))
        word = words[position]
        if len(word) >= 5 and word.isalpha():
            cut = rng.randrange(1, len(word) - 2)
            words[position] = word[:cut] + word[cut + 1] + word[cut] + word[cut + 2:]
            return [*paragraphs[:index], " ".join(words), *paragraphs[index + 1:]]
    return paragraphs


def with_paragraph_replaced(paragraphs: list[str], pool: ParagraphPool, rng: random.Random) -> list[str]:
    """One paragraph rewritten: a long article loses a small share of its text, a three-paragraph one a third."""
    if len(paragraphs) < 3:
        return paragraphs
    index = rng.randrange(1, len(paragraphs) - 1)
    return [*paragraphs[:index], *pool.take(1), *paragraphs[index + 1:]]


def follow_up(base: Source, site: str, style: int, siblings: list[str], pool: ParagraphPool,
              rng: random.Random) -> Page:
    """A new story on the same event and site: one or two of the original's later paragraphs (or its opening
    sentences) covering 15-40% of its distinct text, among at least twice as much new text."""
    original = shingles_of(base.paragraphs)
    budget = rng.uniform(0.15, 0.4) * original.size
    reused: list[str] = []
    for paragraph in reversed(base.paragraphs):  # background from further down, as follow-ups repeat it
        if len(reused) < rng.choice((1, 2)) and shingles_of([*reused, paragraph]).size <= budget:
            reused.append(paragraph)
    if not reused:
        sentences = base.paragraphs[0].split(". ")
        while len(sentences) > 1 and shingles_of([". ".join(sentences)]).size > budget:
            sentences.pop()
        reused = [". ".join(sentences)]
    fresh = pool.take(5)
    while sum(len(p.split()) for p in fresh) < 2 * sum(len(p.split()) for p in reused):
        fresh += pool.take(1)
    body = [fresh[0], reused[0], *fresh[1:3], *reused[1:], *fresh[3:]]
    url = base.url.rstrip("/") + "-follow-up"
    return Page(f"{base.page_id}-followup", "follow_up", url,
                template_page(site, style, url, f"What happens next: {base.title}", body, canonical=url,
                              sidebar=siblings))


def shingles_of(paragraphs: Iterable[str]) -> np.ndarray:
    """Distinct shingles: a page that repeats a block has less distinct text than its word count says."""
    return fingerprint(None, "\n\n".join(paragraphs)).shingles


def write_jsonl(pages: list[Page], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for page in pages:
            handle.write(json.dumps({"url": page.url, "html": page.html}) + "\n")


def pairs_within(groups: Iterable[Iterable[int]]) -> int:
    return sum(len(g) * (len(g) - 1) // 2 for g in (list(x) for x in groups))


def score(labels: dict[int, str], stories: dict[int, str]) -> dict[str, float]:
    """Pairwise precision/recall over the pages that became articles, and purity of the predicted stories."""
    by_story: dict[str, list[int]] = defaultdict(list)
    by_label: dict[str, list[int]] = defaultdict(list)
    both: Counter[tuple[str, str]] = Counter()
    for line, story in stories.items():
        by_story[story].append(line)
        by_label[labels[line]].append(line)
        both[(story, labels[line])] += 1
    predicted, actual = pairs_within(by_story.values()), pairs_within(by_label.values())
    correct = sum(n * (n - 1) // 2 for n in both.values())
    majority: dict[str, int] = defaultdict(int)
    for (story, _label), n in both.items():
        majority[story] = max(majority[story], n)
    return {"precision": correct / predicted if predicted else 1.0, "recall": correct / actual if actual else 1.0,
            "purity": sum(majority.values()) / len(stories), "predicted_pairs": predicted, "true_pairs": actual,
            "stories": len(by_story), "labels": len(by_label)}


def read_back(settings: Settings, jsonl: Path) -> tuple[dict[int, str], dict[int, str], dict[int, str], dict]:
    """Stories, canonical URLs and text hashes per input line, read from the warehouse."""
    with warehouse.open_warehouse(settings, read_only=True) as con:
        rows = con.execute(
            "select a.source_uri, c.story_id, f.url_canonical, f.folded_text_hash from article_copies c "
            "join articles a using (article_id) join dedupe_fingerprints f using (article_id)").fetchall()
        methods = dict(con.execute("select method, count(*) from article_duplicates group by 1").fetchall())
    stories, urls, hashes = {}, {}, {}
    for source_uri, story, url, text_hash in rows:
        path, _, line_text = source_uri.rpartition("#line=")
        if path != str(jsonl):
            continue
        line = int(line_text)
        stories[line], urls[line], hashes[line] = story, url or f"nourl-{line}", text_hash
    return stories, urls, hashes, methods


def per_kind_recall(pages: list[Page], stories: dict[int, str]) -> dict[str, str]:
    """For each positive variant: how many landed in the same story as their original page. An original whose
    text and canonical URL a copy loaded earlier (the shuffle puts a tracking-URL refetch or an AMP page first
    about two times in three) is stored as a document only, not as an article: its story is then the one its
    label's loaded pages mostly share."""
    original_story = {p.label: stories.get(n) for n, p in enumerate(pages, start=1) if p.kind == "original"}
    by_label: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for line, page in enumerate(pages, start=1):
        if page.kind != "follow_up" and line in stories:
            by_label[page.label][stories[line]] += 1
    for label, story in original_story.items():
        if story is None and by_label[label]:
            original_story[label] = by_label[label].most_common(1)[0][0]
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for line, page in enumerate(pages, start=1):
        if page.kind in ("original", "follow_up") or line not in stories:
            continue
        totals[page.kind] += 1
        hits[page.kind] += stories[line] == original_story.get(page.label)
    follow = [n for n, p in enumerate(pages, start=1) if p.kind == "follow_up" and n in stories]
    wrongly = sum(stories[n] == original_story.get(pages[n - 1].label.removesuffix("-followup")) for n in follow)
    result = {kind: f"{hits[kind]}/{totals[kind]}" for kind in sorted(totals)}
    result["follow_up merged into original (should be 0)"] = f"{wrongly}/{len(follow)}"
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="write the JSONL and warehouse here instead of a temp dir")
    args = parser.parse_args(argv)
    if not WCXB_DEV.is_dir():
        print(f"{WCXB_DEV} is absent: nothing to evaluate", file=sys.stderr)
        return 0
    pages = make_pages(load_sources(WCXB_DEV), args.articles, args.seed)
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        jsonl = (root / "syndication.jsonl").absolute()
        write_jsonl(pages, jsonl)
        # Entities play no part in dedupe: the run skips NER, as `ingest run --no-enrich` does, so this times
        # extraction, load and dedupe alone.
        settings = Settings(warehouse=root / "dedupe-eval.duckdb", batch_size=args.batch_size, enrich=False)
        settings.warehouse.unlink(missing_ok=True)
        started = time.perf_counter()
        totals = run_batches([jsonl], settings, "eval-dedupe")
        elapsed = time.perf_counter() - started
        stories, urls, hashes, methods = read_back(settings, jsonl)
    report(pages, stories, urls, hashes, methods, totals, elapsed, args)
    return 0


def report(pages: list[Page], stories: dict[int, str], urls: dict[int, str], hashes: dict[int, str],
           methods: dict, totals: Counter[str], elapsed: float, args: argparse.Namespace) -> None:
    labels = {n: p.label for n, p in enumerate(pages, start=1)}
    print(f"{args.articles} articles -> {len(pages)} pages, {len(stories)} loaded as articles "
          f"({len(pages) - len(stories)} not: {sorted(k for k in totals if k.startswith('rejected'))}); "
          f"pipeline {elapsed:.1f}s ({len(pages) / elapsed:.0f} pages/s incl. extraction)")
    print(f"links recorded by method: {methods}")
    print(f"{'matcher':<28}{'precision':>10}{'recall':>8}{'purity':>8}{'stories':>9}{'labels':>8}")
    for name, clusters in (("canonical URL only", urls), ("exact text hash only", hashes),
                           ("ingest.dedupe.match (all)", stories)):
        s = score(labels, clusters)
        print(f"{name:<28}{s['precision']:>10.4f}{s['recall']:>8.4f}{s['purity']:>8.4f}"
              f"{s['stories']:>9}{s['labels']:>8}")
    print("recall per variant (same story as the original page):")
    for kind, value in per_kind_recall(pages, stories).items():
        print(f"  {kind:<48}{value:>10}")


if __name__ == "__main__":
    raise SystemExit(main())

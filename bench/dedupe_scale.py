"""Does checking a new batch for duplicates stay cheap as the warehouse grows?

    .venv/bin/python bench/dedupe_scale.py [--sizes 1000,100000] [--batch 1000] [--repeats 5] [--lake]

Builds one warehouse per size from synthetic articles (Zipf-distributed vocabulary, 150-700 words, 200 sites)
through the real load and dedupe stages in bulk batches of 2,000 (under the writer lock, as the pipeline writes),
then times loading and deduplicating the same fresh batch of `--batch` articles (a fifth of them edited copies of
articles already loaded, the rest new) into a copy of each warehouse. With `--lake` the same is done, in the same
run, on DuckLakes whose catalog is a private PostgreSQL cluster started here (see `LakeWarehouses`). Backends and
sizes are measured in turn, repeat after repeat, so a busy machine slows them alike. Prints wall and CPU seconds
per batch (medians), links found, and the process RSS, then per backend the ratio of the largest size's cost to
the smallest's (goal: at most 1.5x).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import duckdb
import numpy as np

from ingest.dedupe import match as dedupe
from ingest.extract.clean import article_id_for
from ingest.models import BatchResult, CleanArticle
from ingest.settings import Settings
from ingest.warehouse import connection as warehouse
from ingest.warehouse import writer_lock

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # `tests.` imports when run as a script

from tests.support.lakes import Cluster  # noqa: E402
from tests.support.prefect_server import postgres_database  # noqa: E402

VOCABULARY = 40_000
SITES = 200
BULK = 2_000
_SYLLABLES = np.array([c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ai", "ou")])


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Corpus:
    """Deterministic synthetic news: article n is the same text in every run."""

    def __init__(self, seed: int) -> None:
        rng = np.random.default_rng(seed)
        lengths = rng.integers(2, 5, size=VOCABULARY)
        self.words = np.array(["".join(rng.choice(_SYLLABLES, size=n)) for n in lengths])
        weights = 1 / np.arange(1, VOCABULARY + 1) ** 1.05
        self.cumulative = np.cumsum(weights / weights.sum())
        self.seed = seed

    def text(self, number: int) -> tuple[str, str]:
        rng = np.random.default_rng((self.seed, number))
        length = int(rng.integers(150, 700))
        words = self.words[np.minimum(np.searchsorted(self.cumulative, rng.random(length)), VOCABULARY - 1)]
        count = max(2, length // 90)  # paragraphs of similar length, as news paragraphs are
        cuts = (np.arange(1, count) * length // count + rng.integers(-5, 6, size=count - 1)).astype(int)
        paragraphs = [" ".join(chunk) + "." for chunk in np.split(words, cuts)]
        return " ".join(words[:9]).capitalize(), "\n\n".join(paragraphs)

    def article(self, number: int, copy_of: int | None = None) -> CleanArticle:
        title, body = self.text(copy_of if copy_of is not None else number)
        if copy_of is not None:  # a partner's copy: local intro line, last paragraph dropped, new headline
            paragraphs = body.split("\n\n")
            body = "\n\n".join([f"Local desk report number {number} for our readers.", *paragraphs[:-1]]
                               if len(paragraphs) > 2 else [f"Reported for readers, copy {number}.", *paragraphs])
            title = f"UPDATE: {title}"
        site = number % SITES
        return CleanArticle(
            article_id=article_id_for(f"doc-{number}", f"synthetic://{number}"), document_id=f"doc-{number}",
            source_uri=f"synthetic://{number}",
            url=f"https://www.site{site}.example/news/{number}?utm_source=feed", canonical_url=None, title=title,
            author=None, published_at=None, language="en", site_name=f"Site {site}", description=None, tags=(),
            body_text=body, word_count=len(body.split()), extractor_version="synthetic")


def load_and_dedupe(con: duckdb.DuckDBPyConnection, settings: Settings,
                    articles: list[CleanArticle]) -> tuple[float, float, dedupe.DedupeCounts]:
    started = time.perf_counter()
    loaded = warehouse.load_batch(con, BatchResult(documents=(), articles=tuple(articles), rejects=()), "bench")
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    counts = dedupe.dedupe_articles(con, [a.article_id for a in articles], settings, loaded.load_id)
    return load_seconds, time.perf_counter() - started, counts


def probe_batch(corpus: Corpus, first_number: int, size: int, loaded: int, seed: int) -> list[CleanArticle]:
    rng = np.random.default_rng(seed)
    copies = set(rng.choice(size, size=size // 5, replace=False).tolist())
    return [corpus.article(first_number + i, copy_of=int(rng.integers(0, loaded)) if i in copies else None)
            for i in range(size)]


def grow(settings: Settings, corpus: Corpus, start: int, stop: int) -> tuple[float, float]:
    """Load and dedupe articles start..stop, opening the warehouse per batch, under its writer lock, as the
    pipeline does. Returns the seconds in all and those of the last bulk batch (how a larger build would go on)."""
    started = last = time.perf_counter()
    for first in range(start, stop, BULK):
        last = time.perf_counter()
        with writer_lock.writing(settings) as con:
            load_and_dedupe(con, settings, [corpus.article(n) for n in range(first, min(stop, first + BULK))])
    finished = time.perf_counter()
    return finished - started, finished - last


@dataclass(frozen=True)
class Measurement:
    load_seconds: float
    dedupe_seconds: float
    dedupe_cpu_seconds: float  # all threads of this process: steadier than wall time on a shared machine
    links: int
    rss_mb: float


class Warehouses(Protocol):
    """One backend's warehouses: one grown through the sizes, a copy kept at each size, a probe copy per repeat."""
    kind: str
    growing: Settings

    def keep(self, size: int) -> str: ...  # copy the growing warehouse as `size`; say how big it is on disk

    def probe(self, size: int) -> AbstractContextManager[Settings]: ...  # a fresh copy of `size`, gone after


class FileWarehouses:
    """DuckDB files: each size a copy of the growing file, each probe a copy of that."""
    kind = "file"

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.growing = Settings(warehouse=scratch / "scale.duckdb")

    def keep(self, size: int) -> str:
        shutil.copyfile(self.growing.warehouse, self.scratch / f"scale-{size}.duckdb")
        return f"{self.growing.warehouse.stat().st_size / 2**20:.0f} MB file"

    @contextmanager
    def probe(self, size: int) -> Iterator[Settings]:
        copy = Settings(warehouse=self.scratch / "probe.duckdb")
        shutil.copyfile(self.scratch / f"scale-{size}.duckdb", copy.warehouse)
        try:
            yield copy
        finally:
            copy.warehouse.unlink(missing_ok=True)


class LakeWarehouses:
    """DuckLakes on one private PostgreSQL: each size and each probe a copy of a catalog database (CREATE DATABASE
    ... TEMPLATE), all sharing one data directory. That is sound because DuckLake never changes a data file it
    wrote (new rows, deletes and updates are new files) and nothing here compacts or cleans up files: a catalog
    copied at size N sees exactly the N-article lake. The files a probe writes are deleted after it."""
    kind = "lake"

    def __init__(self, cluster: Cluster, scratch: Path) -> None:
        self.cluster, self.data = cluster, scratch / "lake-data"
        self.growing = cluster.new_lake("scale", self.data)

    def keep(self, size: int) -> str:
        self.cluster.create_database(f"scale_{size}", template="scale")
        megabytes = sum(path.stat().st_size for path in self.data.rglob("*") if path.is_file()) / 2**20
        return f"{megabytes:.0f} MB of data files"

    @contextmanager
    def probe(self, size: int) -> Iterator[Settings]:
        before = set(self.data.rglob("*"))
        self.cluster.create_database("probe", template=f"scale_{size}")
        try:
            yield Settings(warehouse=Path(self.cluster.catalog("probe")), lake_data_path=self.data)
        finally:
            self.cluster.drop_database("probe")
            for path in set(self.data.rglob("*")) - before:
                if path.is_file():
                    path.unlink()


def measure(warehouses: Warehouses, size: int, batch: list[CleanArticle]) -> Measurement:
    """Load and dedupe one batch into a fresh copy of a warehouse, so every repeat sees the same size."""
    with warehouses.probe(size) as settings, writer_lock.writing(settings) as con:
        con.execute("select count(*) from dedupe_bands").fetchall()  # open-time catalog work, not dedupe
        held = con.execute("select count(*) from articles").fetchone()
        if held is None or held[0] != size:
            raise RuntimeError(f"the {warehouses.kind} copy of size {size:,} holds {held} articles")
        cpu = time.process_time()
        load_seconds, dedupe_seconds, counts = load_and_dedupe(con, settings, batch)
        cpu = time.process_time() - cpu
    return Measurement(load_seconds, dedupe_seconds, cpu, counts.exact + counts.near + counts.url, rss_mb())


def build(warehouses: Warehouses, corpus: Corpus, sizes: list[int]) -> None:
    """One warehouse per size, each grown from the previous one."""
    loaded = 0
    for size in sizes:
        (seconds, last), loaded = grow(warehouses.growing, corpus, loaded, size), size
        print(f"{warehouses.kind}: bulk-loaded and deduplicated up to {size:,} articles in {seconds:.1f}s, the last "
              f"bulk batch in {last:.1f}s ({warehouses.keep(size)}, RSS {rss_mb():.0f} MB, "
              f"peak {peak_rss_mb():.0f} MB)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--lake", action="store_true", help="also on DuckLakes (a private PostgreSQL catalog)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    corpus = Corpus(seed=11)
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        backends: list[Warehouses] = [FileWarehouses(scratch)]
        if args.lake:
            backends.append(LakeWarehouses(Cluster.at(stack.enter_context(postgres_database())), scratch))
        for warehouses in backends:
            build(warehouses, corpus, sizes)
        results = measure_all(backends, corpus, sizes, args.batch, args.repeats)
    report(results, sizes)
    return 0


def measure_all(backends: list[Warehouses], corpus: Corpus, sizes: list[int], batch_size: int,
                repeats: int) -> dict[tuple[str, int], list[Measurement]]:
    """Backends and sizes in turn, repeat after repeat, so load from other processes hits all alike."""
    results: dict[tuple[str, int], list[Measurement]] = {(w.kind, size): [] for w in backends for size in sizes}
    for repeat in range(repeats):
        batch = probe_batch(corpus, 10**9 + repeat * batch_size, batch_size, sizes[0], seed=repeat)
        for warehouses in backends:
            for size in sizes:
                results[(warehouses.kind, size)].append(measure(warehouses, size, batch))
    return results


def report(results: dict[tuple[str, int], list[Measurement]], sizes: list[int]) -> None:
    print(f"{'backend':>7} {'warehouse':>10} {'dedupe/batch':>13} {'cpu/batch':>10} {'load/batch':>11} {'links':>6} "
          f"{'rss MB':>7}")
    for (kind, size), runs in results.items():
        print(f"{kind:>7} {size:>10,} {median(runs, 'dedupe_seconds'):>12.3f}s "
              f"{median(runs, 'dedupe_cpu_seconds'):>9.3f}s {median(runs, 'load_seconds'):>10.3f}s "
              f"{runs[0].links:>6} {max(r.rss_mb for r in runs):>7.0f}")
    for kind in dict.fromkeys(kind for kind, _ in results):
        base = results[(kind, sizes[0])]
        for size in sizes[1:]:
            wall = median(results[(kind, size)], "dedupe_seconds") / median(base, "dedupe_seconds")
            cpu = median(results[(kind, size)], "dedupe_cpu_seconds") / median(base, "dedupe_cpu_seconds")
            print(f"{kind}: per-batch dedupe cost at {size:,} vs {sizes[0]:,}: {wall:.2f}x wall, {cpu:.2f}x cpu "
                  "(goal <= 1.5x)")
    print(f"peak RSS {peak_rss_mb():.0f} MB (cpu: this process's threads; a lake's PostgreSQL catalog not counted)")


def median(runs: list[Measurement], field: str) -> float:
    return statistics.median(getattr(r, field) for r in runs)


if __name__ == "__main__":
    sys.exit(main())

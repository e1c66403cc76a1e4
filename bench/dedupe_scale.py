"""Does checking a new batch for duplicates stay cheap as the warehouse grows?

    .venv/bin/python bench/dedupe_scale.py [--sizes 1000,1000000] [--batch 1000] [--repeats 5] [--lake] \
        [--lake-only] [--real N] [--profile]

Builds one warehouse per size from synthetic articles (Zipf-distributed vocabulary, 150-700 words, 200 sites): the
first `--real` (default: the first size) through the real load and dedupe stages in bulk batches of 2,000 (under
the writer lock, as the pipeline writes), the rest as rows written straight into the tables dedupe reads (`Filler`
says what is synthetic there and why it is representative), so a million articles take minutes, not hours. Then
times loading and deduplicating the same fresh batch of `--batch` articles (a fifth of them edited copies of
articles of the first size, the rest new) into a copy of each warehouse, each in a fresh process, so its peak RSS
is the batch's own. With `--lake` the same is done, in the same run, on DuckLakes whose catalog is a private
PostgreSQL cluster started here (see `LakeWarehouses`). Backends and sizes are measured in turn, repeat after
repeat, so a busy machine slows them alike. Prints wall and CPU seconds per batch (medians), links found, the
seconds closing the warehouse takes after it (on a file, the checkpoint), RSS after the batch and peak RSS, then
per backend the ratio of the largest size's cost to the smallest's (goal: at most 1.5x); `--profile` adds the
seconds of each statement at the smallest and largest size, and by how much it raised the peak RSS.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ingest.dedupe import match as dedupe
from ingest.dedupe.fingerprints import ANCHOR_BITS
from ingest.extract.clean import article_id_for
from ingest.models import BatchResult, CleanArticle, utc_now
from ingest.settings import Settings
from ingest.urls import canonical_url_for
from ingest.warehouse import connection as warehouse
from ingest.warehouse import writer_lock
from ingest.warehouse.dedupe_store import article_key

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
    """This process's peak RSS (VmHWM: unlike getrusage's ru_maxrss, not carried over from the parent that
    started it)."""
    with open("/proc/self/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("VmHWM:")) / 1024


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


FILL_CHUNK = 50_000
FILL_LOAD_ID = "synthetic-fill"


class Filler:
    """Articles beyond the real ones, written straight into the tables dedupe reads, as the dedupe stage would have
    left them, without running it a million times (1.7 ms of Python per article to fingerprint alone).

    What is real: the rows' shape and sizes. Texts are drawn from the corpus's Zipf vocabulary with its lengths
    (150-700 words), so `articles` holds as many bytes per article as a real build; every article has one
    fingerprint row, 32 band postings, about shingles/16 anchor postings (Poisson), a story of its own and version
    1 at its own canonical URL, as a first load of distinct texts gives. What is synthetic: the text hash, band and
    anchor hashes are uniform random values instead of hashes of the text: band hashes over all 64 bits, anchor
    hashes over the slice real anchors come from (top `ANCHOR_BITS` bits zero; drawn over all 64 bits, 15/16 of
    them fell outside the probe's min/max and were skipped, which a real lake never does). For bands that changes
    nothing (a band hash of unrelated texts is uniform; two share one with probability about s^4, s their Jaccard
    similarity, near 0 here); for anchors it drops the few chance collisions of common 4-word runs, which the real
    path caps anyway (an anchor in over 100 articles becomes common and is no longer posted). So a probe batch's
    joins scan as many posting rows as in a real lake of that size and find the same candidates: its copies'
    originals, which are real articles of the first size (see `probe_batch`). Written in chunks of `FILL_CHUNK`, so
    a lake holds few large files, as after the maintenance flow merged them."""

    def __init__(self, corpus: Corpus) -> None:
        self.words = pa.array(corpus.words)
        self.cumulative = corpus.cumulative
        self.seed = corpus.seed

    def tables(self, first: int, stop: int) -> dict[str, pa.Table]:
        rng = np.random.default_rng((self.seed, 7, first))
        numbers = range(first, stop)
        lengths = rng.integers(150, 700, size=len(numbers))
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int32)
        picks = np.minimum(np.searchsorted(self.cumulative, rng.random(int(offsets[-1]))), VOCABULARY - 1)
        words = pa.ListArray.from_arrays(pa.array(offsets), self.words.take(pa.array(picks)))
        ids = [article_id_for(f"doc-{n}", f"synthetic://{n}") for n in numbers]
        keys = np.array([article_key(i) for i in ids], dtype=np.int64)
        urls = [f"https://www.site{n % SITES}.example/news/{n}?utm_source=feed" for n in numbers]
        canonical = [f"https://site{n % SITES}.example/news/{n}" for n in numbers]
        assert canonical[0] == canonical_url_for(urls[0], None), "the canonical URL rules changed: follow them here"
        hashes = rng.bytes(16 * len(ids)).hex()
        text_hashes = [hashes[i:i + 32] for i in range(0, len(hashes), 32)]
        anchors = rng.poisson((lengths - 3) / 16)
        now = pa.array([utc_now()] * len(ids), pa.timestamp("us"))
        load = [FILL_LOAD_ID] * len(ids)
        return {
            "articles": pa.table({
                "article_id": ids, "document_id": [f"doc-{n}" for n in numbers], "url": urls,
                "source_uri": [f"synthetic://{n}" for n in numbers], "language": ["en"] * len(ids),
                "title": pc.utf8_capitalize(pc.binary_join(pc.list_slice(words, 0, 9), " ")),
                "site_name": [f"Site {n % SITES}" for n in numbers], "body_text": pc.binary_join(words, " "),
                "word_count": pa.array(lengths, pa.int32()), "extractor_version": ["synthetic"] * len(ids),
                "ingested_at": now, "load_id": load}),
            "dedupe_fingerprints": pa.table({
                "article_id": ids, "article_key": keys, "url_as_given": urls, "url_canonical": canonical,
                "folded_text_hash": text_hashes, "shingles": pa.array(lengths - 3, pa.int32()),
                "anchors": pa.array(anchors, pa.int32()), "load_id": load, "fingerprinted_at": now}),
            "dedupe_bands": pa.table({
                "band": np.tile(np.arange(32, dtype=np.int16), len(ids)),
                "hash": rng.integers(-2**63, 2**63 - 1, size=32 * len(ids), dtype=np.int64),
                "article_key": np.repeat(keys, 32)}),
            "dedupe_anchors": pa.table({
                "hash": rng.integers(0, 2**(64 - ANCHOR_BITS), size=int(anchors.sum()), dtype=np.int64),
                "article_key": np.repeat(keys, anchors)}),
            "article_stories": pa.table({"article_id": ids, "story_id": ids, "load_id": load}),
            "article_versions": pa.table({
                "url_canonical": canonical, "version": pa.array([1] * len(ids), pa.int32()), "article_id": ids,
                "folded_text_hash": text_hashes, "load_id": load}),
        }


def fill(settings: Settings, filler: Filler, start: int, stop: int) -> tuple[float, float]:
    """Write synthetic articles start..stop (see `Filler`), one transaction per chunk, under the writer lock.
    Returns the seconds in all and those of the last chunk."""
    started = last = time.perf_counter()
    for first in range(start, stop, FILL_CHUNK):
        last = time.perf_counter()
        tables = filler.tables(first, min(stop, first + FILL_CHUNK))
        with writer_lock.writing(settings) as con, warehouse.transaction(con), \
                warehouse.registered(con, {f"fill_{name}": table for name, table in tables.items()}):
            for name in tables:  # a bench's own bulk write of synthetic rows, not a load path
                con.execute(f"insert into {name} by name select * from fill_{name}")
    finished = time.perf_counter()
    return finished - started, finished - last


@dataclass(frozen=True)
class Measurement:
    load_seconds: float
    dedupe_seconds: float
    dedupe_cpu_seconds: float  # all threads of the probe process: steadier than wall time on a shared machine
    links: int
    close_seconds: float  # closing the warehouse after the batch: on a file, the checkpoint writing it into the file
    rss_mb: float  # the probe process's, after the batch
    peak_rss_mb: float  # the probe process's peak: opening the warehouse, loading and deduplicating one batch
    statements: dict[str, float]  # seconds per statement run (`--profile`), by statement name
    statement_peaks: dict[str, float]  # MB each statement raised the process's peak RSS by (`--profile`), by name


def _statement_names() -> list[tuple[str, str]]:
    """(the text of a statement's first line up to any `{slot}`, its name), longest first."""
    queries = warehouse.SQL_DIR / "queries"
    named = [(path.read_text().split("\n", 1)[0].split("{")[0], str(path.relative_to(queries).with_suffix("")))
             for path in queries.rglob("*.sql")]
    return sorted(named, key=lambda pair: -len(pair[0]))


class TimedConnection:
    """A connection that adds up, by statement name, the seconds each statement's execution takes (DuckDB runs a
    query to its end in `execute`; fetching converts the rows already made) and how far it raised the process's
    peak RSS: which statements make memory grow with the warehouse (a scan's column blocks stay in DuckDB's buffer
    pool; a look-up or insert through a primary key loads that key's whole ART index)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con, self.names = con, _statement_names()
        self.seconds, self.peaks = defaultdict[str, float](float), defaultdict[str, float](float)

    def execute(self, sql: str, *args: Any) -> duckdb.DuckDBPyConnection:
        peak, started = peak_rss_mb(), time.perf_counter()
        result = self.con.execute(sql, *args)
        first_line = sql.lstrip().split("\n", 1)[0]
        name = next((n for prefix, n in self.names if first_line.startswith(prefix)), first_line[:40])
        self.seconds[name] += time.perf_counter() - started
        # Linux syncs each thread's RSS counter lazily, so the peak read can step back by a fraction of a MB
        self.peaks[name] += max(0.0, peak_rss_mb() - peak)
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.con, name)


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
    copied at size N sees exactly the N-article lake. The files (and directories) a probe writes are deleted after
    it."""
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
            # deepest first: a directory the probe made holds only what the probe wrote
            for path in sorted(set(self.data.rglob("*")) - before, key=lambda p: len(p.parts), reverse=True):
                if path.is_dir():
                    path.rmdir()
                else:
                    path.unlink()


def measure(warehouses: Warehouses, size: int, batch: list[CleanArticle], profile: bool) -> Measurement:
    """Load and dedupe one batch into a fresh copy of a warehouse, so every repeat sees the same size, in a fresh
    process of its own, so its peak RSS is the batch's alone."""
    context = multiprocessing.get_context("spawn")
    with warehouses.probe(size) as settings, \
            concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as process:
        return process.submit(measure_here, warehouses.kind, settings, size, batch, profile).result()


def measure_here(kind: str, settings: Settings, size: int, batch: list[CleanArticle], profile: bool) -> Measurement:
    with writer_lock.writing(settings) as con:
        con.execute("select count(*) from dedupe_bands").fetchall()  # open-time catalog work, not dedupe
        held = con.execute("select count(*) from articles").fetchone()
        if held is None or held[0] != size:
            raise RuntimeError(f"the {kind} copy of size {size:,} holds {held} articles")
        timed = TimedConnection(con)
        cpu = time.process_time()
        load_seconds, dedupe_seconds, counts = load_and_dedupe(timed if profile else con,  # type: ignore[arg-type]
                                                               settings, batch)
        cpu = time.process_time() - cpu
        closing = time.perf_counter()
    return Measurement(load_seconds, dedupe_seconds, cpu, counts.exact + counts.near + counts.url,
                       time.perf_counter() - closing, rss_mb(), peak_rss_mb(), dict(timed.seconds), dict(timed.peaks))


def build(warehouses: Warehouses, corpus: Corpus, sizes: list[int], real: int) -> None:
    """One warehouse per size, each grown from the previous one: the first `real` articles through the load and
    dedupe stages, the rest written by `Filler`."""
    loaded, filler = 0, Filler(corpus)
    for size in sizes:
        through_stages = min(size, real)
        grown = grow(warehouses.growing, corpus, loaded, through_stages) if through_stages > loaded else (0.0, 0.0)
        filled = fill(warehouses.growing, filler, max(loaded, through_stages), size) if size > through_stages \
            else (0.0, 0.0)
        loaded = size
        print(f"{warehouses.kind}: {size:,} articles: {grown[0]:.1f}s loading and deduplicating (last bulk batch "
              f"{grown[1]:.1f}s), {filled[0]:.1f}s writing synthetic ones (last chunk of {FILL_CHUNK:,} "
              f"{filled[1]:.1f}s) ({warehouses.keep(size)}, RSS {rss_mb():.0f} MB, peak {peak_rss_mb():.0f} MB)",
              flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,100000")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--lake", action="store_true", help="also on DuckLakes (a private PostgreSQL catalog)")
    parser.add_argument("--lake-only", action="store_true", help="on DuckLakes only (to profile a lake)")
    parser.add_argument("--real", type=int, default=None,
                        help="articles built through the load and dedupe stages (default: the first size); the rest "
                             "are synthetic rows (see Filler)")
    parser.add_argument("--profile", action="store_true", help="also time each statement of the probe batch")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    real = args.real if args.real is not None else sizes[0]
    if real < sizes[0]:
        parser.error("--real must cover the first size: a probe batch copies articles from it")
    corpus = Corpus(seed=11)
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        backends: list[Warehouses] = [] if args.lake_only else [FileWarehouses(scratch)]
        if args.lake or args.lake_only:
            backends.append(LakeWarehouses(Cluster.at(stack.enter_context(postgres_database())), scratch))
        for warehouses in backends:
            build(warehouses, corpus, sizes, real)
        results = measure_all(backends, corpus, sizes, args.batch, args.repeats, args.profile)
    report(results, sizes)
    if args.profile:
        report_statements(results, sizes)
    return 0


def measure_all(backends: list[Warehouses], corpus: Corpus, sizes: list[int], batch_size: int,
                repeats: int, profile: bool) -> dict[tuple[str, int], list[Measurement]]:
    """Backends and sizes in turn, repeat after repeat, so load from other processes hits all alike."""
    results: dict[tuple[str, int], list[Measurement]] = {(w.kind, size): [] for w in backends for size in sizes}
    for repeat in range(repeats):
        batch = probe_batch(corpus, 10**9 + repeat * batch_size, batch_size, sizes[0], seed=repeat)
        for warehouses in backends:
            for size in sizes:
                results[(warehouses.kind, size)].append(measure(warehouses, size, batch, profile))
    return results


def report(results: dict[tuple[str, int], list[Measurement]], sizes: list[int]) -> None:
    print(f"{'backend':>7} {'warehouse':>10} {'dedupe/batch':>13} {'cpu/batch':>10} {'load/batch':>11} "
          f"{'close/batch':>12} {'links':>6} {'rss MB':>7} {'peak MB':>8}")
    for (kind, size), runs in results.items():
        print(f"{kind:>7} {size:>10,} {median(runs, 'dedupe_seconds'):>12.3f}s "
              f"{median(runs, 'dedupe_cpu_seconds'):>9.3f}s {median(runs, 'load_seconds'):>10.3f}s "
              f"{median(runs, 'close_seconds'):>11.3f}s {runs[0].links:>6} {max(r.rss_mb for r in runs):>7.0f} "
              f"{max(r.peak_rss_mb for r in runs):>8.0f}")
    for kind in dict.fromkeys(kind for kind, _ in results):
        base = results[(kind, sizes[0])]
        for size in sizes[1:]:
            wall = median(results[(kind, size)], "dedupe_seconds") / median(base, "dedupe_seconds")
            cpu = median(results[(kind, size)], "dedupe_cpu_seconds") / median(base, "dedupe_cpu_seconds")
            peak = max(r.peak_rss_mb for r in results[(kind, size)]) / max(r.peak_rss_mb for r in base)
            print(f"{kind}: per-batch dedupe cost at {size:,} vs {sizes[0]:,}: {wall:.2f}x wall, {cpu:.2f}x cpu, "
                  f"{peak:.2f}x peak RSS (goal <= 1.5x)")
    print("each batch in a fresh process: cpu and RSS are that process's (a lake's PostgreSQL catalog not counted); "
          "peak RSS includes closing the warehouse (close/batch)")


def report_statements(results: dict[tuple[str, int], list[Measurement]], sizes: list[int]) -> None:
    """Median seconds per statement and the MB it raised the peak RSS by, smallest and largest size side by side,
    the most grown in seconds first."""
    for kind in dict.fromkeys(kind for kind, _ in results):
        small, big = results[(kind, sizes[0])], results[(kind, sizes[-1])]
        names = {name for run in small + big for name in run.statements}
        rows = [(name, *(statistics.median(getattr(r, field).get(name, 0.0) for r in runs)
                         for field in ("statements", "statement_peaks") for runs in (small, big))) for name in names]
        print(f"{kind}: seconds per statement at {sizes[0]:,} and {sizes[-1]:,}, and the MB it raised the peak RSS "
              "by (medians), most grown first")
        for name, at_small, at_big, peak_small, peak_big in sorted(rows, key=lambda row: row[1] - row[2])[:12]:
            print(f"  {name:<40} {at_small:>7.3f}s {at_big:>7.3f}s {peak_small:>6.0f} MB {peak_big:>6.0f} MB")


def median(runs: list[Measurement], field: str) -> float:
    return statistics.median(getattr(r, field) for r in runs)


if __name__ == "__main__":
    sys.exit(main())

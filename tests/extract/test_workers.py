"""Extraction on worker processes: same results as in-process, and a page over its time limit is rejected alone."""

from __future__ import annotations

from ingest.extract.workers import ExtractionPool, extract_and_clean
from ingest.models import CleanArticle, RawDocument, Reject
from ingest.settings import Settings
from tests.support.pages import article_html


def _documents(count: int) -> list[RawDocument]:
    return [RawDocument(source_uri=f"page{n}.html", media_type="text/html",
                        content=article_html(title=f"Story {n}").replace("tram", f"tram {n}").encode())
            for n in range(count)]


def test_workers_give_the_same_outcomes_in_the_same_order_as_in_process(settings: Settings) -> None:
    documents = [*_documents(10),
                 RawDocument(source_uri="junk.html", media_type="text/html", content=b"\0\1" * 300)]
    with ExtractionPool(settings.model_copy(update={"extraction_workers": 2})) as pool:
        parallel = pool.run(documents)
    serial = [extract_and_clean(d, settings) for d in documents]
    assert parallel == serial
    assert isinstance(parallel[-1], Reject) and parallel[-1].reason == "binary_content"
    assert all(isinstance(o, CleanArticle) for o in parallel[:-1])


def test_a_page_past_the_time_limit_is_rejected_and_the_others_still_extracted(settings: Settings) -> None:
    # 200,000 tiny paragraphs: about 25 s of extraction here, against about 20 ms for each ordinary page, so a
    # 3 s limit separates them by an order of magnitude either way, even on a loaded machine.
    huge = RawDocument(source_uri="huge.html", media_type="text/html",
                       content=("<html><body><article>" + "<p>Word and word again here.</p>" * 200_000
                                + "</article></body></html>").encode())
    documents = _documents(4) + [huge] + _documents(8)[4:]
    limited = settings.model_copy(update={"extraction_workers": 2, "extract_timeout_seconds": 3.0})
    with ExtractionPool(limited) as pool:
        outcomes = pool.run(documents)
    by_source = {o.source_uri if isinstance(o, CleanArticle) else o.input: o for o in outcomes}
    assert len(outcomes) == len(documents)
    timed_out = by_source["huge.html"]
    assert isinstance(timed_out, Reject) and timed_out.reason == "timeout" and timed_out.stage == "extract"
    assert all(isinstance(by_source[d.source_uri], CleanArticle) for d in documents if d is not huge)


def test_documents_handed_ahead_are_collected_with_the_rest_in_order(settings: Settings) -> None:
    documents = _documents(8)
    with ExtractionPool(settings.model_copy(update={"extraction_workers": 2})) as pool:
        plain = pool.run(documents)
        # handed ahead: the last five and one the batch never asks for (a document found loaded meanwhile)
        ahead = pool.submit_ahead([*documents[3:], *_documents(9)[8:]])
        collected = pool.run(documents, ahead)
    assert collected == plain
    assert all(result.ready() for result in ahead.results.values())  # taken from the workers, not redone later


def test_documents_handed_to_a_pool_since_restarted_are_extracted_again(settings: Settings) -> None:
    documents = _documents(4)
    with ExtractionPool(settings.model_copy(update={"extraction_workers": 2})) as pool:
        ahead = pool.submit_ahead(documents)
        pool.close()  # what a page past its time limit does: the workers and everything handed to them are gone
        outcomes = pool.run(documents, ahead)
    assert outcomes == [extract_and_clean(d, settings) for d in documents]

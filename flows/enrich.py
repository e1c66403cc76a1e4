"""`enrich-articles`: re-run NER and resolution over articles already in the warehouse (after a model or gazetteer
change). Thin: the stages are `ingest.pipeline`'s (NER with the warehouse closed, the load in a window of its own
under the writer guard), run as Prefect tasks by `flows.stages`.
"""

from __future__ import annotations

from datetime import date

from prefect import flow, get_run_logger

from flows.stages import new_run, start
from ingest import pipeline
from ingest.settings import Settings


@flow(name="enrich-articles", log_prints=False)
def enrich_articles(warehouse_path: str | None = None, since: str | None = None, stale_only: bool = False,
                    batch_size: int | None = None) -> dict[str, int]:
    """Re-run NER and resolution over the warehouse's articles (dated on or after `since`, YYYY-MM-DD)."""
    overrides = {k: v for k, v in {"warehouse": warehouse_path, "batch_size": batch_size}.items() if v is not None}
    settings = Settings(**overrides)  # type: ignore[arg-type]
    since_date = date.fromisoformat(since) if since else None
    with pipeline.RunWorkers(settings) as workers:  # one NER worker pool for the whole run
        run = new_run(settings, workers)
        totals = start(run, None, [])  # no run row: this flow loads no inputs
        totals.update(pipeline.enrich_warehouse(run, since_date, stale_only))
    get_run_logger().info("enrichment complete: %s", ", ".join(f"{k}={v}" for k, v in sorted(totals.items())))
    return dict(totals)

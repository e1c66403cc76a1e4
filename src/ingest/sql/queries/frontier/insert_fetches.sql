-- One fetches row per fetch (registered as incoming_fetches, which also carries frontier bookkeeping columns).
insert into fetches (
    fetch_id, run_id, source_id, purpose, url, final_url, status, outcome, detail, bytes, elapsed_seconds, attempts,
    conditional, etag, last_modified, body_sha256, content_type, document_id, fetched_at, load_id, page_verdict
)
select
    fetch_id, run_id, source_id, purpose, url, final_url, status, outcome, detail, bytes, elapsed_seconds, attempts,
    conditional, etag, last_modified, body_sha256, content_type, document_id, fetched_at, load_id, page_verdict
from incoming_fetches

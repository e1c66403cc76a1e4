-- Each fetched frontier URL takes its new state; a retry waits the server's Retry-After or a delay doubling with each
-- attempt from $retry_base_seconds, at most $retry_cap_seconds.
update frontier set
    state = i.state,
    attempts = frontier.attempts + 1,
    not_before = case when i.state = 'retry' then i.fetched_at + to_seconds(greatest(
        coalesce(i.retry_after_seconds, 0),
        least($retry_cap_seconds, $retry_base_seconds * pow(2, frontier.attempts)))) end,
    last_outcome = i.outcome,
    last_fetch_at = i.fetched_at,
    document_id = coalesce(i.document_id, frontier.document_id)
from incoming_fetches i
where i.canonical_url is not null and frontier.canonical_url = i.canonical_url

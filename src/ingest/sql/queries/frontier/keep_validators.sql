-- The validators of each URL's latest successful fetch (2xx, unless the fetch asked not to store them) are kept:
-- a MERGE on url, not `insert or replace`, which needs a primary key a DuckLake warehouse cannot have.
merge into fetch_validators using (
    select distinct on (url) url, etag, last_modified, body_sha256, document_id, fetched_at, load_id
    from incoming_fetches
    where store_validators and outcome in ('ok', 'not_modified') and status between 200 and 299
    order by url, fetched_at desc
) as latest on fetch_validators.url = latest.url
when matched then update set etag = latest.etag, last_modified = latest.last_modified,
    body_sha256 = latest.body_sha256, document_id = latest.document_id, updated_at = latest.fetched_at,
    load_id = latest.load_id
when not matched then insert (url, etag, last_modified, body_sha256, document_id, updated_at, load_id)
    values (latest.url, latest.etag, latest.last_modified, latest.body_sha256, latest.document_id, latest.fetched_at,
            latest.load_id)

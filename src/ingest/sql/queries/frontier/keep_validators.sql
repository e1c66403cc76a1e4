-- The validators of each URL's latest successful fetch (2xx, unless the fetch asked not to store them) are kept.
insert or replace into fetch_validators
select distinct on (url) url, etag, last_modified, body_sha256, document_id, fetched_at, load_id
from incoming_fetches
where store_validators and outcome in ('ok', 'not_modified') and status between 200 and 299
order by url, fetched_at desc

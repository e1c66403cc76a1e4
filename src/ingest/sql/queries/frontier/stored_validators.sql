-- The validators kept from the last successful fetch of each of these URLs, for conditional requests.
select url, etag, last_modified, body_sha256
from fetch_validators
where url in (select unnest($urls::varchar[]))

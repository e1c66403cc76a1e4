-- URLs found again (registered as incoming_urls) that the frontier holds are queued again, at their newest spelling.
update frontier set state = 'queued', not_before = null, url = i.url
from (select distinct on (canonical_url) * from incoming_urls) i
where frontier.canonical_url = i.canonical_url

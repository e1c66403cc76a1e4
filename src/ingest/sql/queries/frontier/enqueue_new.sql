-- URLs found (registered as incoming_urls) that the frontier does not hold yet are queued, once per canonical URL.
insert into frontier
select distinct on (canonical_url)
    canonical_url, url, source_id, discovered_via, title, published_at,
    'queued', null, 0, null, null, null, $now::timestamp, $load_id
from incoming_urls i
where not exists (select 1 from frontier f where f.canonical_url = i.canonical_url)

-- URLs to fetch: queued and not claimed by a crawl (a claim sets not_before to when its lease ends), or a retry whose
-- time has come; of some sources and/or some URLs when those lists are not null. nth numbers each source's URLs,
-- the longest waiting first, for the per-source cap.
select canonical_url, url, source_id,
       row_number() over (partition by source_id order by discovered_at, canonical_url) as nth
from frontier
where (state in ('queued', 'retry') and coalesce(not_before, $now) <= $now)
  and ($source_ids::varchar[] is null or source_id in (select unnest($source_ids::varchar[])))
  and ($canonical_urls::varchar[] is null or canonical_url in (select unnest($canonical_urls::varchar[])))
order by discovered_at, canonical_url

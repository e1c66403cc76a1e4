-- The named sources, enabled or not ($source_ids), or every enabled source when $source_ids is null.
select source_id, kind, url, schedule, enabled, rate_per_second
from sources
where ($source_ids::varchar[] is null and enabled)
   or source_id in (select unnest($source_ids::varchar[]))
order by source_id

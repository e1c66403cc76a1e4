-- Seed rows (registered as incoming_sources) that are new or differ from the stored source replace it.
insert or replace into sources
select source_id, kind, url, schedule, enabled, rate_per_second, $now::timestamp, $load_id
from incoming_sources i
where not exists (
    select 1 from sources s
    where s.source_id = i.source_id and s.kind = i.kind and s.url = i.url
      and s.schedule is not distinct from i.schedule and s.enabled = i.enabled
      and s.rate_per_second is not distinct from i.rate_per_second
)

-- Seed rows (registered as incoming_sources) that are new or differ from the stored source replace it: a MERGE on
-- source_id, not `insert or replace`, which needs a primary key a DuckLake warehouse cannot have.
merge into sources using (
    select source_id, kind, url, schedule, enabled, rate_per_second
    from incoming_sources i
    where not exists (
        select 1 from sources s
        where s.source_id = i.source_id and s.kind = i.kind and s.url = i.url
          and s.schedule is not distinct from i.schedule and s.enabled = i.enabled
          and s.rate_per_second is not distinct from i.rate_per_second
    )
) as changed on sources.source_id = changed.source_id
when matched then update set kind = changed.kind, url = changed.url, schedule = changed.schedule,
    enabled = changed.enabled, rate_per_second = changed.rate_per_second, synced_at = $now::timestamp,
    load_id = $load_id
when not matched then insert (source_id, kind, url, schedule, enabled, rate_per_second, synced_at, load_id)
    values (changed.source_id, changed.kind, changed.url, changed.schedule, changed.enabled, changed.rate_per_second,
            $now::timestamp, $load_id)

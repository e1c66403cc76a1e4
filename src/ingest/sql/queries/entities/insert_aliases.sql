-- Incoming aliases not recorded yet; one row per (entity, alias) even when several articles of the batch bring it.
insert into entity_aliases by name
select i.entity_id, i.alias, min(i.first_seen_at) as first_seen_at, min(i.load_id) as load_id
from incoming_aliases i
where not exists (select 1 from entity_aliases a where a.entity_id = i.entity_id and a.alias = i.alias)
group by i.entity_id, i.alias

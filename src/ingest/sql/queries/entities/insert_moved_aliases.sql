-- The aliases of each entity mentions moved away from (moved) follow them to the new one: one row per alias of the
-- new entity even when several old entities carried it ("Platform" of two local entities folded into one).
insert into entity_aliases by name
select m.new_id as entity_id, a.alias, min(a.first_seen_at) as first_seen_at, ? as load_id
from entity_aliases a join moved m on a.entity_id = m.old_id
where not exists (select 1 from entity_aliases b where b.entity_id = m.new_id and b.alias = a.alias)
group by m.new_id, a.alias

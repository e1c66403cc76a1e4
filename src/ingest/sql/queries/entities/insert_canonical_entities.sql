-- Settled entities (canonical) not in entities yet, with this load's id.
insert into entities by name
select distinct on (entity_id) entity_id, name, type, wikidata_id, now()::timestamp as created_at, ? as load_id
from canonical c
where not exists (select 1 from entities e where e.entity_id = c.entity_id)

-- Incoming entities not known yet; returns how many.
insert into entities by name select * from incoming_entities i
where not exists (select 1 from entities e where e.entity_id = i.entity_id)

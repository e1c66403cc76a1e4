-- Incoming aliases not recorded yet.
insert into entity_aliases by name select * from incoming_aliases i
where not exists (select 1 from entity_aliases a where a.entity_id = i.entity_id and a.alias = i.alias)

-- The incoming local entities' names (incoming_local_names) not recorded yet, with this load's id.
insert into entity_local_names by name
select entity_id as local_entity_id, name, name_key, type, wikidata_id, ? as load_id from incoming_local_names i
where not exists (select 1 from entity_local_names n where n.local_entity_id = i.entity_id)

-- Local entities whose settled entity the batch may change: names sharing a key (or a surname) with its names.
with incoming_keys as (
    select distinct name_key from entity_local_names
    where local_entity_id in (select entity_id from incoming_entities union select entity_id from previous_local)
), short_keys as (  -- an incoming full name may settle its surname; an incoming surname needs every full name
    select name_key from incoming_keys
    union select string_split(name_key, ' ')[-1] from incoming_keys where contains(name_key, ' ')
), affected as (
    select name_key from short_keys
    union select n.name_key from entity_local_names n
    where contains(n.name_key, ' ') and string_split(n.name_key, ' ')[-1] in (select name_key from short_keys)
)
select n.local_entity_id, n.name, n.name_key, n.type, n.wikidata_id, count(m.local_entity_id) as mentions
from entity_local_names n
left join entity_mentions m on m.local_entity_id = n.local_entity_id
where n.name_key in (select name_key from affected)
group by all

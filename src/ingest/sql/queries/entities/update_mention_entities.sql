-- Mentions move to the settled entity of their local entity (canonical).
update entity_mentions set entity_id = c.entity_id from canonical c
where entity_mentions.local_entity_id = c.local_entity_id and entity_mentions.entity_id <> c.entity_id

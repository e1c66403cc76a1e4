-- Mentions whose settled entity (canonical) differs from the one they carry: (article, old, new).
select distinct m.article_id, m.entity_id as old_id, c.entity_id as new_id
from entity_mentions m join canonical c using (local_entity_id)
where m.entity_id <> c.entity_id

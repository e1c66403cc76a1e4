-- Entities no mention carries any more since the move (moved).
delete from entities
where entity_id in (
    select old_id from moved
    where not exists (select 1 from entity_mentions m where m.entity_id = moved.old_id)
)

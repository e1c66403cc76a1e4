-- The entities mentions moved to (moved): their seen dates change.
select distinct new_id as entity_id from moved

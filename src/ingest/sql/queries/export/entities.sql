-- Export of entities (not partitioned).
select * from entities

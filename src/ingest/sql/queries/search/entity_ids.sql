-- Entities whose canonical name or any alias is $name, ignoring case.
select entity_id from entities where lower(name) = lower($name)
union
select entity_id from entity_aliases where lower(alias) = lower($name)

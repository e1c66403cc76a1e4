-- Every applied migration with the name and checksum it had then.
select version, name, checksum from schema_migrations

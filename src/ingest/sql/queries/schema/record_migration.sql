-- Record one migration as applied (version, name, checksum, applied_at).
insert into schema_migrations values (?, ?, ?, ?)

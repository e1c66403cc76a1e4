-- Record the checksum of the view files just applied (checksum, applied_at).
insert into schema_views values (?, ?)

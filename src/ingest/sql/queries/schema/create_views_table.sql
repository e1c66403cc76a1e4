-- The checksum of the view files the views were last created from.
create table if not exists schema_views (checksum varchar not null, applied_at timestamp not null)

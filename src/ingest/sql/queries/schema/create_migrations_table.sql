-- The record of applied migrations: one row per numbered file, with the checksum it had when applied.
create table if not exists schema_migrations (
    version integer primary key,
    name varchar not null,
    checksum varchar not null,
    applied_at timestamp not null
)

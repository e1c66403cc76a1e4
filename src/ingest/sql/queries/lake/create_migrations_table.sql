-- The migrations ledger of a lake, made before `migrate` asks for it: DuckLake takes no primary key.
create table if not exists schema_migrations (
    version integer not null, name varchar not null, checksum varchar not null, applied_at timestamp not null
)

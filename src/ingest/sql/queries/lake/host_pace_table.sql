-- PostgreSQL, in a lake's catalog database: when each host may next be asked, one row per host, shared by every
-- fetch worker of the lake on every machine (coordination state, not warehouse data). Created once, under a
-- transaction lock, since two sessions creating it at once would collide on its type.
select pg_advisory_xact_lock(hashtext('ingest_host_pace'));
create table if not exists ingest_host_pace (host text primary key, next_at timestamptz not null);

-- PostgreSQL, in a lake's catalog database: who holds (or waits for) an ingest writer lock, one row per catalog
-- session; the lock itself is a session advisory lock, so a row whose session is gone names nobody. Created once,
-- under a transaction lock, since two sessions creating it at once would collide on its type.
select pg_advisory_xact_lock(hashtext('ingest_lock_holders'));
create table if not exists ingest_lock_holders (
    backend_pid integer primary key, pid integer not null, host text not null, run_id text, since text not null
);

-- PostgreSQL: this catalog session says who it works for (before it asks for a lock, so a holder is never nameless).
insert into ingest_lock_holders (backend_pid, pid, host, run_id, since)
values (pg_backend_pid(), %(pid)s, %(host)s, %(run_id)s, %(since)s)
on conflict (backend_pid) do update
set pid = excluded.pid, host = excluded.host, run_id = excluded.run_id, since = excluded.since

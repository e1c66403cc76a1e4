-- PostgreSQL: the sessions holding a lake's advisory locks now (lock space; the lake-wide lock alone, or its key
-- locks), other than this one, as they declared themselves.
select h.pid, h.host, h.run_id, h.since
from pg_locks l
join ingest_lock_holders h on h.backend_pid = l.pid
where l.locktype = 'advisory' and l.granted and l.objsubid = 2 and l.pid <> pg_backend_pid()
    and l.classid = %(space)s::oid and (l.objid = 0) = %(lake_wide)s
order by h.since
limit 1

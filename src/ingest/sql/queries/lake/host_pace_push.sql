-- PostgreSQL: the host is not due before `seconds` from now (database clock), or later if it was already; used
-- after a request (the host's interval) and for Retry-After and back-off.
insert into ingest_host_pace as pace (host, next_at)
values (%(host)s, clock_timestamp() + make_interval(secs => %(seconds)s))
on conflict (host) do update set next_at = greatest(pace.next_at, excluded.next_at)

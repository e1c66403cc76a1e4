-- PostgreSQL: a host's row, due at once, if no worker has asked it before (so there is a row to lock).
insert into ingest_host_pace (host, next_at) values (%(host)s, 'epoch') on conflict (host) do nothing

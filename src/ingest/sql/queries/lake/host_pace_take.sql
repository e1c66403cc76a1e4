-- PostgreSQL: take a host's turn (its row, locked until this transaction ends, so one request per host is in flight
-- across all workers) and how many seconds until it is due, by the database's clock (negative: due already).
select extract(epoch from next_at - clock_timestamp())::float8 from ingest_host_pace where host = %(host)s for update

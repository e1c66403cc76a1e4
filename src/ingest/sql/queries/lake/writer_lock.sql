-- PostgreSQL: wait for one of a lake's advisory locks (lock space, key), held by this session until it lets go or
-- ends; the wait is bounded by the session's lock_timeout.
select pg_advisory_lock(%s, %s)

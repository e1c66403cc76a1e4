-- PostgreSQL: take one of a lake's advisory locks (lock space, key) if it is free now, without waiting.
select pg_try_advisory_lock(%s, %s)

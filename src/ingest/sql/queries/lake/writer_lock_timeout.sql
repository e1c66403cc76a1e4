-- PostgreSQL: how long this session waits for a lock before giving up (milliseconds, as text).
select set_config('lock_timeout', %s, false)

-- Mark the given runs crashed (finished_at, run ids).
update runs set status = 'crashed', finished_at = ? where run_id in (select unnest(?))

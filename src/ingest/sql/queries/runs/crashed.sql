-- Runs that died, newest first: marked crashed, or among the given runs found dead.
select run_id, flow_name, started_at, pid, host from runs
where status = 'crashed' or run_id in (select unnest(?))
order by started_at desc

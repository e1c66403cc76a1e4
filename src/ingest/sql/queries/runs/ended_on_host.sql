-- Runs of this host (given second) among the given Prefect flow runs that recorded their end, with their process.
select flow_run_id, status, pid, process_started
from runs
where flow_run_id in (select unnest(?)) and status <> 'running' and host = ? and pid is not null
order by flow_run_id

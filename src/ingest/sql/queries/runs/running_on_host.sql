-- Runs recorded as running on this host (given), with the process that runs them.
select run_id, pid, process_started from runs where status = 'running' and host = ? and pid is not null

-- Record a run as running, with the process that runs it (a run whose process dies is seen as crashed).
insert or replace into runs (run_id, flow_run_id, flow_name, inputs, started_at, status, pid, host, process_started)
values (?, ?, ?, ?, ?, 'running', ?, ?, ?)

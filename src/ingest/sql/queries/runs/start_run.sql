-- Record a run as running, with the process that runs it (a run whose process dies is seen as crashed). A MERGE on
-- run_id, not `insert or replace`: that needs a primary key, which a DuckLake warehouse cannot have.
merge into runs using (
    select ?::varchar as run_id, ?::varchar as flow_run_id, ?::varchar as flow_name, ?::varchar[] as inputs,
           ?::timestamp as started_at, ?::integer as pid, ?::varchar as host, ?::double as process_started
) as started on runs.run_id = started.run_id
when matched then update set flow_run_id = started.flow_run_id, flow_name = started.flow_name,
    inputs = started.inputs, started_at = started.started_at, finished_at = null, status = 'running', counts = null,
    pid = started.pid, host = started.host, process_started = started.process_started
when not matched then insert (run_id, flow_run_id, flow_name, inputs, started_at, status, pid, host, process_started)
    values (started.run_id, started.flow_run_id, started.flow_name, started.inputs, started.started_at, 'running',
            started.pid, started.host, started.process_started)

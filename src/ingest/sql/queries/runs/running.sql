-- Runs recorded as running by a known process (rows from before migration 007 have none to wait for).
select run_id from runs where status = 'running' and pid is not null

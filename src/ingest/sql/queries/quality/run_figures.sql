-- The recorded figures of one run (run_id).
select metric, value from run_quality where run_id = ?

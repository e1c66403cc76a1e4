-- Drop the recorded figures of a run (run_id) before recording them again.
delete from run_quality where run_id = ?

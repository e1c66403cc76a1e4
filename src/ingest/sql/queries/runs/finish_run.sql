-- Record how a run ended (finished_at, status, counts as JSON) by run_id.
update runs set finished_at = ?, status = ?, counts = ? where run_id = ?

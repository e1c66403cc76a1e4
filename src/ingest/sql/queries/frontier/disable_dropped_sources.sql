-- Sources that left the seed (registered as incoming_sources) are disabled, not deleted, so their history still joins.
update sources set enabled = false, synced_at = $now, load_id = $load_id
where enabled and source_id not in (select source_id from incoming_sources)

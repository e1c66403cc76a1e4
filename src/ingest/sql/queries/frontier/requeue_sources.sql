-- A refetch request: every URL of these sources not queued already is queued again.
update frontier set state = 'queued', not_before = null
where source_id in (select unnest($source_ids::varchar[])) and state <> 'queued'

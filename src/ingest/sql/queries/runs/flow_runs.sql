-- The Prefect flow run ids recorded for the given runs.
select flow_run_id from runs where run_id in (select unnest(?)) and flow_run_id is not null order by run_id

-- The most recently recorded run of every series, with when it was recorded.
select series, arg_max(run_id, computed_at), max(computed_at) from run_quality group by series order by 1

-- Export of rejects, partitioned by the day they were rejected.
select r.*, cast(r.rejected_at as date) as reject_date from rejects r

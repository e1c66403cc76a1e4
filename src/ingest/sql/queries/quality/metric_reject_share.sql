-- Figure: share of the run's ($run_id) new inputs that were rejected.
select sum(rejects) / nullif(sum(rejects) + sum(articles), 0) from loads where run_id = $run_id

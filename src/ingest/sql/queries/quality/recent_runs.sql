-- The latest runs (limit given), newest first, with the articles and rejects each loaded.
select run_id, flow_name, started_at, finished_at, status,
       coalesce(try_cast(counts->>'loaded_articles' as integer), 0) as loaded_articles,
       (select coalesce(sum(rejects), 0) from loads l where l.run_id = r.run_id) as loaded_rejects
from runs r
order by started_at desc
limit ?

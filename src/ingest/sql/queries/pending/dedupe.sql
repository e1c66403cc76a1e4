-- Loaded articles without a fingerprint, by load in load order, except the loads of live runs ($live).
select a.load_id, list(a.article_id order by a.article_id) as ids
from articles a
where not exists (select 1 from dedupe_fingerprints f where f.article_id = a.article_id)
  and a.load_id not in (select load_id from loads where run_id in (select unnest($live::varchar[])))
group by a.load_id
order by min(a.ingested_at), a.load_id

-- The warehouse's article versions the index lacks (its keys registered as indexed_keys), as the index stores them.
select article_id, load_id, title, body_text as body,
       coalesce(published_at, cast(ingested_at as date)) as article_date
from articles a
where not exists (select 1 from indexed_keys k where k.article_id = a.article_id and k.load_id = a.load_id)

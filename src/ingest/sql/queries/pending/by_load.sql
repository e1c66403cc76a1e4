-- Loaded articles awaiting dedupe or enrichment, by stage and load in load order, except loads of live runs ($live).
with awaiting as (
    select 'dedupe' as stage, a.load_id, a.article_id, a.ingested_at from articles a
    where not exists (select 1 from dedupe_fingerprints f where f.article_id = a.article_id)
    union all
    select 'enrichment' as stage, a.load_id, a.article_id, a.ingested_at from articles a
    where not exists (select 1 from article_enrichment e where e.article_id = a.article_id)
)
select stage, load_id, list(article_id order by article_id) as ids
from awaiting
where load_id not in (select load_id from loads where run_id in (select unnest($live::varchar[])))
group by stage, load_id
order by stage, min(ingested_at), load_id

-- Which articles have entities, which were skipped or failed and why, and which model and gazetteer made them.
create or replace view entity_enrichment_status as
with latest as (
    select
        status,
        reason,
        model_version,
        resolver_version,
        gazetteer_version,
        count(*) as articles,
        sum(mentions) as mentions,
        max(enriched_at) as last_enriched_at
    from article_enrichment
    group by all
),
unenriched as (
    select
        'not_enriched' as status,
        null as reason,
        null as model_version,
        null as resolver_version,
        null as gazetteer_version,
        count(*) as articles,
        0 as mentions,
        null as last_enriched_at
    from articles a
    where not exists (select 1 from article_enrichment e where e.article_id = a.article_id)
    having count(*) > 0
)
select * from latest
union all
select * from unenriched
order by articles desc;

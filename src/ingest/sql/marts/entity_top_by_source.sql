-- Entities each source names most (source as stg_articles defines it: the URL's host, else the site name, else
-- 'local files').
create or replace view entity_top_by_source as
with sourced as (
    select
        article_id,
        source
    from stg_articles
),
counted as (
    select
        s.source,
        ae.entity_id,
        count(*) as articles,
        sum(ae.mentions) as mentions,
        count(*) filter (where ae.in_title or ae.in_lead) as articles_leading
    from article_entities ae
    join sourced s using (article_id)
    group by s.source, ae.entity_id
),
ranked as (
    select
        *,
        row_number() over (partition by source order by articles desc, mentions desc, entity_id) as rank
    from counted
)
select
    r.source,
    r.rank,
    r.entity_id,
    e.name,
    e.type,
    e.wikidata_id,
    r.articles,
    r.mentions,
    r.articles_leading
from ranked r
join entities e using (entity_id)
order by r.source, r.rank;

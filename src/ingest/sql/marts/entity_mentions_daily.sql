-- How often each entity is mentioned per day (stg_articles.article_date), and in how many articles.
create or replace view entity_mentions_daily as
with dated as (
    select
        article_id,
        article_date as day
    from stg_articles
),
per_day as (
    select
        d.day,
        ae.entity_id,
        sum(ae.mentions) as mentions,
        count(*) as articles
    from article_entities ae
    join dated d using (article_id)
    group by d.day, ae.entity_id
)
select
    p.day,
    p.entity_id,
    e.name,
    e.type,
    e.wikidata_id,
    p.mentions,
    p.articles
from per_day p
join entities e using (entity_id)
order by p.day, p.mentions desc, e.name;

-- Every article that names an entity, in time order, with how prominently it names it.
create or replace view entity_articles as
with dated as (
    select
        article_id,
        article_date as day,
        title,
        coalesce(url, source_uri) as location,
        site_name
    from stg_articles
)
select
    e.entity_id,
    e.name,
    e.type,
    e.wikidata_id,
    d.day,
    ae.article_id,
    d.title,
    d.site_name,
    d.location,
    ae.mentions,
    ae.in_title,
    ae.in_lead,
    ae.first_sentence
from article_entities ae
join entities e using (entity_id)
join dated d using (article_id)
order by e.name, d.day, ae.article_id;

-- One row per entity: how much it is named, since when, and under which names.
create or replace view entity_catalog as
with usage as (
    select
        entity_id,
        count(*) as articles,
        sum(mentions) as mentions
    from article_entities
    group by entity_id
),
names as (
    select
        entity_id,
        list(alias order by alias) as aliases
    from entity_aliases
    group by entity_id
)
select
    e.entity_id,
    e.name,
    e.type,
    e.wikidata_id,
    e.first_seen,
    e.last_seen,
    coalesce(u.articles, 0) as articles,
    coalesce(u.mentions, 0) as mentions,
    n.aliases
from entities e
left join usage u using (entity_id)
left join names n using (entity_id)
order by mentions desc, e.name;

-- Who is named alongside whom: one row per (entity, companion, article), with the article's story and day, so
-- "which people were mentioned with Hamas this week, in how many distinct stories?" is one count(distinct).
create or replace view entity_companions as
with mentioned as (
    select
        ae.article_id,
        ae.entity_id,
        e.name,
        e.type,
        c.story_id,
        c.article_date as day
    from article_entities ae
    join entities e using (entity_id)
    join article_copies c using (article_id)
),
pairs as (
    select
        a.name as entity,
        a.type as entity_type,
        b.name as companion,
        b.type as companion_type,
        a.article_id,
        a.story_id,
        a.day
    from mentioned a
    join mentioned b on a.article_id = b.article_id and a.entity_id <> b.entity_id
)
select * from pairs;

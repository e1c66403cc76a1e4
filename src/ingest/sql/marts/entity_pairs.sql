-- Entities named in the same article, each unordered pair once (name_a sorts first), with how many articles
-- name both and over which days.
create or replace view entity_pairs as
with named as (
    select
        ae.article_id,
        ae.entity_id,
        e.name,
        e.type,
        a.article_date as day
    from article_entities ae
    join entities e using (entity_id)
    join stg_articles a using (article_id)
),
pairs as (
    select
        x.entity_id as entity_a,
        any_value(x.name) as name_a,
        any_value(x.type) as type_a,
        y.entity_id as entity_b,
        any_value(y.name) as name_b,
        any_value(y.type) as type_b,
        count(*) as articles,
        min(x.day) as first_day,
        max(x.day) as last_day
    from named x
    join named y
        on y.article_id = x.article_id
        and (x.name < y.name or (x.name = y.name and x.entity_id < y.entity_id))
    group by x.entity_id, y.entity_id
)
select * from pairs
order by articles desc, name_a, name_b;

-- One row per story: how many copies were loaded, which sources carried it, and its first-published copy
-- (that copy's row is in articles_unique).
create or replace view stories as
with firsts as (
    select story_id, title, source as first_source, url_canonical as first_url, published_at as first_published_at
    from article_copies
    where copy_rank = 1
),
spread as (
    select
        story_id,
        count(*) as copies,
        list(distinct source order by source) filter (where source is not null) as sources,
        min(ingested_at) as first_seen_at
    from article_copies
    group by story_id
)
select
    f.story_id,
    f.title,
    s.copies,
    s.sources,
    f.first_source,
    f.first_published_at,
    s.first_seen_at,
    f.first_url
from firsts f
join spread s on s.story_id = f.story_id;

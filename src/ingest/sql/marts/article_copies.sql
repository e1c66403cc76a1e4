-- Every article with its story and its place among the story's copies (1 = published first). Articles not
-- deduplicated yet (loaded before migration 003, or a dedupe still pending) are their own one-copy story.
create or replace view article_copies as
with members as (
    select
        s.article_id,
        coalesce(st.story_id, s.article_id) as story_id,
        s.title,
        s.site_name,
        s.source,
        s.url_as_given as url,
        s.url_canonical,
        s.published_at,
        s.article_date,
        s.ingested_at,
        s.word_count
    from stg_articles s
    left join article_stories st on st.article_id = s.article_id
),
ranked as (
    select
        *,
        row_number() over (
            partition by story_id order by published_at nulls last, ingested_at, article_id
        ) as copy_rank,
        count(*) over (partition by story_id) as copies
    from members
)
select * from ranked;

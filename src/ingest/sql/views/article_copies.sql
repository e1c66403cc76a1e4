-- Every article with its story and its place among the story's copies (1 = published first). Articles not
-- deduplicated yet (loaded before migration 003, or a dedupe still pending) are their own one-copy story.
create or replace view article_copies as
with members as (
    select
        a.article_id,
        coalesce(s.story_id, a.article_id) as story_id,
        a.title,
        a.site_name,
        a.url,
        coalesce(f.url_canonical, a.canonical_url, a.url) as url_canonical,
        a.published_at,
        a.ingested_at,
        a.word_count
    from articles a
    left join article_stories s on s.article_id = a.article_id
    left join dedupe_fingerprints f on f.article_id = a.article_id
),
with_source as (
    select
        *,
        coalesce(nullif(regexp_extract(url_canonical, '^https?://(?:www\.)?([^/:?#]+)', 1), ''), site_name)
            as source
    from members
),
ranked as (
    select
        *,
        row_number() over (
            partition by story_id order by published_at nulls last, ingested_at, article_id
        ) as copy_rank,
        count(*) over (partition by story_id) as copies
    from with_source
)
select * from ranked;

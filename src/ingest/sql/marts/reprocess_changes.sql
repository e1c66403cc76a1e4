-- Each article a reprocess replaced, old extraction beside the current one, to judge an extractor upgrade.
create or replace view reprocess_changes as
with previous as (
    select * from superseded_articles
),
paired as (
    select
        p.reprocess_id,
        p.article_id,
        p.superseded_at,
        p.extractor_version as old_extractor_version,
        a.extractor_version as new_extractor_version,
        p.word_count as old_word_count,
        a.word_count as new_word_count,
        a.word_count - p.word_count as word_count_change,
        p.title is distinct from a.title as title_changed,
        p.author is distinct from a.author as author_changed,
        p.published_at is distinct from a.published_at
            or p.published_time is distinct from a.published_time as date_changed,
        p.language is distinct from a.language as language_changed,
        p.body_text is distinct from a.body_text as body_changed
    from previous p
    join articles a using (article_id)
)
select * from paired;

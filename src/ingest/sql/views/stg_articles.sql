-- One row per article with the columns analysts filter on, and the day it was published (or ingested).
create or replace view stg_articles as
with base as (
    select
        article_id,
        document_id,
        coalesce(canonical_url, url) as url,
        source_uri,
        title,
        author,
        published_at,
        coalesce(published_at, cast(ingested_at as date)) as article_date,
        language,
        site_name,
        word_count,
        extractor_version,
        ingested_at
    from articles
)
select * from base;

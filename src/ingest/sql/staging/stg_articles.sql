-- One row per article, cleaned once for every mart: the columns analysts filter on, the day the article belongs
-- to, its canonical URL and its source. Marts read `article_date` and `source` from here and never recompute them.
-- article_date: the published day, else the day the article was loaded.
-- url_canonical: the dedupe stage's key for the page (ingest.urls: https, lower-case host without www/amp/m,
-- no trackers), else the page's declared canonical URL, else the URL it was read from.
-- source: the host of url_canonical, else the page's site name, else 'local files'. The host comes first
-- because every web article has one and every page of a site shares it, whereas a site name is missing on many
-- pages, varies across one site's sections ("BBC News", "BBC Sport") and on a syndicated copy often names the
-- wire service rather than the site that carried it; web sources are configured by URL too (seeds/sources.csv).
create or replace view stg_articles as
with base as (
    select
        a.article_id,
        a.document_id,
        coalesce(a.canonical_url, a.url) as url,
        a.url as url_as_given,
        coalesce(f.url_canonical, a.canonical_url, a.url) as url_canonical,
        a.source_uri,
        a.title,
        a.author,
        a.published_at,
        coalesce(a.published_at, cast(a.ingested_at as date)) as article_date,
        a.language,
        a.site_name,
        a.word_count,
        a.extractor_version,
        a.ingested_at
    from articles a
    left join dedupe_fingerprints f on f.article_id = a.article_id
),
sourced as (
    select
        *,
        coalesce(nullif(lower(regexp_extract(url_canonical, '^[a-zA-Z]+://(?:www\.)?([^/:?#]+)', 1)), ''),
                 site_name, 'local files') as source
    from base
)
select * from sourced;

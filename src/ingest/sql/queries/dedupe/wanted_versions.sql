-- Each distinct text at each URL of dedupe_version_urls, numbered by first ingest.
create or replace temp table dedupe_wanted_versions as
with texts as (
    select f.url_canonical, f.folded_text_hash, f.article_id, a.ingested_at,
           row_number() over (partition by f.url_canonical, f.folded_text_hash order by a.ingested_at, f.article_id) as nth
    from dedupe_fingerprints f join articles a using (article_id)
    where f.url_canonical in (select url_canonical from dedupe_version_urls)
)
select url_canonical,
       cast(row_number() over (partition by url_canonical order by ingested_at, article_id) as integer) as version,
       article_id, folded_text_hash
from texts
where nth = 1

-- Loaded articles not fingerprinted yet, oldest first (dedupe_pending), a batch at a time.
select article_id from articles a
where not exists (select 1 from dedupe_fingerprints f where f.article_id = a.article_id)
order by ingested_at, article_id
limit ?

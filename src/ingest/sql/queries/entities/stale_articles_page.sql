-- As articles_page, only articles never enriched or whose title or body changed since (hash as in EnrichInput).
select a.article_id, a.source_uri, a.title, a.body_text, a.language from articles a
where a.article_id > $after
  and ($since is null or coalesce(a.published_at, cast(a.ingested_at as date)) >= $since)
  and not exists (
      select 1 from article_enrichment e
      where e.article_id = a.article_id and e.text_hash = md5(coalesce(a.title, '') || chr(0) || a.body_text)
  )
order by a.article_id
limit $size

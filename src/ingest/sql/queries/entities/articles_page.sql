-- The next articles after $after (by id), dated on or after $since when given, $size at a time.
select a.article_id, a.source_uri, a.title, a.body_text, a.language from articles a
where a.article_id > $after
  and ($since is null or coalesce(a.published_at, cast(a.ingested_at as date)) >= $since)
order by a.article_id
limit $size

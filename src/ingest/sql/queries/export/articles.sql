-- Export of articles, with the date they are partitioned by (published, else the day they were ingested).
select a.*, coalesce(a.published_at, cast(a.ingested_at as date)) as article_date from articles a

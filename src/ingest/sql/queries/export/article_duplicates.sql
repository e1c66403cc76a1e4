-- Export of article_duplicates, partitioned by their article's date.
select d.*, coalesce(a.published_at, cast(a.ingested_at as date)) as article_date
from article_duplicates d join articles a using (article_id)

-- Export of article_embeds, partitioned by their article's date.
select e.*, coalesce(a.published_at, cast(a.ingested_at as date)) as article_date
from article_embeds e join articles a using (article_id)

-- Export of entity_mentions, partitioned by their article's date.
select m.*, coalesce(a.published_at, cast(a.ingested_at as date)) as article_date
from entity_mentions m join articles a using (article_id)

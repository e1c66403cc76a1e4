-- What fingerprinting needs of the listed loaded articles ({ids}: quoted literals).
select article_id, url, canonical_url, title, body_text, ingested_at, published_at
from articles where article_id in ({ids})

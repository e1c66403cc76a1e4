-- What orders copies (dedupe_store.copy_order) of the listed articles ({ids}: quoted literals).
select article_id, published_at, ingested_at from articles where article_id in ({ids})
